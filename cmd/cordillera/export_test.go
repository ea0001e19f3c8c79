package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func TestExport(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cordillera.db")
	store, err := scoreboard.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if err := store.CreateExercise(ctx, scoreboard.Exercise{Name: "andes", Scoring: scenarios.DefaultScoring(), CreatedAt: start},
		[]scoreboard.Team{{ID: "cl", Name: "CSIRT Chile", Country: "CL"}, {ID: "co", Name: "colCERT", Country: "CO"}}); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		at := scoreboard.Moment{At: start.Add(time.Duration(round) * 30 * time.Second), Elapsed: time.Duration(round) * 30 * time.Second}
		for _, team := range []string{"cl", "co"} {
			up := team == "cl" || round == 0
			if _, err := store.RecordCheck(ctx, scoreboard.CheckResult{Exercise: "andes", Team: team, Host: "portal", Service: "http", Round: round, Up: up, Moment: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	store.Close()

	out := filepath.Join(t.TempDir(), "standings.csv")
	if _, errs, code := cordillera(t, "export", "--db", db, "--exercise", "andes", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("standings CSV: %v, %d rows", err, len(rows))
	}
	if !strings.Contains(strings.Join(rows[1], ","), "cl") {
		t.Errorf("the team that kept its service up is not first: %v", rows)
	}

	stdout, errs, code := cordillera(t, "export", "--db", db, "--exercise", "andes", "--what", "stix")
	if code != 0 || !strings.Contains(stdout, `"type": "bundle"`) {
		t.Errorf("stix export: exit %d %s\n%.300s", code, errs, stdout)
	}

	if _, errs, code := cordillera(t, "export", "--db", filepath.Join(t.TempDir(), "none.db"), "--exercise", "andes"); code != 1 || !strings.Contains(errs, "no database at") {
		t.Errorf("missing database: exit %d %q", code, errs)
	}
}
