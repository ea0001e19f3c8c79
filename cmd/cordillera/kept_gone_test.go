package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// keptExerciseIn makes the exercise of keptExercise in dir as cordillera
// run does before it deploys (its copy kept, its clock started), and
// returns its exercise file and database.
func keptExerciseIn(t *testing.T, dir string) (file, db string) {
	t.Helper()
	for name, data := range map[string]string{"drill/main.hcl": keptScenario, "drill/press.md": "Say nothing yet.", "andes.hcl": keptExercise} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, db = filepath.Join(dir, "andes.hcl"), filepath.Join(dir, "cordillera.db")
	if said := startStored(t, file, db); said != "" {
		t.Logf("making the exercise said: %s", said)
	}
	return file, db
}

// startStored makes the exercise of file in the database db, as cordillera
// run does before it deploys: stored with the copy of its scenario, its
// clock started. It returns what that said on standard error.
func startStored(t *testing.T, file, db string) string {
	t.Helper()
	ctx := context.Background()
	store, err := scoreboard.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var errs bytes.Buffer
	teams, seed := 0, ""
	sc, ex, plans, err := exercisePlans(ctx, &env{stdout: &errs, stderr: &errs}, "run", rangeFlags{exercise: &file, teams: &teams, seed: &seed}, nil, store)
	if err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	eng, err := engine.New(store, nil, sc, ex, plans, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, "ana", 0); err != nil {
		t.Fatal(err)
	}
	return errs.String()
}

// After an upgrade that breaks or removes an exercise's scenario, run and
// control take the stored exercise up from the copy the database keeps:
// the folder does not stop them, and control says it changed or is gone.
func TestAStoredExerciseOutlivesItsScenarioFolder(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(t *testing.T, dir string)
		says   string
	}{
		{"broken", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "drill/main.hcl"), []byte("host \"web\" {\n  image = \n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "has changed since exercise andes was made (main.hcl)"},
		{"invalid", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "drill/main.hcl"), []byte(strings.Replace(keptScenario, `duration = "1h"`, `duration = "forever"`, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "has changed since exercise andes was made (main.hcl)"},
		{"removed", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "drill")); err != nil {
				t.Fatal(err)
			}
		}, "cannot be loaded now"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file, db := keptExerciseIn(t, dir)
			c.break_(t, dir)

			stdout, stderr, code := cordillera(t, "control", "--exercise", file, "--db", db, "--as", "ana", "deliver", "cl-1", "press")
			if code != 0 {
				t.Fatalf("control deliver: exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, c.says) || !strings.Contains(stderr, "goes on with the copy") {
				t.Errorf("control does not say the exercise goes on with its copy (%q):\n%s", c.says, stderr)
			}
			ctx := context.Background()
			store, err := scoreboard.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			ds, err := store.InjectDeliveries(ctx, "andes")
			if err != nil || len(ds) != 1 || ds[0].Points != 50 || ds[0].Subject != "A journalist calls" {
				t.Fatalf("deliveries %+v, %v; want the press inject of the copy", ds, err)
			}

			// What run plans before it deploys.
			var errs bytes.Buffer
			teams, seed := 0, ""
			_, ex, plans, err := exercisePlans(ctx, &env{stdout: &errs, stderr: &errs}, "run", rangeFlags{exercise: &file, teams: &teams, seed: &seed}, nil, store)
			if err != nil || ex.Name != "andes" || len(plans) != 2 {
				t.Fatalf("run's plans: %v, %d plans\n%s", err, len(plans), errs.String())
			}

			// And run itself gets past planning to the container engine.
			t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-docker.sock"))
			stdout, stderr, code = cordillera(t, "run", "--exercise", file, "--db", db, "--no-deploy")
			if code == 0 || strings.Contains(stderr, "No deployment") || !strings.Contains(stderr, "goes on with the copy") ||
				!strings.Contains(stderr, "cannot reach the Docker engine") {
				t.Errorf("run with the scenario %s: exit %d, want it to fail only at the container engine\n%s%s", c.name, code, stdout, stderr)
			}
		})
	}
}
