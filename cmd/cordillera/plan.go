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
	rf := addRangeFlags(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format is text or json, not %q", *format)}
	}
	sc, ex, plans, err := loadPlans(e, "plan", rf, pos, true)
	if err != nil {
		return err
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
	fmt.Fprintf(e.stdout, "Exercise %s: scenario %s %q, %s, lasting %s, seed %q\n\n",
		ex.Name, sc.Name, sc.Title, plural(len(plans), "team"), scenarios.Human(sc.Duration), ex.Seed)
	if len(plans) > 1 {
		fmt.Fprintln(e.stdout, scenarios.TimelineByTeam(plans))
	}
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
