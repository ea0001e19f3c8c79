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
	fs := newFlags(e, "status", "[NAME | --exercise FILE]",
		"Lists what is deployed on the Docker engine, by label: for each exercise, or only the one\n"+
			"named, every team's containers with their role, state and addresses.")
	exercise := fs.String("exercise", "", "exercise `file` whose exercise to list")
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
			writeObserved(e.stdout, o)
			return err
		}
		if err != nil {
			return err
		}
		if len(o.Containers)+len(o.Networks) == 0 {
			fmt.Fprintf(e.stdout, "Nothing of exercise %s is on %s.\n", name, rt.Host())
			return nil
		}
		writeObserved(e.stdout, o)
		return nil
	}

	return statusAll(ctx, e, rt)
}

// statusAll lists every exercise on the engine: everything it holds, kept
// by the exercise label.
func statusAll(ctx context.Context, e *env, rt docker.Engine) error {
	networks, err := rt.ListNetworks(ctx, nil)
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	containers, err := rt.ListContainers(ctx, nil)
	down := err
	if err != nil && !errors.Is(err, orchestrator.ErrNodeDown) {
		return fmt.Errorf("list containers: %w", err)
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
		fmt.Fprintf(e.stdout, "No exercise is deployed on %s.\n", rt.Host())
		return nil
	}
	for i, ex := range slices.Sorted(maps.Keys(byExercise)) {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		writeObserved(e.stdout, byExercise[ex])
	}
	return down
}
