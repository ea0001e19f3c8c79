package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
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
	_, ex, plans, err := loadPlans(e, "up", rf, pos, false)
	if err != nil {
		return err
	}
	d, err := orchestrator.NewDesired(plans, orchestrator.Options{ScorebotImage: *scorebot})
	if err != nil {
		return err
	}
	rt, err := connect(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()

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
	plan, err := orchestrator.Up(ctx, rt, d, progress(e.stdout, true))
	if err != nil {
		return err
	}
	if plan.Empty() {
		fmt.Fprintf(e.stdout, "Nothing to change: exercise %s already runs as planned.\n", d.Exercise)
	} else {
		containers, networks := counts(plan, orchestrator.CreateContainer, orchestrator.CreateNetwork)
		removed, _ := counts(plan, orchestrator.RemoveContainer, orchestrator.RemoveNetwork)
		msg := fmt.Sprintf("Created %s and %s", plural(containers, "container"), plural(networks, "network"))
		if removed > 0 {
			msg += fmt.Sprintf(", replacing %s", plural(removed, "outdated or stopped container"))
		}
		fmt.Fprintln(e.stdout, msg+".")
	}
	o, err := orchestrator.Observe(ctx, rt, d.Exercise)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	writeObserved(e.stdout, o)
	if *wait <= 0 {
		return nil
	}
	return waitReady(ctx, e, rt, plans, *wait)
}

// waitReady runs every check from each team's scorebot until all pass, and
// says which are not ready, and why, when the time runs out.
func waitReady(ctx context.Context, e *env, rt orchestrator.Runtime, plans []*scenarios.TeamPlan, wait time.Duration) error {
	fmt.Fprintf(e.stdout, "\nWaiting up to %s for every service's check to pass, from each team's scorebot:\n", wait)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	failing, err := orchestrator.WaitReady(ctx, rt, plans, func(r orchestrator.CheckResult) {
		fmt.Fprintf(e.stdout, "  ready  %-12s %s/%s (%s)\n", r.Team, r.Host, r.Service, r.Detail)
	})
	if err != nil {
		for _, f := range failing {
			fmt.Fprintf(e.stdout, "  NOT READY %s\n", f)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Every check passes, after %s.\n", time.Since(start).Round(time.Second))
	return nil
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
