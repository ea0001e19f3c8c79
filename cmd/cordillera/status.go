package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "status", p.text("status.args"), p.text("status.about"))
	exercise := fs.String("exercise", "", p.text("flag.status.exercise"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := exerciseName(e, *exercise, pos)
	if err != nil {
		return err
	}
	rt, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()

	if name != "" {
		o, err := orchestrator.Observe(ctx, rt, name)
		if errors.Is(err, orchestrator.ErrNodeDown) {
			// What the nodes that answer hold, then which teams are not
			// seen.
			writeObserved(e.stdout, p, o)
			return err
		}
		if err != nil {
			return err
		}
		if len(o.Containers)+len(o.Networks) == 0 {
			p.line(e.stdout, "status.nothing", name, rt.Host())
			return nil
		}
		writeObserved(e.stdout, p, o)
		return nil
	}

	return statusAll(ctx, e, rt)
}

// statusAll lists every exercise on the engine: everything it holds, kept
// by the exercise label.
func statusAll(ctx context.Context, e *env, rt docker.Engine) error {
	p := e.p()
	networks, err := rt.ListNetworks(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", p.text("status.listnetworks"), err)
	}
	containers, err := rt.ListContainers(ctx, nil)
	down := err
	if err != nil && !errors.Is(err, orchestrator.ErrNodeDown) {
		return fmt.Errorf("%s: %w", p.text("status.listcontainers"), err)
	}
	byExercise := map[string]*orchestrator.Observed{}
	observed := func(labels map[string]string) *orchestrator.Observed {
		ex, ok := labels[orchestrator.LabelExercise]
		if !ok {
			return nil
		}
		if byExercise[ex] == nil {
			byExercise[ex] = &orchestrator.Observed{Exercise: ex}
		}
		return byExercise[ex]
	}
	for _, n := range networks {
		if o := observed(n.Labels); o != nil {
			o.Networks = append(o.Networks, n)
		}
	}
	for _, c := range containers {
		if o := observed(c.Labels); o != nil {
			o.Containers = append(o.Containers, c)
		}
	}
	if len(byExercise) == 0 {
		p.line(e.stdout, "status.none", rt.Host())
		return nil
	}
	for i, ex := range slices.Sorted(maps.Keys(byExercise)) {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		writeObserved(e.stdout, p, byExercise[ex])
	}
	return down
}
