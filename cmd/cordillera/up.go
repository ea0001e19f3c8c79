package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/scenarios"
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
	_, ex, plans, err := loadPlansWith(e, "up", rf, pos, false, choosePool(ctx, pools, e.stdout))
	if err != nil {
		return err
	}
	d, err := orchestrator.NewDesired(plans, orchestrator.Options{ScorebotImage: *scorebot})
	if err != nil {
		return err
	}
	if rtErr != nil {
		return rtErr
	}

	if *dryRun {
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

	fmt.Fprintf(e.stdout, "Deploying exercise %s: %s on %s\n", ex.Name, plural(len(plans), "team"), rt.Host())
	// Every missing image is said before minutes go into building one.
	if err := orchestrator.CheckImages(ctx, rt, d); err != nil {
		return err
	}
	if err := build(ctx, e, rt, d.Builds); err != nil {
		return err
	}
	return deployReady(ctx, e, rt, d, plans, *wait, func(out io.Writer, plan orchestrator.Plan) error {
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
	})
}

// deployReady deploys the exercise, showing its progress, and, unless wait
// is 0, waits for every service's check to pass from each team's
// scorebot's agent: a team's checks start as soon as its containers run,
// while other teams are still being created, and then go on for up to
// wait more. between, if not nil, is called once the deploy is done.
func deployReady(ctx context.Context, e *env, rt orchestrator.Runtime, d *orchestrator.Desired, plans []*scenarios.TeamPlan,
	wait time.Duration, between func(io.Writer, orchestrator.Plan) error) error {
	agents := agent.NewPool(rt, agent.PoolOptions{PutFirst: true})
	defer agents.Close()
	out := &lockedWriter{w: e.stdout}
	var ready *orchestrator.Readiness
	var watch orchestrator.TeamWatcher
	if wait > 0 {
		ready = orchestrator.NewReadiness(ctx, rt, plans, agents.Check, func(r orchestrator.CheckResult) {
			fmt.Fprintf(out, "  ready  %-12s %s/%s (%s)\n", r.Team, r.Host, r.Service, r.Detail)
		})
		watch = ready
		defer ready.Stop()
	}
	start := time.Now()
	plan, err := orchestrator.UpTeams(ctx, rt, d, progress(out, true), watch)
	if err != nil {
		return err
	}
	if between != nil {
		if err := between(out, plan); err != nil {
			return err
		}
	}
	if ready == nil {
		return nil
	}
	fmt.Fprintf(out, "\nWaiting up to %s more for every service's check to pass, from each team's scorebot:\n", wait)
	failing, err := ready.Wait(wait)
	if err != nil {
		for _, f := range failing {
			fmt.Fprintf(out, "  NOT READY %s\n", f)
		}
		return err
	}
	fmt.Fprintf(out, "Every check passes, %s after the deploy began.\n", time.Since(start).Round(time.Second))
	return nil
}

// lockedWriter lets the deploy's progress and the readiness checks, which
// run side by side, print whole lines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// build builds the images of the scenario's build blocks that the engine
// lacks, showing the builds' progress, and says how long it took.
func build(ctx context.Context, e *env, rt orchestrator.Runtime, builds []orchestrator.BuildSpec) error {
	start := time.Now()
	built, err := orchestrator.Build(ctx, rt, builds, func(line string) { fmt.Fprintln(e.stdout, line) })
	if err != nil || len(built) == 0 {
		return err
	}
	fmt.Fprintf(e.stdout, "Built %s of the scenario's build blocks in %s.\n", plural(len(built), "image"), time.Since(start).Round(100*time.Millisecond))
	return nil
}
