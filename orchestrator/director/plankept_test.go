package director_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

const keptExercise = `exercise "kept" {
  scenario = "drill"
  seed     = "s"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
}
`

// PlanKept is the one rule the server and the command line take an
// exercise up by: a copy kept is planned from and the scenario is not
// read; without one, a copy is made now, late for an exercise stored
// before, and stored only if its scoring is what the exercise was stored
// with.
func TestPlanKept(t *testing.T) {
	ctx := context.Background()
	ex, diags := scenarios.NewLoader().ParseExercise("kept.hcl", []byte(keptExercise))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	copyOf := func(main string) func() (*scenarios.Source, string, error) {
		return func() (*scenarios.Source, string, error) {
			lib, err := fs.Sub(drillLibrary(main, "Tell them nothing yet.", "FROM cordillera/base:1\n"), "drill")
			if err != nil {
				return nil, "", err
			}
			src, diags, err := scenarios.CopySourceFS(lib, "library/drill", ex)
			if err == nil && diags.HasErrors() {
				err = diags
			}
			return src, "library:drill", err
		}
	}
	gone := func() (*scenarios.Source, string, error) {
		t.Error("the scenario was read for an exercise that has a copy")
		return nil, "", errors.New("gone")
	}
	// store stores the exercise as an older Cordillera did: planned from
	// its scenario, with no copy.
	store := func(t *testing.T, s *scoreboard.Store, main string) {
		sc, diags := scenarios.NewLoader().LoadScenarioFS(drillLibrary(main, "x", "FROM x\n"), "drill", "library/drill")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		plans, diags := scenarios.Plan(sc, ex)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		eng, err := engine.New(s, nil, sc, ex, plans, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("new", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "new.db"))
		k, err := director.PlanKept(ctx, s, nil, ex, time.Now(), copyOf(drillV1))
		if err != nil || k.Diagnostics.HasErrors() || !k.Copied || k.Copy.Late || len(k.Plans) != 1 {
			t.Fatalf("%+v %v", k, err)
		}
		again, err := director.PlanKept(ctx, s, nil, ex, time.Now(), gone)
		if err != nil || again.Copied || again.Copy.Source.Digest() != k.Copy.Source.Digest() {
			t.Errorf("planned again: %+v %v; want the stored copy", again, err)
		}
	})
	t.Run("late", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "late.db"))
		store(t, s, drillV1)
		k, err := director.PlanKept(ctx, s, nil, ex, time.Now(), copyOf(drillV1))
		if err != nil || !k.Copied || !k.Copy.Late || k.Copy.Ref != "library:drill" {
			t.Fatalf("%+v %v; want a late copy", k, err)
		}
		if c, err := s.ScenarioCopy(ctx, "kept"); err != nil || !c.Late {
			t.Errorf("stored %+v %v", c, err)
		}
	})
	t.Run("rescored", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "rescored.db"))
		store(t, s, drillV1)
		_, err := director.PlanKept(ctx, s, nil, ex, time.Now(), copyOf(upgrade.Replace(drillV1)))
		if err == nil || !strings.Contains(err.Error(), "another scoring block") {
			t.Errorf("err = %v; want the scoring refused", err)
		}
		if _, err := s.ScenarioCopy(ctx, "kept"); !errors.Is(err, scoreboard.ErrNotFound) {
			t.Errorf("a refused copy was stored: %v", err)
		}
	})
	t.Run("cannot copy", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "gone.db"))
		store(t, s, drillV1)
		_, err := director.PlanKept(ctx, s, nil, ex, time.Now(), func() (*scenarios.Source, string, error) { return nil, "", errors.New("no folder") })
		if err == nil || !strings.Contains(err.Error(), "no folder") {
			t.Errorf("err = %v", err)
		}
	})
}

// A restarted server whose bundled scenario no longer loads still takes
// up the exercise from its copy, and its log says what changed, read from
// the files without loading them.
func TestRestoreNotesChangesOfABrokenScenario(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "broken.db")
	first := director.New(openStore(t, file), nil, errors.New("no Docker in this test"),
		director.Options{Library: drillLibrary(drillV1, "Tell them nothing yet.", "FROM cordillera/base:1\n")})
	t.Cleanup(first.Close)
	if _, diags, err := first.Create(ctx, director.Definition{Name: "andes", Scenario: "drill", Teams: twoTeams}, "instructor"); err != nil {
		t.Fatal(err, diags)
	}
	first.Close()
	var log strings.Builder
	second := director.New(openStore(t, file), nil, errors.New("no Docker in this test"), director.Options{
		Library: drillLibrary("scenario {", "Tell them nothing yet.", "FROM cordillera/base:1\n"),
		Logger:  slog.New(slog.NewTextHandler(&log, nil))})
	t.Cleanup(second.Close)
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := second.Exercise("andes"); !ok {
		t.Fatalf("not taken up:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "the scenario has changed since the exercise was made") || !strings.Contains(log.String(), "changed=main.hcl") {
		t.Errorf("the log does not say main.hcl changed:\n%s", log.String())
	}
}
