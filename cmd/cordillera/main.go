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
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]command{
	"validate": {"check scenario and exercise files; every mistake at once", runValidate},
	"plan":     {"show what each team gets: networks, containers, timeline", runPlan},
	"fmt":      {"rewrite scenario files in canonical format", runFmt},
	"export":   {"write standings, ledger, statistics or STIX of an exercise", runExport},
	"up":       {"deploy every team's range on the Docker engine", runUp},
	"down":     {"remove everything an exercise deployed", runDown},
	"status":   {"list deployed exercises: containers, state, addresses", runStatus},
	"reset":    {"recreate a team's host from its image", runReset},
	"nodes":    {"list the swarm's nodes: state, load, teams", runNodes},
	"move":     {"move a team to another node of the swarm, with its addresses", runMove},
	"images":   {"build the Debian base image with no registry (images bootstrap)", runImages},
	"control":  {"an instructor's hands on a running exercise: pause, kill switch, fire, approve...", runControl},
	"run":      {"run a whole exercise headless: deploy, clock, rounds, attacks, injects", runRun},
	"shell":    {"open a shell on a team's host, or run a command there", runShell},
	"serve":    {"serve the web interface: scoreboard, team pages, statistics, API", runServe},
}

// env is what a command reads and writes, so tests can run commands
// in-process.
type env struct {
	// stdin is nil when a command gets no input.
	stdin          io.Reader
	stdout, stderr io.Writer
	color          bool
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
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, color: isTerminal(os.Stderr)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(e.stdout, "cordillera", probe.BuildVersion())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "cordillera: unknown command %q\n\n", args[0])
		usage(e.stderr)
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

func usage(w io.Writer) {
	fmt.Fprintln(w, "Cordillera runs cyber-defense exercises in isolated container ranges.")
	fmt.Fprintln(w, "\nUsage: cordillera COMMAND [options]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'cordillera COMMAND -h' for a command's options.")
}

// newFlags returns a flag set that reports errors instead of exiting, with a
// usage line for the command.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cordillera %s %s\n\n%s\n", name, args, about)
		var opts strings.Builder
		fs.SetOutput(&opts)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
		if opts.Len() > 0 {
			fmt.Fprintf(e.stderr, "\nOptions:\n%s", opts.String())
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
