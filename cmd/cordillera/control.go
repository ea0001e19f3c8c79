package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func runControl(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "control", p.text("control.args"), p.text("control.about")+"\n\n"+p.text("control.actions"))
	rf := addRangeFlags(fs)
	db := fs.String("db", defaultDB(), p.text("flag.db"))
	author := fs.String("as", os.Getenv("USER"), p.text("flag.control.as"))
	again := fs.Bool("again", false, p.text("flag.control.again"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *rf.exercise == "" || len(pos) == 0 {
		return p.usagef("control.noaction", p.text("control.actions"))
	}
	if *author == "" {
		*author = "instructor"
	}
	action, rest := pos[0], pos[1:]
	name, err := exerciseName(e, *rf.exercise, nil)
	if err != nil {
		return err
	}
	if _, err := os.Stat(*db); err != nil {
		return p.errorf("control.nodb", *db)
	}
	store, err := scoreboard.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Exercise(ctx, name); err != nil {
		return p.errorf("control.noexercise", name, *db)
	}
	// Fired attacks and delivered injects are those of the scenario the
	// exercise was made from, whatever the folder holds now, or whether it
	// is there at all.
	sc, ex, plans, err := exercisePlans(ctx, e, "control", rf, nil, store)
	if err != nil {
		return err
	}
	// Controls need no container engine: the running engine acts on them.
	eng, err := engine.New(store, nil, sc, ex, plans, engine.Options{})
	if err != nil {
		return err
	}
	if action == "status" {
		return controlStatus(ctx, e, store, ex.Name)
	}
	if err := controlAct(ctx, e, eng, action, rest, *author, *again); err != nil {
		return err
	}
	if action != "fire" {
		p.line(e.stdout, "control.done", strings.Join(pos, " "))
	}
	return nil
}

// controlAct does one control action on the exercise's engine.
func controlAct(ctx context.Context, e *env, eng *engine.Engine, action string, rest []string, author string, again bool) error {
	p := e.p()
	reason := func(from int) string { return strings.Join(rest[min(from, len(rest)):], " ") }
	need := func(n int, what string) error {
		if len(rest) < n {
			return p.usagef("control.needs", action, p.text(what))
		}
		return nil
	}
	var err error
	switch action {
	case "pause":
		err = eng.Pause(ctx, author, reason(0))
	case "resume":
		err = eng.Resume(ctx, author)
	case "end":
		err = eng.End(ctx, author, reason(0))
	case "speed":
		if err = need(1, "control.need.factor"); err == nil {
			var f float64
			if f, err = strconv.ParseFloat(rest[0], 64); err != nil || f <= 0 {
				return p.usagef("control.badspeed", rest[0])
			}
			err = eng.SetSpeed(ctx, author, f)
		}
	case "halt":
		err = eng.Halt(ctx, author, reason(0))
	case "release":
		err = eng.Unhalt(ctx, author)
	case "approval":
		if err = need(1, "control.need.onoff"); err == nil {
			if rest[0] != "on" && rest[0] != "off" {
				return p.usagef("control.badapproval")
			}
			err = eng.RequireApproval(ctx, author, rest[0] == "on")
		}
	case "approve":
		if err = need(1, "control.need.id"); err == nil {
			var id int64
			if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil {
				return p.usagef("control.badid", rest[0])
			}
			err = eng.Approve(ctx, id, author)
		}
	case "skip":
		if err = need(1, "control.need.idorattack"); err == nil {
			if id, perr := strconv.ParseInt(rest[0], 10, 64); perr == nil {
				err = eng.Skip(ctx, id, "", "", author, reason(1))
			} else if err = need(2, "control.need.attack"); err == nil {
				err = eng.Skip(ctx, 0, rest[0], rest[1], author, reason(2))
			}
		}
	case "fire":
		if err = need(2, "control.need.attack"); err == nil {
			err = controlFire(ctx, e, eng, rest[0], rest[1], author, again)
		}
	case "deliver":
		if err = need(2, "control.need.inject"); err == nil {
			err = eng.Deliver(ctx, rest[0], rest[1], author)
		}
	default:
		return p.usagef("control.unknown", action, p.text("control.actions"))
	}
	return err
}

// controlFire queues an attack against a team; one that already ran is
// fired again only with --again, as it scores the team again.
func controlFire(ctx context.Context, e *env, eng *engine.Engine, team, attack, author string, again bool) error {
	fire := eng.Fire
	if again {
		fire = eng.Refire
	}
	p := e.p()
	f, err := fire(ctx, team, attack, author)
	var ar *scoreboard.AlreadyRanError
	switch {
	case errors.As(err, &ar):
		return p.errorf("control.alreadyran", attack, team, ar.Runs)
	case err == nil && f.Before > 0:
		p.line(e.stdout, "control.refired", attack, team, f.Before, strconv.FormatInt(f.ID, 10))
	case err == nil:
		p.line(e.stdout, "control.fired", attack, team, strconv.FormatInt(f.ID, 10))
	}
	return err
}

// controlStatus shows the clock, the attacks that wait for approval, and
// the last events.
func controlStatus(ctx context.Context, e *env, store *scoreboard.Store, exercise string) error {
	p := e.p()
	c, err := store.Clock(ctx, exercise)
	if err != nil {
		return err
	}
	p.line(e.stdout, "control.status", exercise, clockState(p, c), scenarios.Clock(c.Elapsed(time.Now())), strconv.FormatFloat(c.Speed, 'g', -1, 64))
	xs, err := store.Executions(ctx, exercise)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	waiting := 0
	for _, x := range xs {
		if x.State == scoreboard.ExecApproval || x.State == scoreboard.ExecApproved || x.State == scoreboard.ExecRunning {
			if waiting == 0 {
				fmt.Fprintln(tw, "\n"+p.text("control.header"))
			}
			waiting++
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", x.ID, x.Team, x.Attack, x.State, scenarios.Clock(x.Due))
		}
	}
	tw.Flush()
	events, err := store.LastEvents(ctx, exercise, 10)
	if err != nil {
		return err
	}
	if len(events) > 0 {
		fmt.Fprintln(e.stdout, "\n"+p.text("run.lastevents"))
		for _, ev := range events {
			fmt.Fprintln(e.stdout, "  "+eventLine(ev))
		}
	}
	return nil
}
