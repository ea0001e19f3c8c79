package director

// Taking exercises up again: every plan after a restart, an upgrade or an
// edit comes from the copy of its scenario kept with the exercise.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Restore takes up every exercise the store says a director made: each is
// held again, planned from the copy of its scenario stored with it, and the
// engine of each one started and not ended goes on. An exercise made before
// copies were kept gets its copy now, from what its scenario is, and the
// log says so. An exercise that cannot be planned again is skipped with a
// warning that says why.
func (d *Director) Restore(ctx context.Context) error {
	srcs, err := d.store.ExerciseSources(ctx)
	if err != nil {
		return err
	}
	for _, s := range srcs {
		if _, ok := d.Exercise(s.Exercise); ok {
			continue
		}
		x, err := d.restore(ctx, s)
		if err != nil {
			d.log.Warn("exercise not taken up", "exercise", s.Exercise, "scenario", s.Scenario, "err", err)
			continue
		}
		d.hold(x)
		clock, err := d.store.Clock(ctx, x.Name)
		if err != nil {
			return err
		}
		if clock.State == scoreboard.ClockRunning || clock.State == scoreboard.ClockPaused {
			d.drive(x)
		}
		d.log.Info("exercise taken up", "exercise", x.Name, "state", clock.State, "digest", x.Source.Digest()[:12])
	}
	return nil
}

// restore plans a stored exercise again from the copy of its scenario
// (PlanKept).
func (d *Director) restore(ctx context.Context, s scoreboard.ExerciseSource) (*Exercise, error) {
	ex, pd := scenarios.NewLoader().ParseExercise(s.Exercise+".hcl", []byte(s.Source))
	if ex == nil || pd.HasErrors() {
		return nil, fmt.Errorf("its exercise file: %w", pd)
	}
	k, err := PlanKept(ctx, d.store, d.rt, ex, d.opt.Now(), func() (*scenarios.Source, string, error) {
		cp, diags, err := d.copyScenario(ctx, s.Exercise, []byte(s.Source), s.Scenario)
		if err == nil {
			err = diagError(diags)
		}
		if err != nil {
			return nil, "", fmt.Errorf("made before its scenario was kept with it, and its scenario cannot be copied now: %w", err)
		}
		return cp, s.Scenario, nil
	})
	if err != nil {
		return nil, err
	}
	if err := diagError(scenarios.Diagnostics(k.Diagnostics)); err != nil {
		return nil, fmt.Errorf("planning it from the copy of its scenario: %w", err)
	}
	d.logPool(ex, k.Pool)
	x, err := d.exercise(ex, k.Scenario, k.Plans, s.Scenario, k.Copy.Source)
	if err != nil {
		return nil, err
	}
	switch {
	case k.Copied && k.Copy.Late:
		d.log.Warn("exercise made before scenarios were kept with exercises: its scenario is copied now, from what it is now, and every later plan comes from this copy",
			"exercise", s.Exercise, "scenario", s.Scenario, "files", len(k.Copy.Source.Files), "digest", k.Copy.Source.Digest()[:12])
		d.event(s.Exercise, "", scoreboard.AudienceStaff, fmt.Sprintf(
			"This exercise was made before Cordillera kept its scenario with it: its scenario (%s) was copied now, as it is now, and every later plan comes from this copy.", s.Scenario))
	case !k.Copied:
		d.noteChanges(ctx, s, k.Copy.Source)
	}
	if err := x.Engine.Prepare(ctx); err != nil {
		return nil, err
	}
	return x, nil
}

// Kept is an exercise planned from the copy of its scenario kept with it.
type Kept struct {
	// Copy is the copy the plans come from.
	Copy     scoreboard.ScenarioCopy
	Scenario *scenarios.Scenario
	Plans    []*scenarios.TeamPlan
	// Diagnostics are those of loading and planning the copy; with errors,
	// Scenario and Plans are not to be used and nothing was stored.
	// Files holds the copy's parsed files, to render them.
	Diagnostics hcl.Diagnostics
	Files       map[string]*hcl.File
	// Copied is true when the copy was made by this call, with copyNow,
	// and stored: for an exercise not in the store yet, or (Copy.Late) one
	// made before copies were kept.
	Copied bool
	// Pool is the address pool the exercise is planned with, kept in the
	// store, when it writes none (see keepPool); nil when it writes one.
	Pool *PoolChosen
}

// PlanKept plans a stored exercise ex from the copy of its scenario that
// the store keeps with it: the one rule by which the server (Restore) and
// the command line (run, control) take an exercise up again, so that they
// cannot plan it differently. Nothing but the copy is read.
//
// An exercise without a copy gets one made now by copyNow, from what its
// scenario is now, with where that is (ScenarioCopy.Ref): its first copy, for an
// exercise not stored yet, or a late one (Copy.Late) for an exercise made
// before copies were kept. The copy is stored only once planning from it
// works and its scoring block is what the exercise was stored with
// (Store.CheckScoring), which the copy is the one source of: an exercise
// whose scenario's scoring changed since it was made is refused, rather
// than scored from two scenarios. When another process stored a copy
// first, that one is used.
//
// copyNow is called only when there is no copy, so a stored exercise whose
// scenario is broken or gone goes on from its copy.
//
// An exercise that writes no address_pool is planned with the pool the
// store keeps for it, chosen free on rt when it is first planned there
// (rt may be nil: see keepPool), so that its plans after a restart target
// the addresses its ranges have.
func PlanKept(ctx context.Context, store *scoreboard.Store, rt orchestrator.Runtime, ex *scenarios.Exercise, now time.Time, copyNow func() (*scenarios.Source, string, error)) (*Kept, error) {
	k := &Kept{}
	c, err := store.ScenarioCopy(ctx, ex.Name)
	switch {
	case errors.Is(err, scoreboard.ErrNotFound):
		src, ref, err := copyNow()
		if err != nil {
			return nil, err
		}
		_, err = store.Exercise(ctx, ex.Name)
		if err != nil && !errors.Is(err, scoreboard.ErrNotFound) {
			return nil, err
		}
		c = scoreboard.ScenarioCopy{Exercise: ex.Name, Ref: ref, Source: src, Late: err == nil, CopiedAt: now}
		k.Copied = true
	case err != nil:
		return nil, err
	}
	k.Copy = c
	loader := scenarios.NewLoader()
	var err2 error
	k.Scenario, k.Plans, k.Diagnostics, err2 = planSource(loader, c.Source, ex, func(sc *scenarios.Scenario) (err error) {
		k.Pool, err = keepPool(ctx, store, rt, sc, ex, now)
		return err
	})
	k.Files = loader.Files()
	if err2 != nil {
		return nil, err2
	}
	if k.Diagnostics.HasErrors() {
		return k, nil
	}
	if err := store.CheckScoring(ctx, ex.Name, Scoring(k.Scenario)); err != nil {
		return nil, err
	}
	if k.Copied {
		switch err := store.SaveScenarioCopy(ctx, c); {
		case errors.Is(err, scoreboard.ErrDuplicate):
			return PlanKept(ctx, store, rt, ex, now, copyNow) // the stored copy is found now
		case err != nil:
			return nil, err
		}
	}
	return k, nil
}

// planSource loads a scenario from its copy and plans ex on it, once pool
// has given ex its address pool.
func planSource(loader *scenarios.Loader, src *scenarios.Source, ex *scenarios.Exercise, pool func(*scenarios.Scenario) error) (*scenarios.Scenario, []*scenarios.TeamPlan, hcl.Diagnostics, error) {
	sc, diags := loader.LoadSource(src)
	if sc == nil || diags.HasErrors() {
		return sc, nil, diags, nil
	}
	plans, d, err := deploy.Plan(sc, ex, func(sc *scenarios.Scenario, _ *scenarios.Exercise) error { return pool(sc) })
	return sc, plans, append(diags, d...), err
}

// noteChanges logs what differs between the scenario an exercise keeps
// and what its scenario's folder holds now, so an operator learns that an
// upgrade or an edit did not reach a running exercise, and why. It reads
// the folder's files without loading or planning it (Source.ChangesIn).
func (d *Director) noteChanges(ctx context.Context, s scoreboard.ExerciseSource, kept *scenarios.Source) {
	fsys, _, err := d.scenarioFS(ctx, s.Scenario)
	if err != nil {
		d.log.Info("the exercise keeps its copy of the scenario; the scenario itself cannot be read now", "exercise", s.Exercise, "scenario", s.Scenario, "err", err)
		return
	}
	if changed := kept.ChangesIn(fsys); len(changed) > 0 {
		d.log.Info("the scenario has changed since the exercise was made; the exercise keeps its copy", "exercise", s.Exercise, "scenario", s.Scenario,
			"changed", strings.Join(changed, ", "))
	}
}

// Scoring is the scoring of a scenario: its scoring block, or the defaults
// when it has none.
func Scoring(sc *scenarios.Scenario) scenarios.Scoring {
	if sc.Scoring != nil {
		return *sc.Scoring
	}
	return scenarios.DefaultScoring()
}

func diagError(diags []scenarios.Diagnostic) error {
	if f := firstError(diags); f != nil {
		return fmt.Errorf("%s:%d: %s: %s", f.File, f.Line, f.Summary, f.Detail)
	}
	return nil
}
