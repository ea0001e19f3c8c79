package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

func runUp(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "up", p.text("up.args"), p.text("up.about"))
	rf := addRangeFlags(fs)
	dryRun := fs.Bool("dry-run", false, p.text("flag.up.dryrun"))
	scorebot := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, p.text("flag.scorebot"))
	wait := fs.Duration("wait", 3*time.Minute, p.text("flag.up.wait"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	// The engine is reached first, for the exercise's address pool; the
	// scenario's mistakes are still said before the engine's error.
	rt, rtErr := connect(ctx, e)
	var pools orchestrator.Runtime
	if rtErr == nil {
		defer rt.Close()
		pools = rt
	}
	_, _, plans, err := loadPlansWith(e, "up", rf, pos, false, choosePool(ctx, pools, e.stdout, p))
	if err != nil {
		return err
	}
	r, err := deploy.New(plans, orchestrator.Options{ScorebotImage: *scorebot})
	if err != nil {
		return err
	}
	if rtErr != nil {
		return rtErr
	}
	if *dryRun {
		return upDryRun(ctx, e, rt, r.Desired)
	}
	return deployRange(ctx, e, rt, r, *wait, func(plan orchestrator.Plan) error { return sayApplied(ctx, e.stdout, p, rt, r.Desired, plan) })
}

// upDryRun prints what up would do, and does nothing.
func upDryRun(ctx context.Context, e *env, rt orchestrator.Runtime, d *orchestrator.Desired) error {
	o, err := orchestrator.Observe(ctx, rt, d.Exercise)
	if err != nil {
		return err
	}
	builds, err := orchestrator.PendingBuilds(ctx, rt, d.Builds)
	if err != nil {
		return err
	}
	p := e.p()
	plan := orchestrator.Reconcile(d, o)
	if plan.Empty() && len(builds) == 0 {
		p.line(e.stdout, "up.dry.nothing", d.Exercise)
	} else {
		p.line(e.stdout, "up.dry.would", d.Exercise)
		for _, b := range builds {
			p.line(e.stdout, "up.dry.build", b.Tag, p.text("role."+string(b.Role)), b.Name, b.Dir)
		}
		for _, a := range plan.Actions {
			fmt.Fprintln(e.stdout, actionLine(p, a, true, false))
		}
	}
	// A missing image would stop the real up before it did anything.
	return orchestrator.CheckImages(ctx, rt, d)
}

// sayApplied says what up did, and lists what runs now.
func sayApplied(ctx context.Context, out io.Writer, p *printer, rt orchestrator.Runtime, d *orchestrator.Desired, plan orchestrator.Plan) error {
	if plan.Empty() {
		p.line(out, "up.nothing", d.Exercise)
	} else {
		containers, networks := counts(plan, orchestrator.CreateContainer, orchestrator.CreateNetwork)
		removed, _ := counts(plan, orchestrator.RemoveContainer, orchestrator.RemoveNetwork)
		if removed > 0 {
			p.line(out, "up.created.replacing", p.count("container", containers), p.count("network", networks), p.count("outdated", removed))
		} else {
			p.line(out, "up.created", p.count("container", containers), p.count("network", networks))
		}
	}
	o, err := orchestrator.Observe(ctx, rt, d.Exercise)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	writeObserved(out, p, o)
	return nil
}

// deployRange deploys the exercise's range, as up and run do (see
// deploy.Deploy), and says how it goes: the images built, each action,
// and, unless wait is 0, each check as it passes, while other teams are
// still being created, for up to wait more once every range runs.
// applied, if not nil, is called once every range runs, before the wait.
func deployRange(ctx context.Context, e *env, rt docker.Engine, r *deploy.Range, wait time.Duration, applied func(orchestrator.Plan) error) error {
	p := e.p()
	p.line(e.stdout, "up.deploying", r.Exercise(), p.count("team", len(r.Plans)), rt.Host())
	_, err := deploy.Deploy(ctx, rt, r, deploy.Options{Wait: wait, Report: report(e.stdout, p, false), Applied: applied})
	return err
}

// report prints the steps of a deploy, or of a move, as they go: the
// builds' lines, one line per action (see progress), each check as it
// passes and those still failing when the time ran out.
func report(w io.Writer, p *printer, move bool) func(deploy.Event) {
	actions := progress(w, p, true)
	return func(ev deploy.Event) {
		switch ev.Step {
		case deploy.StepBuild:
			fmt.Fprintln(w, ev.Line)
		case deploy.StepBuilt:
			sayBuilt(w, p, ev.Built, ev.Took)
		case deploy.StepAction:
			actions(ev.Action)
		case deploy.StepWait:
			if move {
				p.line(w, "deploy.wait.move", ev.Wait.String())
			} else {
				fmt.Fprintln(w)
				p.line(w, "deploy.wait", ev.Wait.String())
			}
		case deploy.StepReady:
			fmt.Fprintf(w, "  %s  %-12s %s/%s (%s)\n", p.text("deploy.ready"), ev.Check.Team, ev.Check.Host, ev.Check.Service, ev.Check.Detail)
		case deploy.StepNotReady:
			fmt.Fprintf(w, "  %s\n", p.text("deploy.notready", ev.Check.Team, ev.Check.Host, ev.Check.Service, ev.Check.Detail))
		case deploy.StepAllReady:
			if !move {
				p.line(w, "deploy.allready", ev.Took.Round(time.Second).String())
			}
		}
	}
}

// sayBuilt says how many images of the scenario's build blocks were built,
// if any, and how long it took.
func sayBuilt(w io.Writer, p *printer, built []string, took time.Duration) {
	if len(built) > 0 {
		p.line(w, "deploy.built", len(built), took.Round(100*time.Millisecond).String())
	}
}
