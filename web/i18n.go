package web

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	// Browsers name IANA zones; a container may have no zoneinfo.
	_ "time/tzdata"
)

// languages the interface speaks; the first is the fallback.
var languages = []string{"en", "es"}

// catalog holds every visible string, by language and key. Messages with
// arguments use fmt verbs.
type catalog map[string]map[string]string

// feature is one file's strings (i18n_*.go), by language.
type feature struct {
	name string
	msgs map[string]map[string]string
}

// features are the files of strings, each part of the interface in its own.
var features = []feature{
	{"common", map[string]map[string]string{"en": commonEN, "es": commonES}},
	{"analysis", map[string]map[string]string{"en": analysisEN, "es": analysisES}},
	{"instructor", map[string]map[string]string{"en": instructorEN, "es": instructorES}},
	{"nodes", map[string]map[string]string{"en": nodesEN, "es": nodesES}},
	{"reveal", map[string]map[string]string{"en": revealEN, "es": revealES}},
	{"terminal", map[string]map[string]string{"en": terminalEN, "es": terminalES}},
	{"trainee", map[string]map[string]string{"en": traineeEN, "es": traineeES}},
	{"trust", map[string]map[string]string{"en": trustEN, "es": trustES}},
}

// catalogs is built once, as the package loads, and only read after; New
// refuses to make a server while catalogErr says the catalog is not whole.
var catalogs, catalogErr = buildCatalog(languages, features)

// buildCatalog merges the features' strings into one catalog. A key in two
// features, a language that is not one of langs, and a key a feature gives
// in one language but not in another are errors; every one is reported,
// with the catalog merged from the rest.
func buildCatalog(langs []string, features []feature) (catalog, error) {
	c := make(catalog, len(langs))
	owner := make(map[string]map[string]string, len(langs)) // language → key → feature
	for _, lang := range langs {
		c[lang], owner[lang] = map[string]string{}, map[string]string{}
	}
	var errs []error
	for _, f := range features {
		errs = append(errs, checkFeature(langs, f)...)
		for _, lang := range langs {
			for _, key := range sortedKeys(f.msgs[lang]) {
				if prev, dup := owner[lang][key]; dup {
					errs = append(errs, fmt.Errorf("web: %s: message %q (%s) is also in %s", f.name, key, lang, prev))
					continue
				}
				c[lang][key], owner[lang][key] = f.msgs[lang][key], f.name
			}
		}
	}
	return c, errors.Join(errs...)
}

// checkFeature says where a feature's languages are not langs, or do not
// have the same keys as the first of langs.
func checkFeature(langs []string, f feature) []error {
	var errs []error
	for _, lang := range sortedKeys(f.msgs) {
		if !slices.Contains(langs, lang) {
			errs = append(errs, fmt.Errorf("web: %s: strings in %q, which is not one of the languages %v", f.name, lang, langs))
		}
	}
	first := f.msgs[langs[0]]
	for _, lang := range langs[1:] {
		for _, key := range sortedKeys(first) {
			if _, ok := f.msgs[lang][key]; !ok {
				errs = append(errs, fmt.Errorf("web: %s: %s lacks %q", f.name, lang, key))
			}
		}
		for _, key := range sortedKeys(f.msgs[lang]) {
			if _, ok := first[key]; !ok {
				errs = append(errs, fmt.Errorf("web: %s: %s has %q, which %s lacks", f.name, lang, key, langs[0]))
			}
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// translate looks a key up; a missing key shows itself, so that it is seen
// and fixed rather than hidden.
func translate(lang, key string, args ...any) string {
	msg, ok := catalogs[lang][key]
	if !ok {
		if msg, ok = catalogs[languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

func supported(lang string) bool {
	_, ok := catalogs[lang]
	return ok
}

// negotiate picks a language from an Accept-Language header: the supported
// one of highest weight, in the header's order on ties.
func negotiate(header string) string {
	best, bestQ := languages[0], 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if supported(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

var zones sync.Map // name → *time.Location

// zone loads the IANA zone a browser named, UTC when it is not one.
func zone(name string) *time.Location {
	if name == "" || len(name) > 64 {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}
