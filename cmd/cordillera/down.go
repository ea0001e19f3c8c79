package main

import (
	"context"
	"fmt"

	"github.com/cordillera-range/cordillera/orchestrator"
)

func runDown(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "down", "NAME | --exercise FILE",
		"Removes every container and network labelled with the exercise, and nothing else, whatever\n"+
			"scenario they were deployed from. NAME is the exercise's name; with --exercise, it is read\n"+
			"from the file, and the scenario is not needed.")
	exercise := fs.String("exercise", "", "exercise `file` whose exercise to remove")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := exerciseName(e, *exercise, pos)
	if err != nil {
		return err
	}
	if name == "" {
		return usageError{"name the exercise to remove, or give --exercise FILE"}
	}
	rt, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	plan, err := orchestrator.Down(ctx, rt, name, progress(e.stdout, false))
	if err != nil {
		return err
	}
	if plan.Empty() {
		fmt.Fprintf(e.stdout, "Nothing to remove: no container or network of exercise %s is on %s.\n", name, rt.Host())
		return nil
	}
	containers, networks := counts(plan, orchestrator.RemoveContainer, orchestrator.RemoveNetwork)
	fmt.Fprintf(e.stdout, "Removed %s and %s of exercise %s.\n", plural(containers, "container"), plural(networks, "network"), name)
	return nil
}
