package main

import (
	"context"

	"github.com/cordillera-range/cordillera/orchestrator"
)

func runDown(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "down", p.text("down.args"), p.text("down.about"))
	exercise := fs.String("exercise", "", p.text("flag.down.exercise"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := exerciseName(e, *exercise, pos)
	if err != nil {
		return err
	}
	if name == "" {
		return p.usagef("down.noname")
	}
	rt, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	plan, err := orchestrator.Down(ctx, rt, name, progress(e.stdout, p, false))
	if err != nil {
		return err
	}
	if plan.Empty() {
		p.line(e.stdout, "down.nothing", name, rt.Host())
		return nil
	}
	containers, networks := counts(plan, orchestrator.RemoveContainer, orchestrator.RemoveNetwork)
	p.line(e.stdout, "down.removed", p.count("container", containers), p.count("network", networks), name)
	return nil
}
