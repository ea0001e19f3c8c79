package main

// The command line speaks English or Spanish, as LC_ALL, LC_MESSAGES or
// LANG say (POSIX's order), or as --lang says before the command.
//
// Why golang.org/x/text/message rather than a map of format strings, as
// web/i18n.go has: a count is printed in many of the messages, and the word
// that follows it ("1 container", "2 containers"; "Se construyó 1 imagen",
// "Se construyeron 2 imágenes") is chosen by the language's plural rules.
// x/text carries CLDR's rules for every language, so that a translator who
// adds one (Portuguese has 0 and 1 in the same form, English does not)
// writes its forms and no code; it is maintained by the Go team, and was in
// the module graph already. It also writes counts as the language does
// (1,000 in English, 1.000 in Spanish): numbers a user types back, such as
// an attack run's ID, are passed to messages as strings so that they stay
// as they are.
//
// The messages themselves are declared data, as web/ declares its own:
// i18n_en.go and i18n_es.go, one map of a language's strings and one of its
// plural forms, by key; buildCatalog turns them into x/text's catalog and
// says which key a language lacks (TestCatalogUnit fails then).

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	xplural "golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// forms are a message whose words follow a count: the count is argument
// arg (from 1), one is the message for the CLDR form "one" (1 in English
// and Spanish) and other for every other count.
type forms struct {
	arg        int
	one, other string
}

// tongue is one language's messages.
type tongue struct {
	tag     language.Tag
	strings map[string]string
	plurals map[string]forms
}

// tongues are the languages the command line speaks; the first is the
// fallback, spoken when the environment names no other.
var tongues = []tongue{
	{language.English, stringsEN, pluralsEN},
	{language.Spanish, stringsES, pluralsES},
}

var messages, catalogErr = buildCatalog(tongues)

// buildCatalog makes x/text's catalog of the languages' messages. A key one
// language has and another lacks, a key that is a string in one language
// and plural forms in another, and a message x/text refuses are errors;
// every one is said, with the catalog built from the rest.
func buildCatalog(ts []tongue) (*catalog.Builder, error) {
	b := catalog.NewBuilder(catalog.Fallback(ts[0].tag))
	var errs []error
	first := ts[0]
	for _, t := range ts {
		for _, key := range slices.Sorted(maps.Keys(t.strings)) {
			if err := b.SetString(t.tag, key, t.strings[key]); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q: %w", t.tag, key, err))
			}
		}
		for _, key := range slices.Sorted(maps.Keys(t.plurals)) {
			f := t.plurals[key]
			if f.arg < 1 || f.one == "" || f.other == "" {
				errs = append(errs, fmt.Errorf("%s: %q: plural forms need the count's argument, a form for one and one for other", t.tag, key))
				continue
			}
			if err := b.Set(t.tag, key, xplural.Selectf(f.arg, "%d", xplural.One, f.one, xplural.Other, f.other)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q: %w", t.tag, key, err))
			}
		}
		if t.tag == first.tag {
			continue
		}
		errs = append(errs, missing(first, t)...)
		errs = append(errs, missing(t, first)...)
	}
	return b, errors.Join(errs...)
}

// missing says which of a's keys b lacks, or has of the other kind.
func missing(a, b tongue) []error {
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(a.strings)) {
		if _, ok := b.strings[key]; !ok {
			errs = append(errs, fmt.Errorf("%s lacks the message %q that %s has", b.tag, key, a.tag))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(a.plurals)) {
		if _, ok := b.plurals[key]; !ok {
			errs = append(errs, fmt.Errorf("%s lacks the plural forms %q that %s has", b.tag, key, a.tag))
		}
	}
	return errs
}

// languageFrom chooses the language of the messages: the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides, Spanish when it starts with
// "es" (es_CL.UTF-8, es_CO, es), English otherwise (C, POSIX, en_US...).
// getenv nil is an empty environment.
func languageFrom(getenv func(string) string) language.Tag {
	if getenv == nil {
		return tongues[0].tag
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return languageNamed(v)
		}
	}
	return tongues[0].tag
}

// languageNamed is the language a locale's name, or --lang's value, stands
// for.
func languageNamed(v string) language.Tag {
	if strings.HasPrefix(strings.ToLower(v), "es") {
		return language.Spanish
	}
	return language.English
}

// langFlag takes --lang es|en, or --lang=es, from before the command.
func langFlag(args []string) (lang string, rest []string, ok bool) {
	if len(args) == 0 {
		return "", args, false
	}
	if v, found := strings.CutPrefix(args[0], "--lang="); found {
		return v, args[1:], true
	}
	if v, found := strings.CutPrefix(args[0], "-lang="); found {
		return v, args[1:], true
	}
	if args[0] == "--lang" || args[0] == "-lang" {
		if len(args) < 2 {
			return "", nil, true
		}
		return args[1], args[2:], true
	}
	return "", args, false
}

// printer writes the messages in one language.
type printer struct {
	tag language.Tag
	p   *message.Printer
}

func newPrinter(tag language.Tag) *printer {
	return &printer{tag: tag, p: message.NewPrinter(tag, message.Catalog(messages))}
}

var english = newPrinter(language.English)

// printerFor is the printer of the language the environment names.
func printerFor(getenv func(string) string) *printer {
	if tag := languageFrom(getenv); tag != english.tag {
		return newPrinter(tag)
	}
	return english
}

// text is the message key in the printer's language, with args in its
// verbs. A key in no catalog shows itself, so that it is seen and fixed.
func (p *printer) text(key string, args ...any) string {
	return p.p.Sprintf(key, args...)
}

// line writes the message key and a newline.
func (p *printer) line(w io.Writer, key string, args ...any) {
	io.WriteString(w, p.p.Sprintf(key, args...)+"\n")
}

// count is n with the noun in the form n takes: "1 team", "3 teams". noun
// is a key of the plural forms without its "n." prefix.
func (p *printer) count(noun string, n int) string {
	return p.p.Sprintf("n."+noun, n)
}

// errorf is an error of the message key.
func (p *printer) errorf(key string, args ...any) error {
	return errors.New(p.p.Sprintf(key, args...))
}

// usagef is a command-line mistake of the message key.
func (p *printer) usagef(key string, args ...any) usageError {
	return usageError{p.p.Sprintf(key, args...)}
}

// p is the printer of the command's language: English when none was chosen
// (as in tests that make an env of their own).
func (e *env) p() *printer {
	if e.msg == nil {
		return english
	}
	return e.msg
}

// flagKeys finds the message of a flag's usage written in English, by its
// text: the messages whose keys start with "flag.".
var flagKeys = func() map[string]string {
	keys := map[string]string{}
	for key, text := range stringsEN {
		if strings.HasPrefix(key, "flag.") {
			keys[text] = key
		}
	}
	return keys
}()

// flagUsage is a flag's usage in the printer's language, when it is one of
// the flag messages; any other is left as it is.
func (p *printer) flagUsage(usage string) string {
	if key, ok := flagKeys[usage]; ok {
		return p.text(key)
	}
	return usage
}
