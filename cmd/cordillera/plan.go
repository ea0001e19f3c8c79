package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/scenarios"
)

func runPlan(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "plan", "[--teams N | --exercise FILE] [--seed S] [--format text|json] [SCENARIO]",
		"Shows what each team gets: networks and subnets, every container with its address, image and\nlimits, the scorebot and attackers, and the timeline of attacks and injects.\n\n"+
			"SCENARIO is a scenario folder or the name of a bundled scenario. With --exercise, the scenario\nis the one the exercise names, and the teams are its teams.")
	teams := fs.Int("teams", 2, "number of sample `teams`, alternating Chile (CL) and Colombia (CO)")
	exercise := fs.String("exercise", "", "exercise `file` naming the scenario and its teams")
	seed := fs.String("seed", "", "`seed` for per-team secrets (default: the exercise's seed, or \"preview\")")
	format := fs.String("format", "text", "output `format`: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format is text or json, not %q", *format)}
	}

	loader := scenarios.NewLoader()
	var sc *scenarios.Scenario
	var ex *scenarios.Exercise
	var diags hcl.Diagnostics
	switch {
	case *exercise != "" && len(pos) > 0:
		return usageError{"give a scenario or --exercise, not both: the exercise names its scenario"}
	case *exercise != "":
		ex, sc, diags = loader.LoadExercise(*exercise)
	case len(pos) == 1:
		sc, diags = loadScenarioArg(loader, pos[0])
		if *teams < 1 || *teams > 1000 {
			return usageError{fmt.Sprintf("--teams is from 1 to 1000, not %d", *teams)}
		}
		ex = scenarios.SampleExercise(*teams)
	default:
		return usageError{"name one scenario folder or bundled scenario, or give --exercise FILE"}
	}
	if ex != nil {
		if *seed != "" {
			ex.Seed = *seed
		} else if ex.Seed == "" {
			ex.Seed = "preview"
		}
	}
	var plans []*scenarios.TeamPlan
	if sc != nil && ex != nil && !diags.HasErrors() {
		var d hcl.Diagnostics
		plans, d = scenarios.Plan(sc, ex)
		diags = append(diags, d...)
	}
	if diags.HasErrors() {
		if err := scenarios.WriteDiagnostics(e.stderr, loader.Files(), diags, e.color); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "No plan: fix the errors above, then run plan again.")
		return exitError(1)
	}

	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Exercise string                `json:"exercise"`
			Scenario string                `json:"scenario"`
			Seed     string                `json:"seed"`
			Teams    []*scenarios.TeamPlan `json:"teams"`
		}{ex.Name, sc.Name, ex.Seed, plans})
	}
	if len(diags) > 0 {
		if err := scenarios.WriteDiagnostics(e.stderr, loader.Files(), diags, e.color); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "Exercise %s: scenario %s %q, %s, lasting %s, seed %q\n\n",
		ex.Name, sc.Name, sc.Title, plural(len(plans), "team"), scenarios.Human(sc.Duration), ex.Seed)
	for _, p := range plans {
		fmt.Fprintln(e.stdout, p.String())
	}
	return nil
}

// loadScenarioArg loads a scenario named by a path or, when no such path
// exists, by the name of a bundled scenario.
func loadScenarioArg(loader *scenarios.Loader, arg string) (*scenarios.Scenario, hcl.Diagnostics) {
	if _, err := os.Stat(arg); err != nil && scenarios.LibraryHas(arg) {
		return loader.LoadScenarioFS(scenarios.Library(), arg, "library/"+arg)
	}
	return loader.LoadScenario(arg)
}
