package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/scoreboard"
)

const fireScenario = `scenario "drill" {
  title    = "Drill"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}

attack "probe" {
  title  = "Probe"
  at     = "50m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
}
`

// TestControlFireAgainOnlyWithAgain: cordillera control fire fires an
// attack that has not run against the team; once it has, it refuses,
// fires nothing and says to add --again, which fires it again. No Docker:
// controls are written to the store for the running engine.
func TestControlFireAgainOnlyWithAgain(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drill"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "drill", "main.hcl"), []byte(fireScenario), 0o644)
	os.WriteFile(filepath.Join(dir, "andes.hcl"), []byte(strings.Replace(keptExercise, `seed     = "kept"`, `seed     = "fire"`, 1)), 0o644)
	file, db := filepath.Join(dir, "andes.hcl"), filepath.Join(dir, "cordillera.db")
	ctx := context.Background()

	startStored(t, file, db)
	store, err := scoreboard.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	control := func(args ...string) (string, int) {
		var b bytes.Buffer
		code := run(ctx, &env{stdout: &b, stderr: &b}, append([]string{"control", "--exercise", file, "--db", db, "--as", "ana"}, args...))
		return b.String(), code
	}
	fired := func() int {
		xs, err := store.Executions(ctx, "andes")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range xs {
			if x.Team == "cl-1" && x.Attack == "probe" && x.Trigger == scoreboard.TriggerManual && x.Author == "ana" {
				n++
			}
		}
		return n
	}
	if got, code := control("fire", "cl-1", "probe"); code != 0 || !strings.Contains(got, "is queued as run") {
		t.Fatalf("first fire: exit %d\n%s", code, got)
	}
	got, code := control("fire", "cl-1", "probe")
	if code == 0 || !strings.Contains(got, "has already run against team cl-1 (1×)") || !strings.Contains(got, "add --again") {
		t.Errorf("a second fire without --again: exit %d\n%s", code, got)
	}
	if n := fired(); n != 1 {
		t.Fatalf("after a refused re-fire: %d executions, want 1", n)
	}
	if got, code := control("fire", "cl-1", "probe", "--again"); code != 0 || !strings.Contains(got, "re-fire; it had run 1×") {
		t.Errorf("fire --again: exit %d\n%s", code, got)
	}
	if n := fired(); n != 2 {
		t.Errorf("after fire --again: %d executions, want 2", n)
	}
}
