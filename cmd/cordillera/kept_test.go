package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/scoreboard"
)

const keptScenario = `scenario "drill" {
  title    = "Drill"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "tcp" {}
  }
}

inject "press" {
  at      = "20m"
  subject = "A journalist calls"
  body    = file("press.md")
  response {
    due    = "10m"
    points = 50
  }
}
`

const keptExercise = `exercise "andes" {
  scenario = "drill"
  seed     = "kept"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
`

// control started after the scenario's folder changed under a running
// exercise acts on the scenario the exercise was made from: an inject it
// delivers has the points and subject it had, and control says why. Run
// takes the same path (keptPlans) before it deploys; this test needs no
// Docker.
func TestControlPlansFromTheKeptScenario(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("drill/main.hcl", keptScenario)
	write("drill/press.md", "Say nothing yet.")
	write("andes.hcl", keptExercise)
	file, db := filepath.Join(dir, "andes.hcl"), filepath.Join(dir, "cordillera.db")
	ctx := context.Background()

	// What cordillera run does before it deploys: the exercise is stored
	// with the copy of its scenario, and its clock starts.
	if said := startStored(t, file, db); said != "" {
		t.Errorf("a new exercise's copy says: %s", said)
	}

	// The scenario changes on disk.
	write("drill/main.hcl", strings.NewReplacer("points = 50", "points = 500", "A journalist calls", "The minister calls").Replace(keptScenario))
	write("drill/press.md", "Tell them everything.")

	stdout, stderr, code := cordillera(t, "control", "--exercise", file, "--db", db, "--as", "ana", "deliver", "cl-1", "press")
	if code != 0 {
		t.Fatalf("control deliver: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "has changed since exercise andes was made (main.hcl, press.md)") || !strings.Contains(stderr, "goes on with the copy") {
		t.Errorf("control does not say the exercise keeps its scenario:\n%s", stderr)
	}
	store, err := scoreboard.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ds, err := store.InjectDeliveries(ctx, "andes")
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	if d := ds[0]; d.Points != 50 || d.Subject != "A journalist calls" {
		t.Errorf("delivered %q for %d points; want the scenario the exercise was made from: %q for 50", d.Subject, d.Points, "A journalist calls")
	}
}
