package docker_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/scenarios"
)

// buildImagesOf builds the images the desired range runs, from their
// recipes; an image no recipe makes is an error.
func buildImagesOf(t *testing.T, rt *docker.Runtime, d *orchestrator.Desired, recipes []orchestrator.Recipe) {
	t.Helper()
	var need []orchestrator.Recipe
	for _, c := range d.Containers {
		i := slices.IndexFunc(recipes, func(r orchestrator.Recipe) bool { return r.Tag == c.Image })
		if i < 0 {
			t.Fatalf("no recipe in scenarios/images builds %s", c.Image)
		}
		if !slices.ContainsFunc(need, func(r orchestrator.Recipe) bool { return r.Tag == c.Image }) {
			need = append(need, recipes[i])
		}
	}
	var log []string
	if _, err := orchestrator.BuildImages(context.Background(), rt, need, false, func(l string) { log = append(log, l) }); err != nil {
		for _, l := range log[max(0, len(log)-30):] {
			t.Log(l)
		}
		t.Fatalf("build the drill's images: %v", err)
	}
}

// TestLibraryRanges brings two teams of every bundled drill up on the real
// engine, from images built here with no registry, and waits until every
// service's check passes from each team's scorebot: the drills' images really
// serve what their scenarios check.
//
// The first run on a machine bootstraps the Debian base and builds every
// image (a few minutes); later runs build only changed recipes.
func TestLibraryRanges(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	if _, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{}, func(string) {}); err != nil {
		t.Fatalf("bootstrap the base image: %v", err)
	}
	recipes, err := orchestrator.Recipes("../../scenarios/images")
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range scenarios.LibraryNames() {
		t.Run(name, func(t *testing.T) {
			sc, diags := scenarios.NewLoader().LoadScenarioFS(scenarios.Library(), name, "library/"+name)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			ex := &scenarios.Exercise{Name: newExercise(), Scenario: name, Speed: 1, Seed: "ci", AddressPool: takePool(t)}
			for i, country := range []string{"CL", "CO"} {
				ex.Teams = append(ex.Teams, &scenarios.Team{ID: fmt.Sprintf("team-%d", i+1), Name: "Team " + country, Country: country})
			}
			plans, diags := scenarios.Plan(sc, ex)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			d, err := orchestrator.NewDesired(plans, orchestrator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			buildImagesOf(t, rt, d, recipes)
			cleanupExercise(t, rt, ex.Name)
			if _, err := orchestrator.Up(ctx, rt, d, nil); err != nil {
				t.Fatalf("up: %v", err)
			}
			waitCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			start := time.Now()
			failing, err := orchestrator.WaitReady(waitCtx, rt, plans, nil)
			for _, f := range failing {
				t.Errorf("not ready: %s", f)
			}
			if err != nil {
				t.Fatalf("ready: %v", err)
			}
			t.Logf("every check of 2 teams passes after %s", time.Since(start).Round(time.Second))
		})
	}
}
