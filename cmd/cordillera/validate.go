package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/scenarios"
)

// target is one scenario or exercise found among the paths a user named.
type target struct {
	Path     string `json:"path"`
	Kind     string `json:"kind"` // "scenario" or "exercise"
	Name     string `json:"name,omitempty"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`

	scenario *scenarios.Scenario
	exercise *scenarios.Exercise
}

// loadTargets loads every scenario and exercise at the given paths. A folder
// stands for every scenario folder below it and the exercise files in them;
// a file for its exercise, or for the scenario of its folder.
func loadTargets(p *printer, loader *scenarios.Loader, paths []string) ([]*target, hcl.Diagnostics) {
	var targets []*target
	var all hcl.Diagnostics
	seen := map[string]bool{}
	add := func(t *target, diags hcl.Diagnostics) {
		for _, d := range diags {
			key := fmt.Sprintf("%s|%s|%v", d.Summary, d.Detail, d.Subject)
			if seen[key] {
				continue
			}
			seen[key] = true
			all = append(all, d)
			if d.Severity == hcl.DiagError {
				t.Errors++
			} else {
				t.Warnings++
			}
		}
		targets = append(targets, t)
	}
	loadDir := func(dir string) {
		if seen["dir:"+dir] {
			return
		}
		seen["dir:"+dir] = true
		files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		var exercises []string
		for _, f := range files {
			if scenarios.IsExerciseFile(f) {
				exercises = append(exercises, f)
			}
		}
		if len(exercises) < len(files) {
			sc, diags := loader.LoadScenario(dir)
			t := &target{Path: dir, Kind: "scenario", scenario: sc}
			if sc != nil {
				t.Name = sc.Name
			}
			add(t, diags)
		}
		for _, f := range exercises {
			loadExercise(loader, f, add)
		}
	}
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil {
			add(&target{Path: path, Kind: "scenario"}, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  p.text("validate.nosuch"),
				Detail:   p.text("validate.nosuch.detail", path),
			}})
			continue
		}
		if !info.IsDir() {
			if scenarios.IsExerciseFile(path) {
				loadExercise(loader, path, add)
			} else {
				loadDir(filepath.Dir(path))
			}
			continue
		}
		dirs, err := scenarios.ScenarioDirs(path)
		if err == nil && len(dirs) == 0 {
			err = p.errorf("validate.nohcl", path)
		}
		if err != nil {
			add(&target{Path: path, Kind: "scenario"}, hcl.Diagnostics{{
				Severity: hcl.DiagError, Summary: p.text("validate.noscenarios"), Detail: p.text("validate.noscenarios.detail", err.Error()),
			}})
			continue
		}
		for _, d := range dirs {
			loadDir(d)
		}
	}
	return targets, all
}

func loadExercise(loader *scenarios.Loader, path string, add func(*target, hcl.Diagnostics)) {
	ex, sc, diags := loader.LoadExercise(path)
	t := &target{Path: path, Kind: "exercise", exercise: ex, scenario: sc}
	if ex != nil {
		t.Name = ex.Name
		if sc != nil && !diags.HasErrors() {
			_, d := scenarios.Plan(sc, ex)
			diags = supersede(diags, d)
		}
	}
	add(t, diags)
}

// supersede adds the plan's diagnostics to the loader's, dropping a warning
// that the plan turns into an error at the same place: a fixed subnet warns
// in a scenario, and is an error for an exercise of several teams.
func supersede(loaded, planned hcl.Diagnostics) hcl.Diagnostics {
	errs := map[string]bool{}
	key := func(d *hcl.Diagnostic) string { return fmt.Sprintf("%s|%v", d.Summary, d.Subject) }
	for _, d := range planned {
		if d.Severity == hcl.DiagError {
			errs[key(d)] = true
		}
	}
	var out hcl.Diagnostics
	for _, d := range loaded {
		if d.Severity != hcl.DiagWarning || !errs[key(d)] {
			out = append(out, d)
		}
	}
	return append(out, planned...)
}

func runValidate(_ context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "validate", p.text("validate.args"), p.text("validate.about"))
	format := fs.String("format", "text", p.text("flag.format"))
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return p.usagef("usage.format", *format)
	}
	if len(paths) == 0 {
		return p.usagef("validate.nopath")
	}

	loader := scenarios.NewLoader()
	targets, diags := loadTargets(p, loader, paths)
	if *format == "json" {
		out := struct {
			Valid       bool                   `json:"valid"`
			Targets     []*target              `json:"targets"`
			Diagnostics []scenarios.Diagnostic `json:"diagnostics"`
		}{!diags.HasErrors(), targets, scenarios.Diagnostics(diags)}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		if err := scenarios.WriteDiagnostics(e.stdout, loader.Files(), diags, e.color); err != nil {
			return err
		}
		for _, t := range targets {
			fmt.Fprintln(e.stdout, t.summary(p))
		}
	}
	if diags.HasErrors() {
		return exitError(1)
	}
	return nil
}

// summary is the target's line after the diagnostics: what it holds when
// valid, how many errors and warnings it has otherwise.
func (t *target) summary(p *printer) string {
	name := t.Path
	if t.Name != "" {
		name = p.text("validate.kind."+t.Kind, t.Name, t.Path)
	}
	if t.Errors > 0 {
		return p.text("validate.invalid", name, p.count("error", t.Errors), p.count("warning", t.Warnings))
	}
	var parts []string
	if sc := t.scenario; sc != nil && t.Kind == "scenario" {
		parts = append(parts, p.count("network", len(sc.Networks)), p.count("host", len(sc.Hosts)),
			p.count("attack", len(sc.Attacks)), p.count("inject", len(sc.Injects)), p.count("challenge", len(sc.Challenges)))
	}
	if ex := t.exercise; ex != nil {
		parts = append(parts, p.text("validate.scenario", ex.Scenario), p.count("team", len(ex.Teams)))
	}
	if t.Warnings > 0 {
		parts = append(parts, p.count("warning", t.Warnings))
	}
	return p.text("validate.valid", name, strings.Join(parts, ", "))
}

// plural is n with the word in English, made plural with an s: plan and
// serve, whose messages are not translated yet, say their counts with it.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
