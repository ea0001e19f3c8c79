// Package director runs exercises in a long-lived process, the web
// interface's: it makes them from a scenario and teams, deploys and tears
// down their ranges in the background with progress an instructor can
// watch, drives their engines, resets hosts and opens terminals. What it
// makes is kept in the scoreboard's store, so that a restarted server takes
// every exercise up again where it was.
package director

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Errors callers tell apart.
var (
	// ErrNoRuntime means no container engine is reachable: exercises can be
	// made and played on paper, not deployed.
	ErrNoRuntime = errors.New("no container engine")
	// ErrBusy means a deployment, teardown or reset of the exercise is
	// under way.
	ErrBusy = errors.New("an operation is under way")
	// ErrUnknown means this director holds no exercise of that name.
	ErrUnknown = errors.New("no such exercise")
	// ErrInvalid means what was asked for is not valid; the error says why.
	ErrInvalid = errors.New("not valid")
)

// Options tune a Director.
type Options struct {
	// ScorebotImage is the image every team's scorebot runs.
	ScorebotImage string
	// Wait is how long a deployment waits for every check to pass (default
	// 3 minutes).
	Wait time.Duration
	// Engine are the options of every exercise's engine.
	Engine engine.Options
	// Library holds the bundled scenarios, one folder each (default
	// scenarios.Library()). Tests swap it to upgrade a bundled scenario
	// under a running exercise.
	Library fs.FS
	Logger  *slog.Logger
	Now     func() time.Time
}

// Director holds the exercises a process runs.
type Director struct {
	store *scoreboard.Store
	rt    orchestrator.Runtime
	rtErr error
	opt   Options
	log   *slog.Logger

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	exercises map[string]*Exercise
}

// New makes a director on a store. rt may be nil, with rtErr saying why
// (Docker is not reachable, say): exercises are then made, played and
// scored by hand, and deploying one says what is wrong.
func New(store *scoreboard.Store, rt orchestrator.Runtime, rtErr error, opt Options) *Director {
	if opt.ScorebotImage == "" {
		opt.ScorebotImage = orchestrator.DefaultScorebotImage
	}
	if opt.Wait <= 0 {
		opt.Wait = 3 * time.Minute
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Library == nil {
		opt.Library = scenarios.Library()
	}
	if rt == nil && rtErr == nil {
		rtErr = errors.New("none was given")
	}
	base, cancel := context.WithCancel(context.Background())
	return &Director{store: store, rt: rt, rtErr: rtErr, opt: opt, log: opt.Logger,
		base: base, cancel: cancel, exercises: map[string]*Exercise{}}
}

// Close stops every engine and operation and waits for them. Exercises go
// on where they were with the next director.
func (d *Director) Close() {
	d.cancel()
	d.wg.Wait()
}

// Runtime is the container engine, or nil with the reason there is none.
func (d *Director) Runtime() (orchestrator.Runtime, error) { return d.rt, d.rtErr }

func (d *Director) noRuntime() error {
	return fmt.Errorf("%w: %v; start Docker and restart cordillera serve", ErrNoRuntime, d.rtErr)
}

// Exercise is one exercise a director holds.
type Exercise struct {
	Name     string
	Scenario *scenarios.Scenario
	Spec     *scenarios.Exercise
	Plans    []*scenarios.TeamPlan
	Engine   *engine.Engine
	// ScenarioRef says where the scenario was copied from: "library:NAME",
	// "uploaded:NAME" or a folder on disk.
	ScenarioRef string
	// Source is the copy of the scenario's complete source kept with the
	// exercise when it was made; Scenario and Plans come from it, and
	// nothing else.
	Source *scenarios.Source

	desired *orchestrator.Desired

	mu      sync.Mutex
	op      *Operation
	running bool
}

// Exercise returns the exercise of that name, if this director holds it.
func (d *Director) Exercise(name string) (*Exercise, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.exercises[name]
	return x, ok
}

// Exercises lists the exercises this director holds, by name.
func (d *Director) Exercises() []*Exercise {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*Exercise, 0, len(d.exercises))
	for _, x := range d.exercises {
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b *Exercise) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Plans are an exercise's teams' plans, nil when the director does not hold
// it.
func (d *Director) Plans(name string) []*scenarios.TeamPlan {
	if x, ok := d.Exercise(name); ok {
		return x.Plans
	}
	return nil
}

// Engine is an exercise's engine.
func (d *Director) Engine(name string) (*engine.Engine, bool) {
	if x, ok := d.Exercise(name); ok {
		return x.Engine, true
	}
	return nil, false
}

// Definition is an exercise as an instructor describes it in a form.
type Definition struct {
	Name, Title string
	// Scenario is a bundled scenario's name or an uploaded one's.
	Scenario string
	Speed    float64
	// Seed derives the teams' secrets; empty chooses one at random.
	Seed  string
	Teams []TeamDefinition
}

// TeamDefinition is one team of a Definition.
type TeamDefinition struct {
	ID, Name, Country string
}

// NamePattern is what exercise, team and uploaded scenario names look
// like: safe in paths, container names and URLs.
var NamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// FieldError is a mistake in one field of a Definition or of an uploaded
// scenario's name: the field, and what is wrong with it.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func checkName(field, name, what string) error {
	if !NamePattern.MatchString(name) {
		return &FieldError{field, fmt.Sprintf("%q is not a valid %s name: use 1 to 40 lower-case letters, digits and dashes, starting with a letter, such as \"andes-2026\"", name, what)}
	}
	return nil
}

// Create makes an exercise from a definition: it checks the definition,
// plans every team's range, stores the exercise and its exercise file, and
// holds it, not deployed and not started. Mistakes in the definition are a
// *FieldError; mistakes the scenario's planning finds come back as
// diagnostics, with nothing stored.
func (d *Director) Create(ctx context.Context, def Definition, author string) (*Exercise, []scenarios.Diagnostic, error) {
	if err := checkDefinition(def); err != nil {
		return nil, nil, err
	}
	if _, err := d.store.Exercise(ctx, def.Name); err == nil {
		return nil, nil, &FieldError{"name", fmt.Sprintf("an exercise named %q exists already: choose another name", def.Name)}
	} else if !errors.Is(err, scoreboard.ErrNotFound) {
		return nil, nil, err
	}
	if def.Seed == "" {
		b := make([]byte, 12)
		rand.Read(b)
		def.Seed = hex.EncodeToString(b)
	}
	ref, err := d.scenarioRef(ctx, def.Scenario)
	if err != nil {
		return nil, nil, err
	}
	src := exerciseFile(def)
	x, diags, err := d.make(ctx, def.Name, src, ref)
	if err != nil || hasErrors(diags) {
		return nil, diags, err
	}
	if err := d.store.SaveExerciseSource(ctx, scoreboard.ExerciseSource{
		Exercise: def.Name, Source: string(src), Scenario: ref, Author: author, CreatedAt: d.opt.Now(), Copy: x.Source,
	}); err != nil {
		return nil, nil, err
	}
	if err := x.Engine.Prepare(ctx); err != nil {
		return nil, nil, err
	}
	d.hold(x)
	d.log.Info("exercise created", "exercise", x.Name, "scenario", ref, "teams", len(x.Plans), "author", author,
		"files", len(x.Source.Files), "digest", x.Source.Digest()[:12])
	return x, diags, nil
}

// make copies the complete source of the scenario at ref as it is now, and
// plans the exercise from that copy, for an exercise being made.
func (d *Director) make(ctx context.Context, name string, src []byte, ref string) (*Exercise, []scenarios.Diagnostic, error) {
	cp, diags, err := d.copyScenario(ctx, name, src, ref)
	if err != nil || hasErrors(diags) {
		return nil, diags, err
	}
	return d.load(ctx, name, src, ref, cp)
}

// copyScenario copies the complete source of the scenario at ref, as the
// exercise file src plans it: what loading and planning read, and the
// build contexts.
func (d *Director) copyScenario(ctx context.Context, name string, src []byte, ref string) (*scenarios.Source, []scenarios.Diagnostic, error) {
	loader := scenarios.NewLoader()
	ex, diags := loader.ParseExercise(name+".hcl", src)
	if ex == nil || diags.HasErrors() {
		return nil, scenarios.Diagnostics(diags), nil
	}
	fsys, display, err := d.scenarioFS(ctx, ref)
	var de diagErr
	if errors.As(err, &de) {
		return nil, scenarios.Diagnostics(append(diags, de.d)), nil
	}
	if err != nil {
		return nil, nil, err
	}
	// Loaded and planned once, through the copy's recorder; the exercise
	// is then planned from the copy.
	cp, d3, err := scenarios.CopySourceFS(fsys, display, ex)
	diags = append(diags, d3...)
	if err != nil {
		return nil, nil, &FieldError{"scenario", fmt.Sprintf("scenario %s cannot be kept with the exercise: %v", ref, err)}
	}
	return cp, scenarios.Diagnostics(diags), nil
}

// reserved are names the web interface's paths take for themselves.
var reserved = map[string]bool{"new": true, "scenarios": true, "compare": true, "exercises": true}

func checkDefinition(def Definition) error {
	if err := checkName("name", def.Name, "exercise"); err != nil {
		return err
	}
	if reserved[def.Name] {
		return &FieldError{"name", fmt.Sprintf("%q names a page of the web interface: choose another name", def.Name)}
	}
	if def.Scenario == "" {
		return &FieldError{"scenario", "choose a scenario"}
	}
	if def.Speed != 0 && (def.Speed < 0 || def.Speed > scenarios.MaxSpeed) {
		return &FieldError{"speed", fmt.Sprintf("the speed is a factor from 0.1 to %d (1 is real time), not %g", scenarios.MaxSpeed, def.Speed)}
	}
	if len(def.Teams) == 0 {
		return &FieldError{"teams", "add at least one team"}
	}
	seen := map[string]bool{}
	for i, t := range def.Teams {
		field := fmt.Sprintf("teams[%d]", i)
		if err := checkName(field+".id", t.ID, "team"); err != nil {
			return err
		}
		if seen[t.ID] {
			return &FieldError{field + ".id", fmt.Sprintf("two teams are named %q: give each its own id", t.ID)}
		}
		seen[t.ID] = true
		if strings.TrimSpace(t.Name) == "" {
			return &FieldError{field + ".name", "give the team a name, such as \"CSIRT de Gobierno\""}
		}
		if !scenarios.IsCountryCode(t.Country) {
			return &FieldError{field + ".country", fmt.Sprintf("%q is not a country code: use two capital letters, such as CL or CO", t.Country)}
		}
	}
	return nil
}

// exerciseFile writes a definition as an exercise file.
func exerciseFile(def Definition) []byte {
	f := hclwrite.NewEmptyFile()
	b := f.Body().AppendNewBlock("exercise", []string{def.Name}).Body()
	if def.Title != "" {
		b.SetAttributeValue("title", cty.StringVal(def.Title))
	}
	b.SetAttributeValue("scenario", cty.StringVal(def.Scenario))
	if def.Speed > 0 {
		b.SetAttributeValue("speed", cty.NumberFloatVal(def.Speed))
	}
	b.SetAttributeValue("seed", cty.StringVal(def.Seed))
	for _, t := range def.Teams {
		b.AppendNewline()
		tb := b.AppendNewBlock("team", []string{t.ID}).Body()
		tb.SetAttributeValue("name", cty.StringVal(strings.TrimSpace(t.Name)))
		tb.SetAttributeValue("country", cty.StringVal(t.Country))
	}
	return f.Bytes()
}

// Adopt holds an exercise loaded from files (cordillera serve --exercise):
// it is stored as any other, with the copy of its scenario, and its
// exercise file kept so that a restart finds it again. An exercise adopted
// before is taken as it was first, from its stored copy, whatever its
// files are now.
func (d *Director) Adopt(ctx context.Context, src []byte, scenarioDir, author string) (*Exercise, []scenarios.Diagnostic, error) {
	ref := scenarioDir
	loader := scenarios.NewLoader()
	ex, diags := loader.ParseExercise("exercise.hcl", src)
	if ex == nil || diags.HasErrors() {
		return nil, scenarios.Diagnostics(diags), nil
	}
	if x, ok := d.Exercise(ex.Name); ok {
		return x, nil, nil
	}
	if ref == "" {
		ref = "library:" + ex.Scenario
	}
	stored, err := d.store.ExerciseSources(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range stored {
		if s.Exercise == ex.Name {
			// Restore did not take it up: say why.
			x, err := d.restore(ctx, s)
			if err != nil {
				return nil, nil, err
			}
			d.hold(x)
			return x, nil, nil
		}
	}
	x, ds, err := d.make(ctx, ex.Name, src, ref)
	if err != nil || hasErrors(ds) {
		return nil, ds, err
	}
	err = d.store.SaveExerciseSource(ctx, scoreboard.ExerciseSource{
		Exercise: ex.Name, Source: string(src), Scenario: ref, Author: author, CreatedAt: d.opt.Now(), Copy: x.Source})
	if err != nil {
		return nil, nil, err
	}
	if err := x.Engine.Prepare(ctx); err != nil {
		return nil, nil, err
	}
	d.hold(x)
	return x, ds, nil
}

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
	k, err := PlanKept(ctx, d.store, ex, d.opt.Now(), func() (*scenarios.Source, string, error) {
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
func PlanKept(ctx context.Context, store *scoreboard.Store, ex *scenarios.Exercise, now time.Time, copyNow func() (*scenarios.Source, string, error)) (*Kept, error) {
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
	k.Scenario, k.Plans, k.Diagnostics = planSource(loader, c.Source, ex)
	k.Files = loader.Files()
	if k.Diagnostics.HasErrors() {
		return k, nil
	}
	if err := store.CheckScoring(ctx, ex.Name, Scoring(k.Scenario)); err != nil {
		return nil, err
	}
	if k.Copied {
		switch err := store.SaveScenarioCopy(ctx, c); {
		case errors.Is(err, scoreboard.ErrDuplicate):
			return PlanKept(ctx, store, ex, now, copyNow) // the stored copy is found now
		case err != nil:
			return nil, err
		}
	}
	return k, nil
}

// planSource loads a scenario from its copy and plans ex on it.
func planSource(loader *scenarios.Loader, src *scenarios.Source, ex *scenarios.Exercise) (*scenarios.Scenario, []*scenarios.TeamPlan, hcl.Diagnostics) {
	sc, diags := loader.LoadSource(src)
	if sc == nil || diags.HasErrors() {
		return sc, nil, diags
	}
	plans, d := scenarios.Plan(sc, ex)
	return sc, plans, append(diags, d...)
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

func (d *Director) hold(x *Exercise) {
	d.mu.Lock()
	d.exercises[x.Name] = x
	d.mu.Unlock()
}

// load plans an exercise from its exercise file and the copy of its
// scenario's source, and makes its engine. Nothing but the copy is read:
// every file() and every build context comes from it.
func (d *Director) load(ctx context.Context, name string, src []byte, ref string, cp *scenarios.Source) (*Exercise, []scenarios.Diagnostic, error) {
	loader := scenarios.NewLoader()
	ex, diags := loader.ParseExercise(name+".hcl", src)
	if ex == nil || diags.HasErrors() {
		return nil, scenarios.Diagnostics(diags), nil
	}
	sc, plans, d2 := planSource(loader, cp, ex)
	diags = append(diags, d2...)
	if diags.HasErrors() {
		return nil, scenarios.Diagnostics(diags), nil
	}
	x, err := d.exercise(ex, sc, plans, ref, cp)
	if err != nil {
		return nil, nil, err
	}
	return x, scenarios.Diagnostics(diags), nil
}

// exercise makes an exercise's engine and desired ranges from its plans.
func (d *Director) exercise(ex *scenarios.Exercise, sc *scenarios.Scenario, plans []*scenarios.TeamPlan, ref string, cp *scenarios.Source) (*Exercise, error) {
	desired, err := orchestrator.NewDesired(plans, orchestrator.Options{ScorebotImage: d.opt.ScorebotImage})
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(d.store, d.rt, sc, ex, plans, d.opt.Engine)
	if err != nil {
		return nil, err
	}
	return &Exercise{Name: ex.Name, Scenario: sc, Spec: ex, Plans: plans, Engine: eng, ScenarioRef: ref, Source: cp, desired: desired}, nil
}

// scenarioFS is the folder of the scenario at ref, its root the
// scenario's folder, and the name diagnostics give it. A folder on disk
// that cannot be opened is a diagnostic, as loading it would say.
func (d *Director) scenarioFS(ctx context.Context, ref string) (fs.FS, string, error) {
	switch kind, name, _ := strings.Cut(ref, ":"); {
	case kind == "library" && d.libraryHas(name):
		sub, err := fs.Sub(d.opt.Library, name)
		return sub, "library/" + name, err
	case kind == "uploaded":
		src, err := d.store.ScenarioSourceByName(ctx, name)
		if err != nil {
			return nil, "", err
		}
		return fstest.MapFS{"main.hcl": &fstest.MapFile{Data: []byte(src.Source), Mode: 0o444}}, "uploaded/" + name, nil
	case kind == "library":
		return nil, "", fmt.Errorf("no bundled scenario %q", name)
	}
	dir := ref
	info, err := os.Stat(ref)
	if err != nil {
		return nil, "", diagErr{&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Scenario not found",
			Detail: fmt.Sprintf("Cannot read %s: %v. Give the path to a scenario folder or to one of its .hcl files.", ref, err)}}
	}
	if !info.IsDir() {
		dir = filepath.Dir(ref)
	}
	root, err := os.OpenRoot(dir) // as the loader opens a folder: no link leaves it
	if err != nil {
		return nil, "", diagErr{&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot open scenario folder", Detail: err.Error()}}
	}
	return root.FS(), dir, nil
}

// diagErr is a scenario that cannot be read, as the diagnostic loading it
// gives.
type diagErr struct{ d *hcl.Diagnostic }

func (e diagErr) Error() string { return e.d.Summary + ": " + e.d.Detail }

// scenarioRef finds the scenario a definition names: an uploaded one
// first, then a bundled one.
func (d *Director) scenarioRef(ctx context.Context, name string) (string, error) {
	if _, err := d.store.ScenarioSourceByName(ctx, name); err == nil {
		return "uploaded:" + name, nil
	} else if !errors.Is(err, scoreboard.ErrNotFound) {
		return "", err
	}
	if d.libraryHas(name) {
		return "library:" + name, nil
	}
	return "", &FieldError{"scenario", fmt.Sprintf("there is no scenario %q: choose one of the list, or upload it first", name)}
}

// libraryHas reports whether a bundled scenario has the given name.
func (d *Director) libraryHas(name string) bool {
	if !fs.ValidPath(name) || name == "." {
		return false
	}
	info, err := fs.Stat(d.opt.Library, name)
	return err == nil && info.IsDir()
}

func hasErrors(diags []scenarios.Diagnostic) bool {
	return firstError(diags) != nil
}

func firstError(diags []scenarios.Diagnostic) *scenarios.Diagnostic {
	for i := range diags {
		if diags[i].Severity == "error" {
			return &diags[i]
		}
	}
	return nil
}

// Start starts an exercise's clock at a speed (0: the exercise's) and
// drives its engine.
func (d *Director) Start(ctx context.Context, name, author string, speed float64) error {
	x, ok := d.Exercise(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return d.noRuntime()
	}
	if err := x.Engine.Start(ctx, author, speed); err != nil {
		return err
	}
	d.drive(x)
	return nil
}

// Resume resumes a paused exercise and makes sure its engine is driven.
func (d *Director) Resume(ctx context.Context, name, author string) error {
	x, ok := d.Exercise(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return d.noRuntime()
	}
	if err := x.Engine.Resume(ctx, author); err != nil {
		return err
	}
	d.drive(x)
	return nil
}

// Driven reports whether this director drives the exercise's engine now.
func (x *Exercise) Driven() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.running
}

// drive runs the exercise's engine in the background until the exercise
// ends or the director closes, unless it runs already.
func (d *Director) drive(x *Exercise) {
	if d.rt == nil {
		return
	}
	x.mu.Lock()
	if x.running {
		x.mu.Unlock()
		return
	}
	x.running = true
	x.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() {
			x.mu.Lock()
			x.running = false
			x.mu.Unlock()
		}()
		d.log.Info("engine running", "exercise", x.Name)
		if err := x.Engine.Run(d.base); err != nil && d.base.Err() == nil {
			d.log.Error("engine stopped", "exercise", x.Name, "err", err)
			d.store.AddEvent(context.WithoutCancel(d.base), x.Name, scoreboard.Event{
				Kind: scoreboard.EventControl, Text: "The engine stopped: " + err.Error(), Audience: scoreboard.AudienceStaff,
				Moment: scoreboard.Moment{At: d.opt.Now()},
			})
			return
		}
		d.log.Info("engine stopped", "exercise", x.Name)
	}()
}

// Store is the director's store.
func (d *Director) Store() *scoreboard.Store { return d.store }
