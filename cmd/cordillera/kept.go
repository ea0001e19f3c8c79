package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// keptPlans plans an exercise from the copy of its scenario that the
// database keeps with it, so that run and control, started again after the
// scenario changed (an upgrade of the bundled scenarios, an edit of the
// folder), go on with the scenario the exercise was made from. sc is the
// scenario as loadPlans found it now. An exercise without a copy gets one
// now: a new exercise, or one made before copies were kept (which the
// message says). It returns the scenario and plans from the copy.
func keptPlans(ctx context.Context, e *env, store *scoreboard.Store, sc *scenarios.Scenario, ex *scenarios.Exercise) (*scenarios.Scenario, []*scenarios.TeamPlan, error) {
	c, err := store.ScenarioCopy(ctx, ex.Name)
	switch {
	case errors.Is(err, scoreboard.ErrNotFound):
		c, err = copyScenario(ctx, e, store, sc, ex)
		if err != nil {
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, err
	default:
		if now, _, err := scenarios.CopySource(sc, ex); err == nil && now.Digest() != c.Source.Digest() {
			fmt.Fprintf(e.stderr, "The scenario %s has changed since exercise %s was made (%s): the exercise goes on with the copy the database keeps.\n",
				sc.Dir, ex.Name, strings.Join(c.Source.Changed(now), ", "))
		}
	}
	loader := scenarios.NewLoader()
	kept, diags := loader.LoadSource(c.Source)
	var plans []*scenarios.TeamPlan
	if kept != nil && !diags.HasErrors() {
		p, d := scenarios.Plan(kept, ex)
		plans, diags = p, append(diags, d...)
	}
	if diags.HasErrors() {
		if err := scenarios.WriteDiagnostics(e.stderr, loader.Files(), diags, e.color); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(e.stderr, "Exercise %s cannot be planned from the copy of its scenario kept in the database: the errors above say why.\n", ex.Name)
		return nil, nil, exitError(1)
	}
	if err := store.CheckScoring(ctx, ex.Name, director.Scoring(kept)); err != nil {
		return nil, nil, err
	}
	return kept, plans, nil
}

// copyScenario stores the copy of an exercise's scenario as it is now.
func copyScenario(ctx context.Context, e *env, store *scoreboard.Store, sc *scenarios.Scenario, ex *scenarios.Exercise) (scoreboard.ScenarioCopy, error) {
	cp, _, err := scenarios.CopySource(sc, ex)
	if err == nil && cp == nil {
		err = errors.New("its scenario has errors") // loadPlans has shown them
	}
	if err != nil {
		return scoreboard.ScenarioCopy{}, fmt.Errorf("exercise %s: %w", ex.Name, err)
	}
	_, err = store.Exercise(ctx, ex.Name)
	late := err == nil
	c := scoreboard.ScenarioCopy{Exercise: ex.Name, Ref: sc.Dir, Source: cp, Late: late, CopiedAt: time.Now()}
	if late {
		// The stored scoring is what the exercise was made with; a copy
		// that says otherwise is not the scenario it was made from.
		if err := store.CheckScoring(ctx, ex.Name, director.Scoring(sc)); err != nil {
			return c, err
		}
	}
	switch err := store.SaveScenarioCopy(ctx, c); {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return store.ScenarioCopy(ctx, ex.Name) // another process copied it first
	case err != nil:
		return c, err
	}
	if late {
		fmt.Fprintf(e.stderr, "Exercise %s was made before Cordillera kept its scenario with it: the scenario is copied now, as %s is now, and every later run or control of the exercise plans from this copy.\n",
			ex.Name, sc.Dir)
	}
	return c, nil
}
