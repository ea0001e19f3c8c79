package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// exercisePlans loads and plans the exercise that run or control name, as
// loadPlans does, except that an exercise the database holds a copy of the
// scenario for is planned from that copy (director.PlanKept): run and
// control, started again after the scenario changed, broke or went (an
// upgrade of the bundled scenarios, an edit of the folder), go on with the
// scenario the exercise was made from. The folder is loaded and planned
// only for an exercise without a copy: a new one, or one made before copies
// were kept (which the message says), to make its copy; otherwise only to
// say that it has changed.
func exercisePlans(ctx context.Context, e *env, name string, rf rangeFlags, pos []string, store *scoreboard.Store) (*scenarios.Scenario, *scenarios.Exercise, []*scenarios.TeamPlan, error) {
	return exercisePlansOn(ctx, e, name, rf, pos, store, nil)
}

// exercisePlansOn is exercisePlans on the engine rt, or on none (nil). An
// exercise that writes no address_pool is planned with the pool the
// database keeps for it, chosen free on rt when it is first planned with
// an engine (director.PlanKept): control, which needs none, plans with the
// pool run chose.
func exercisePlansOn(ctx context.Context, e *env, name string, rf rangeFlags, pos []string, store *scoreboard.Store, rt orchestrator.Runtime) (*scenarios.Scenario, *scenarios.Exercise, []*scenarios.TeamPlan, error) {
	ex := parseExerciseFile(rf, pos)
	if ex == nil {
		// Not an exercise file that parses: loadPlans says why.
		sc, ex, _, err := loadPlans(e, name, rf, pos, false)
		if err != nil {
			return nil, nil, nil, err
		}
		sc, plans, err := keptPlans(ctx, e, store, rt, sc, ex)
		return sc, ex, plans, err
	}
	if ex.Seed == "" {
		return nil, nil, nil, errNoSeed(e.p())
	}
	var live *scenarios.Scenario
	k, err := director.PlanKept(ctx, store, rt, ex, time.Now(), func() (*scenarios.Source, string, error) {
		sc, _, _, err := loadPlans(e, name, rf, pos, false)
		if err != nil {
			return nil, "", err
		}
		live = sc
		return copySource(e.p(), sc, ex)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := reportKept(e, k, ex, live, rf); err != nil {
		return nil, nil, nil, err
	}
	sayKeptPool(e.stdout, e.p(), ex, k.Pool)
	return k.Scenario, ex, k.Plans, nil
}

// parseExerciseFile decodes the exercise file the flags name, without its
// scenario, or returns nil when there is none or it has errors.
func parseExerciseFile(rf rangeFlags, pos []string) *scenarios.Exercise {
	if *rf.exercise == "" || len(pos) > 0 {
		return nil
	}
	data, err := os.ReadFile(*rf.exercise)
	if err != nil {
		return nil
	}
	ex, diags := scenarios.NewLoader().ParseExercise(*rf.exercise, data)
	if ex == nil || diags.HasErrors() {
		return nil
	}
	if *rf.seed != "" {
		ex.Seed = *rf.seed
	}
	return ex
}

// keptPlans plans an exercise from the copy of its scenario that the
// database keeps with it (director.PlanKept); sc is the scenario as
// loadPlans found it now, which an exercise without a copy gets its copy
// from. It returns the scenario and plans from the copy.
func keptPlans(ctx context.Context, e *env, store *scoreboard.Store, rt orchestrator.Runtime, sc *scenarios.Scenario, ex *scenarios.Exercise) (*scenarios.Scenario, []*scenarios.TeamPlan, error) {
	k, err := director.PlanKept(ctx, store, rt, ex, time.Now(), func() (*scenarios.Source, string, error) { return copySource(e.p(), sc, ex) })
	if err != nil {
		return nil, nil, err
	}
	if err := reportKept(e, k, ex, sc, rangeFlags{}); err != nil {
		return nil, nil, err
	}
	sayKeptPool(e.stdout, e.p(), ex, k.Pool)
	return k.Scenario, k.Plans, nil
}

// copySource copies the scenario as it is now, which loadPlans has loaded
// and planned without errors.
func copySource(p *printer, sc *scenarios.Scenario, ex *scenarios.Exercise) (*scenarios.Source, string, error) {
	cp, _, err := scenarios.CopySource(sc, ex)
	if err == nil && cp == nil {
		err = p.errorf("kept.errors") // loadPlans has shown them
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", p.text("kept.exercise", ex.Name), err)
	}
	return cp, sc.Dir, nil
}

// reportKept says what the user needs to know of an exercise planned from
// its copy: its errors or warnings, that the copy was made late, or that
// the scenario has changed since (live is the scenario as loaded now, or
// nil: then it is loaded from the exercise file rf names, for the message
// only, and a folder that does not load is said to be so).
func reportKept(e *env, k *director.Kept, ex *scenarios.Exercise, live *scenarios.Scenario, rf rangeFlags) error {
	p := e.p()
	// With live, loadPlans has shown the folder's warnings, which the copy
	// made of it repeats.
	if k.Diagnostics.HasErrors() || live == nil && len(k.Diagnostics) > 0 {
		if err := scenarios.WriteDiagnostics(e.stderr, k.Files, k.Diagnostics, e.color); err != nil {
			return err
		}
	}
	if k.Diagnostics.HasErrors() {
		p.line(e.stderr, "kept.broken", ex.Name)
		return exitError(1)
	}
	if k.Copied {
		if k.Copy.Late {
			p.line(e.stderr, "kept.late", ex.Name, k.Copy.Ref)
		}
		return nil
	}
	if live == nil && rf.exercise != nil && *rf.exercise != "" {
		_, live, _ = scenarios.NewLoader().LoadExercise(*rf.exercise)
		if live == nil {
			p.line(e.stderr, "kept.gone", ex.Scenario, ex.Name)
			return nil
		}
	}
	if live == nil {
		return nil
	}
	if changed := k.Copy.Source.ChangesInScenario(live); len(changed) > 0 {
		p.line(e.stderr, "kept.changed", live.Dir, ex.Name, strings.Join(changed, ", "))
	}
	return nil
}
