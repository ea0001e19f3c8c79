package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
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
	r, err := deploy.New(plans, orchestrator.Options{})
	if err != nil {
		return err
	}
	if rtErr != nil {
		return rtErr
	}
	// The host's image is built first when it is a build block's that the
	// engine lacks, showing the build as up does.
	if err := deploy.Reset(ctx, rt, r, *team, *host, deploy.Options{Report: report(e.stdout, false)}); err != nil {
		return err
	}
	spec, _ := r.Desired.Container(orchestrator.Key{Team: *team, Role: orchestrator.RoleHost, Name: *host})
	var addrs []string
	for _, a := range spec.Networks {
		addrs = append(addrs, a.Address.String())
	}
	fmt.Fprintf(e.stdout, "Reset host %s of team %s: %s recreated from %s at %s.\n",
		*host, *team, spec.Name, spec.Image, strings.Join(addrs, ", "))
	return nil
}
