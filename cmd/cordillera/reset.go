package main

import (
	"context"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
)

func runReset(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "reset", p.text("reset.args"), p.text("reset.about"))
	rf := addRangeFlags(fs)
	team := fs.String("team", "", p.text("flag.reset.team"))
	host := fs.String("host", "", p.text("flag.reset.host"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *team == "" || *host == "" {
		return p.usagef("reset.nohost")
	}
	// The host's addresses come from the pool its exercise's networks
	// were made from, which their labels on the engine say.
	rt, rtErr := connect(ctx, e)
	var pools orchestrator.Runtime
	if rtErr == nil {
		defer rt.Close()
		pools = rt
	}
	_, _, plans, err := loadPlansWith(e, "reset", rf, pos, false, choosePool(ctx, pools, nil, p))
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
	if err := deploy.Reset(ctx, rt, r, *team, *host, deploy.Options{Report: report(e.stdout, p, false)}); err != nil {
		return err
	}
	spec, _ := r.Desired.Container(orchestrator.Key{Team: *team, Role: orchestrator.RoleHost, Name: *host})
	var addrs []string
	for _, a := range spec.Networks {
		addrs = append(addrs, a.Address.String())
	}
	p.line(e.stdout, "reset.done", *host, *team, spec.Name, spec.Image, strings.Join(addrs, ", "))
	return nil
}
