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

const controlUsage = `ACTION is one of:
  status                      the clock, attacks waiting for approval, the last events
  pause [REASON]              stop the clock
  resume                      start it again
  end [REASON]                end the exercise
  speed FACTOR                change the speed factor
  halt [REASON]               the kill switch: stop every running attack, start none
  release                     let attacks start again
  approval on|off             make every attack wait for approval, or not
  approve ID                  let an attack waiting for approval run
  skip ID [REASON]            an attack waiting for approval does not run
  skip TEAM ATTACK [REASON]   a timeline attack not due yet does not run
  fire TEAM ATTACK [--again]  run an attack against a team now; one that already ran
                              against the team is fired again (and scored again) only
                              with --again
  deliver TEAM INJECT         deliver an inject now`

func runControl(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "control", "--exercise FILE [--db FILE] [--as NAME] ACTION [ARGS...]",
		"An instructor's hands on a running exercise. The engine (cordillera run) reads what is\n"+
			"written here from the database within a second; each action is logged with its author.\n\n"+controlUsage)
	rf := addRangeFlags(fs)
	db := fs.String("db", defaultDB(), "SQLite database `file` (default $CORDILLERA_DB or cordillera.db)")
	author := fs.String("as", os.Getenv("USER"), "the instructor's `name`, logged with the action")
	again := fs.Bool("again", false, "fire: fire an attack that already ran against the team again; the team is scored again")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *rf.exercise == "" || len(pos) == 0 {
		return usageError{"control needs --exercise FILE and an action\n\n" + controlUsage}
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
		return fmt.Errorf("no database at %s: start the exercise with cordillera run first, or name the file with --db", *db)
	}
	store, err := scoreboard.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Exercise(ctx, name); err != nil {
		return fmt.Errorf("exercise %s is not in %s: start it with cordillera run first", name, *db)
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
		fmt.Fprintf(e.stdout, "Done: %s.\n", strings.Join(pos, " "))
	}
	return nil
}

// controlAct does one control action on the exercise's engine.
func controlAct(ctx context.Context, e *env, eng *engine.Engine, action string, rest []string, author string, again bool) error {
	reason := func(from int) string { return strings.Join(rest[min(from, len(rest)):], " ") }
	need := func(n int, what string) error {
		if len(rest) < n {
			return usageError{fmt.Sprintf("%s needs %s", action, what)}
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
		if err = need(1, "a FACTOR"); err == nil {
			var f float64
			if f, err = strconv.ParseFloat(rest[0], 64); err != nil || f <= 0 {
				return usageError{fmt.Sprintf("speed %q: want a number more than 0", rest[0])}
			}
			err = eng.SetSpeed(ctx, author, f)
		}
	case "halt":
		err = eng.Halt(ctx, author, reason(0))
	case "release":
		err = eng.Unhalt(ctx, author)
	case "approval":
		if err = need(1, "on or off"); err == nil {
			if rest[0] != "on" && rest[0] != "off" {
				return usageError{"approval takes on or off"}
			}
			err = eng.RequireApproval(ctx, author, rest[0] == "on")
		}
	case "approve":
		if err = need(1, "the ID of an attack waiting for approval (see status)"); err == nil {
			var id int64
			if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil {
				return usageError{fmt.Sprintf("approve %q: want the number status shows", rest[0])}
			}
			err = eng.Approve(ctx, id, author)
		}
	case "skip":
		if err = need(1, "an ID, or TEAM ATTACK"); err == nil {
			if id, perr := strconv.ParseInt(rest[0], 10, 64); perr == nil {
				err = eng.Skip(ctx, id, "", "", author, reason(1))
			} else if err = need(2, "TEAM ATTACK"); err == nil {
				err = eng.Skip(ctx, 0, rest[0], rest[1], author, reason(2))
			}
		}
	case "fire":
		if err = need(2, "TEAM ATTACK"); err == nil {
			err = controlFire(ctx, e, eng, rest[0], rest[1], author, again)
		}
	case "deliver":
		if err = need(2, "TEAM INJECT"); err == nil {
			err = eng.Deliver(ctx, rest[0], rest[1], author)
		}
	default:
		return usageError{fmt.Sprintf("unknown action %q\n\n%s", action, controlUsage)}
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
	f, err := fire(ctx, team, attack, author)
	var ar *scoreboard.AlreadyRanError
	switch {
	case errors.As(err, &ar):
		return fmt.Errorf("attack %s has already run against team %s (%d×), and firing it again scores the team again: "+
			"nothing was fired; add --again to fire it again", attack, team, ar.Runs)
	case err == nil && f.Before > 0:
		fmt.Fprintf(e.stdout, "Attack %s against team %s is queued again (re-fire; it had run %d×) as run %d; the engine starts it within a second.\n", attack, team, f.Before, f.ID)
	case err == nil:
		fmt.Fprintf(e.stdout, "Attack %s against team %s is queued as run %d; the engine starts it within a second.\n", attack, team, f.ID)
	}
	return err
}

// controlStatus shows the clock, the attacks that wait for approval, and
// the last events.
func controlStatus(ctx context.Context, e *env, store *scoreboard.Store, exercise string) error {
	c, err := store.Clock(ctx, exercise)
	if err != nil {
		return err
	}
	state := c.State
	if c.Halted {
		state += ", KILL SWITCH ON"
	}
	if c.Approval {
		state += ", attacks wait for approval"
	}
	fmt.Fprintf(e.stdout, "Exercise %s: %s at %s, speed ×%g\n", exercise, state, scenarios.Clock(c.Elapsed(time.Now())), c.Speed)
	xs, err := store.Executions(ctx, exercise)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	waiting := 0
	for _, x := range xs {
		if x.State == scoreboard.ExecApproval || x.State == scoreboard.ExecApproved || x.State == scoreboard.ExecRunning {
			if waiting == 0 {
				fmt.Fprintln(tw, "\nID\tTEAM\tATTACK\tSTATE\tDUE")
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
		fmt.Fprintln(e.stdout, "\nLast events")
		for _, ev := range events {
			fmt.Fprintln(e.stdout, "  "+eventLine(ev))
		}
	}
	return nil
}
