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
	fs := newFlags(e, "up", "[--exercise FILE | --teams N SCENARIO] [--seed S] [--dry-run] [--scorebot-image IMAGE]",
		"Deploys every team's range on the Docker engine: networks, hosts, attackers and scorebot. It\n"+
			"changes only what differs from the plan, so running it again resumes or repairs a deployment.\n"+
			"Images are never pulled: build them first (cordillera images build). The images of hosts and\n"+
			"attackers with a build block are built here, before any container, unless the engine has them.\n\n"+
			"SCENARIO is a scenario folder or the name of a bundled scenario, deployed as exercise \"preview\"\n"+
			"with sample teams. A seed is required, from the exercise or --seed, so that the teams' secrets\n"+
			"stay the same from one up to the next.")
	rf := addRangeFlags(fs)
	dryRun := fs.Bool("dry-run", false, "print what would be done, and do nothing")
	scorebot := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, "`image` every team's scorebot runs")
	wait := fs.Duration("wait", 3*time.Minute, "how long to wait for every service's check to pass; 0 to not wait")
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
	_, _, plans, err := loadPlansWith(e, "up", rf, pos, false, choosePool(ctx, pools, e.stdout))
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
	return deployRange(ctx, e, rt, r, *wait, func(plan orchestrator.Plan) error { return sayApplied(ctx, e.stdout, rt, r.Desired, plan) })
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
	plan := orchestrator.Reconcile(d, o)
	if plan.Empty() && len(builds) == 0 {
		fmt.Fprintf(e.stdout, "Nothing to change: exercise %s runs as planned.\n", d.Exercise)
	} else {
		fmt.Fprintf(e.stdout, "up would, for exercise %s:\n", d.Exercise)
		for _, b := range builds {
			fmt.Fprintf(e.stdout, "build image %s for %s %s, from %s\n", b.Tag, b.Role, b.Name, b.Dir)
		}
		fmt.Fprint(e.stdout, plan)
	}
	// A missing image would stop the real up before it did anything.
	return orchestrator.CheckImages(ctx, rt, d)
}

// sayApplied says what up did, and lists what runs now.
func sayApplied(ctx context.Context, out io.Writer, rt orchestrator.Runtime, d *orchestrator.Desired, plan orchestrator.Plan) error {
	if plan.Empty() {
		fmt.Fprintf(out, "Nothing to change: exercise %s already runs as planned.\n", d.Exercise)
	} else {
		containers, networks := counts(plan, orchestrator.CreateContainer, orchestrator.CreateNetwork)
		removed, _ := counts(plan, orchestrator.RemoveContainer, orchestrator.RemoveNetwork)
		msg := fmt.Sprintf("Created %s and %s", plural(containers, "container"), plural(networks, "network"))
		if removed > 0 {
			msg += fmt.Sprintf(", replacing %s", plural(removed, "outdated or stopped container"))
		}
		fmt.Fprintln(out, msg+".")
	}
	o, err := orchestrator.Observe(ctx, rt, d.Exercise)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	writeObserved(out, o)
	return nil
}

// deployRange deploys the exercise's range, as up and run do (see
// deploy.Deploy), and says how it goes: the images built, each action,
// and, unless wait is 0, each check as it passes, while other teams are
// still being created, for up to wait more once every range runs.
// applied, if not nil, is called once every range runs, before the wait.
func deployRange(ctx context.Context, e *env, rt docker.Engine, r *deploy.Range, wait time.Duration, applied func(orchestrator.Plan) error) error {
	fmt.Fprintf(e.stdout, "Deploying exercise %s: %s on %s\n", r.Exercise(), plural(len(r.Plans), "team"), rt.Host())
	_, err := deploy.Deploy(ctx, rt, r, deploy.Options{Wait: wait, Report: report(e.stdout, false), Applied: applied})
	return err
}

// report prints the steps of a deploy, or of a move, as they go: the
// builds' lines, one line per action (see progress), each check as it
// passes and those still failing when the time ran out.
func report(w io.Writer, move bool) func(deploy.Event) {
	actions := progress(w, true)
	return func(ev deploy.Event) {
		switch ev.Step {
		case deploy.StepBuild:
			fmt.Fprintln(w, ev.Line)
		case deploy.StepBuilt:
			sayBuilt(w, ev.Built, ev.Took)
		case deploy.StepAction:
			actions(ev.Action)
		case deploy.StepWait:
			if move {
				fmt.Fprintf(w, "Waiting up to %s for every service's check to pass, from the team's scorebot:\n", ev.Wait)
			} else {
				fmt.Fprintf(w, "\nWaiting up to %s more for every service's check to pass, from each team's scorebot:\n", ev.Wait)
			}
		case deploy.StepReady:
			fmt.Fprintf(w, "  ready  %-12s %s/%s (%s)\n", ev.Check.Team, ev.Check.Host, ev.Check.Service, ev.Check.Detail)
		case deploy.StepNotReady:
			fmt.Fprintf(w, "  NOT READY %s\n", ev.Check)
		case deploy.StepAllReady:
			if !move {
				fmt.Fprintf(w, "Every check passes, %s after the deploy began.\n", ev.Took.Round(time.Second))
			}
		}
	}
}

// sayBuilt says how many images of the scenario's build blocks were built,
// if any, and how long it took.
func sayBuilt(w io.Writer, built []string, took time.Duration) {
	if len(built) > 0 {
		fmt.Fprintf(w, "Built %s of the scenario's build blocks in %s.\n", plural(len(built), "image"), took.Round(100*time.Millisecond))
	}
}
