package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
)

func runReset(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reset", "[--exercise FILE | --teams N SCENARIO] --team T --host H [--seed S]",
		"Recreates one team's host from its image, with the same addresses and secrets, discarding\n"+
			"whatever was changed in it. The seed must be the one the exercise was deployed with.")
	rf := addRangeFlags(fs)
	team := fs.String("team", "", "`id` of the team whose host to reset")
	host := fs.String("host", "", "`name` of the host in the scenario")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *team == "" || *host == "" {
		return usageError{"name the host to reset with --team and --host"}
	}
	// The host's addresses come from the pool its exercise's networks
	// were made from, which their labels on the engine say.
	rt, rtErr := connect(ctx, e)
	var pools orchestrator.Runtime
	if rtErr == nil {
		defer rt.Close()
		pools = rt
	}
	_, _, plans, err := loadPlansWith(e, "reset", rf, pos, false, choosePool(ctx, pools, nil))
	if err != nil {
		return err
	}
	// The scorebot's image does not matter here: only a host is reset.
	d, err := orchestrator.NewDesired(plans, orchestrator.Options{})
	if err != nil {
		return err
	}
	if rtErr != nil {
		return rtErr
	}
	spec, _ := d.Container(orchestrator.Key{Team: *team, Role: orchestrator.RoleHost, Name: *host})
	if b, ok := d.BuildOf(spec.Image); ok {
		if err := build(ctx, e, rt, []orchestrator.BuildSpec{b}); err != nil {
			return err
		}
	}
	if err := orchestrator.Reset(ctx, rt, d, *team, *host); err != nil {
		return err
	}
	var addrs []string
	for _, a := range spec.Networks {
		addrs = append(addrs, a.Address.String())
	}
	fmt.Fprintf(e.stdout, "Reset host %s of team %s: %s recreated from %s at %s.\n",
		*host, *team, spec.Name, spec.Image, strings.Join(addrs, ", "))
	return nil
}

// build builds the images of the scenario's build blocks that the engine
// lacks, showing the builds' progress, and says how long it took.
func build(ctx context.Context, e *env, rt orchestrator.Runtime, builds []orchestrator.BuildSpec) error {
	start := time.Now()
	built, err := orchestrator.Build(ctx, rt, builds, func(line string) { fmt.Fprintln(e.stdout, line) })
	if err != nil {
		return err
	}
	sayBuilt(e.stdout, built, time.Since(start))
	return nil
}
