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
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
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

	rng *deploy.Range

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
	var pool *PoolChosen
	sc, plans, d2, err := planSource(loader, cp, ex, func(sc *scenarios.Scenario) (err error) {
		pool, err = keepPool(ctx, d.store, d.rt, sc, ex, d.opt.Now())
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	diags = append(diags, d2...)
	if diags.HasErrors() {
		return nil, scenarios.Diagnostics(diags), nil
	}
	d.logPool(ex, pool)
	x, err := d.exercise(ex, sc, plans, ref, cp)
	if err != nil {
		return nil, nil, err
	}
	return x, scenarios.Diagnostics(diags), nil
}

// exercise makes an exercise's engine and desired ranges from its plans.
func (d *Director) exercise(ex *scenarios.Exercise, sc *scenarios.Scenario, plans []*scenarios.TeamPlan, ref string, cp *scenarios.Source) (*Exercise, error) {
	rng, err := deploy.New(plans, orchestrator.Options{ScorebotImage: d.opt.ScorebotImage})
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(d.store, d.rt, sc, ex, plans, d.opt.Engine)
	if err != nil {
		return nil, err
	}
	return &Exercise{Name: ex.Name, Scenario: sc, Spec: ex, Plans: plans, Engine: eng, ScenarioRef: ref, Source: cp, rng: rng}, nil
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
