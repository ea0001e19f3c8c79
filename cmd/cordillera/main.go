// Command cordillera runs cyber-defense exercises: it validates and plans
// scenarios, deploys every team's range, runs the exercise and serves the
// scoreboard.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
)

// command is one subcommand of cordillera.
type command struct {
	run func(ctx context.Context, env *env, args []string) error
}

// commands are cordillera's subcommands; each one's summary is the message
// "cmd.NAME".
var commands = map[string]command{
	"validate": {runValidate},
	"plan":     {runPlan},
	"fmt":      {runFmt},
	"export":   {runExport},
	"up":       {runUp},
	"down":     {runDown},
	"status":   {runStatus},
	"reset":    {runReset},
	"nodes":    {runNodes},
	"move":     {runMove},
	"images":   {runImages},
	"control":  {runControl},
	"run":      {runRun},
	"shell":    {runShell},
	"serve":    {runServe},
}

// env is what a command reads and writes, so tests can run commands
// in-process.
type env struct {
	// stdin is nil when a command gets no input.
	stdin          io.Reader
	stdout, stderr io.Writer
	color          bool
	// getenv reads the environment, for the language of the messages:
	// os.Getenv in main; nil (no environment, English) in tests that make
	// an env of their own.
	getenv func(string) string
	// msg is the language of the messages, which run chooses; nil is
	// English (see env.p).
	msg *printer
}

// exitError carries a command's exit status without a message of its own:
// the command has already said what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake in the command line; its message is followed by
// the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, color: isTerminal(os.Stderr), getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	if e.msg == nil {
		e.msg = printerFor(e.getenv)
	}
	if lang, rest, ok := langFlag(args); ok {
		if lang != "es" && lang != "en" {
			fmt.Fprintf(e.stderr, "cordillera: %s\n", e.p().text("main.lang", lang))
			return 2
		}
		e.msg, args = newPrinter(languageNamed(lang)), rest
	}
	p := e.p()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout, p)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(e.stdout, "cordillera", probe.BuildVersion())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "cordillera: %s\n\n", p.text("main.unknown", args[0]))
		usage(e.stderr, p)
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	var exit exitError
	var uerr usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		return int(exit)
	case errors.As(err, &uerr):
		fmt.Fprintf(e.stderr, "cordillera %s: %s\n", args[0], uerr.msg)
		return 2
	default:
		fmt.Fprintf(e.stderr, "cordillera %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, p *printer) {
	p.line(w, "main.about")
	fmt.Fprintf(w, "\n%s\n\n%s\n", p.text("main.usage"), p.text("main.commands"))
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, p.text("cmd."+n))
	}
	fmt.Fprintf(w, "\n%s\n", p.text("main.more"))
}

// newFlags returns a flag set that reports errors instead of exiting, with a
// usage line for the command.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	p := e.p()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "%s\n\n%s\n", p.text("flags.usage", name, args), about)
		// Flags defined in English (addRangeFlags, which plan and serve
		// call without a printer) are said in the command's language.
		fs.VisitAll(func(f *flag.Flag) { f.Usage = p.flagUsage(f.Usage) })
		var opts strings.Builder
		fs.SetOutput(&opts)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
		if opts.Len() > 0 {
			// The flag package writes its "(default ...)" in English.
			defaults := strings.ReplaceAll(opts.String(), " (default ", " "+p.text("flags.default")+" ")
			fmt.Fprintf(e.stderr, "\n%s\n%s", p.text("flags.options"), defaults)
		}
	}
	return fs
}

// parseFlags parses flags given before or after the positional arguments,
// as users type them in either order.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, exitError(2)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func isTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
