package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

func runShell(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "shell", p.text("shell.args"), p.text("shell.about"))
	rf := addRangeFlags(fs)
	team := fs.String("team", "", p.text("flag.shell.team"))
	host := fs.String("host", "", p.text("flag.shell.host"))
	// What follows -- is the command, flags and all, so it is not parsed.
	var cmd []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, cmd = args[:i], args[i+1:]
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *team == "" || *host == "" {
		return p.usagef("shell.nohost")
	}
	if *rf.exercise != "" && len(pos) > 0 {
		return p.usagef("shell.after", pos[0], strings.Join(pos, " "))
	}
	// The plans tell which teams and hosts there are and which shell a host
	// has; no secret is needed, so neither is the seed. The scenario's
	// warnings are for its author, not worth repeating before every command
	// run on a host; its errors are shown.
	var diags strings.Builder
	quiet := *e
	quiet.stderr = &diags
	_, ex, plans, err := loadPlans(&quiet, "shell", rf, pos, true)
	if err != nil {
		io.WriteString(e.stderr, diags.String())
		return err
	}
	target, err := findTarget(p, ex.Name, plans, *team, *host)
	if err != nil {
		return err
	}
	if len(cmd) == 0 {
		cmd = []string{target.shell}
	}

	rt, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	id, err := deployedContainer(ctx, p, rt, ex.Name, target, upHint(rf, pos))
	if err != nil {
		return err
	}

	var code int
	if in, out, ok := terminals(e); ok {
		code, err = interactive(ctx, p, rt, id, cmd, in, out)
	} else {
		code, err = rt.ExecStream(ctx, id, cmd, e.stdin, e.stdout, e.stderr)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return exitError(code)
	}
	return nil
}

// shellTarget is the host or attacker a shell is opened on.
type shellTarget struct {
	team  string
	role  orchestrator.Role
	name  string
	shell string
}

// findTarget finds the team's host or attacker in the plans; its error
// lists what there is, since that is what the user needs to try again.
func findTarget(p *printer, exercise string, plans []*scenarios.TeamPlan, team, host string) (shellTarget, error) {
	var teams []string
	var plan *scenarios.TeamPlan
	for _, p := range plans {
		teams = append(teams, p.Team.ID)
		if p.Team.ID == team {
			plan = p
		}
	}
	if plan == nil {
		return shellTarget{}, p.errorf("shell.noteam", exercise, team, didYouMean(p, team, teams), strings.Join(teams, ", "))
	}
	var names, listed []string
	for _, h := range plan.Hosts {
		if h.Name == host {
			return shellTarget{team: team, role: orchestrator.RoleHost, name: host, shell: cmp.Or(h.Shell, "/bin/sh")}, nil
		}
		names = append(names, h.Name)
		listed = append(listed, h.Name)
	}
	for _, a := range plan.Attackers {
		if a.Name == host {
			return shellTarget{team: team, role: orchestrator.RoleAttacker, name: host, shell: "/bin/sh"}, nil
		}
		names = append(names, a.Name)
		listed = append(listed, p.text("shell.attacker", a.Name))
	}
	return shellTarget{}, p.errorf("shell.nohostin", team, host, didYouMean(p, host, names), strings.Join(listed, ", "))
}

func didYouMean(p *printer, s string, candidates []string) string {
	if c := scenarios.Suggest(s, candidates); c != "" {
		return " " + p.text("shell.didyoumean", c)
	}
	return ""
}

// upHint is the up command that deploys what the range flags name.
func upHint(f rangeFlags, pos []string) string {
	switch {
	case *f.exercise != "":
		return "cordillera up --exercise " + *f.exercise
	case len(pos) == 1:
		return fmt.Sprintf("cordillera up --teams %d --seed SEED %s", *f.teams, pos[0])
	}
	return "cordillera up"
}

// deployedContainer finds the target's running container by its labels.
func deployedContainer(ctx context.Context, p *printer, rt orchestrator.Runtime, exercise string, t shellTarget, up string) (string, error) {
	list, err := rt.ListContainers(ctx, map[string]string{
		orchestrator.LabelExercise: exercise, orchestrator.LabelTeam: t.team,
		orchestrator.LabelRole: string(t.role), orchestrator.LabelName: t.name,
	})
	if err != nil {
		return "", err
	}
	what := p.text("shell.what", p.text("role."+string(t.role)), t.name, t.team)
	if len(list) == 0 {
		return "", p.errorf("shell.notdeployed", what, up)
	}
	for _, c := range list {
		if c.Running {
			return c.ID, nil
		}
	}
	return "", p.errorf("shell.notrunning", what, list[0].State, up)
}

// terminals returns standard input and output when both are terminals: a
// session gets a terminal only then, so that output sent to a file or a
// pipe is not a terminal's (no carriage returns, no prompts for colors).
func terminals(e *env) (in, out *os.File, ok bool) {
	in, inOK := e.stdin.(*os.File)
	out, outOK := e.stdout.(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return nil, nil, false
	}
	return in, out, true
}

// interactive runs cmd on a pseudo-terminal the size of the user's, with
// the user's terminal in raw mode so that every key (Ctrl-C, arrows, tab)
// goes to the container. The terminal is restored however the session ends.
func interactive(ctx context.Context, p *printer, t orchestrator.Terminal, id string, cmd []string, in, out *os.File) (int, error) {
	// A closed terminal ends the session, so that the terminal is restored
	// and the command's input closed.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stop()
	fd := int(in.Fd())
	s, err := t.ExecInteractive(ctx, id, cmd, termSize(fd))
	if err != nil {
		return 0, err
	}
	defer s.Close()

	old, err := term.MakeRaw(fd)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.text("shell.raw"), err)
	}
	defer term.Restore(fd, old)

	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-winch:
				if size := termSize(fd); size != (orchestrator.TermSize{}) {
					// A failed resize leaves the old size: not worth ending
					// the session for.
					_ = s.Resize(ctx, size)
				}
			}
		}
	}()

	// Not waited for: a read of the terminal cannot be interrupted, and
	// the process ends soon after the session does.
	go io.Copy(s, in)
	if _, err := io.Copy(out, s); err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("%s: %w", p.text("shell.session"), err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.Wait(ctx)
}

func termSize(fd int) orchestrator.TermSize {
	cols, rows, err := term.GetSize(fd)
	if err != nil || cols <= 0 || rows <= 0 || cols > 0xffff || rows > 0xffff {
		return orchestrator.TermSize{}
	}
	return orchestrator.TermSize{Rows: uint16(rows), Cols: uint16(cols)}
}
