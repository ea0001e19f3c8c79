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
func loadTargets(loader *scenarios.Loader, paths []string) ([]*target, hcl.Diagnostics) {
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
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			add(&target{Path: p, Kind: "scenario"}, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "No such file or folder",
				Detail:   fmt.Sprintf("%s does not exist. Name a scenario folder, one of its .hcl files, or an exercise file.", p),
			}})
			continue
		}
		if !info.IsDir() {
			if scenarios.IsExerciseFile(p) {
				loadExercise(loader, p, add)
			} else {
				loadDir(filepath.Dir(p))
			}
			continue
		}
		dirs, err := scenarios.ScenarioDirs(p)
		if err == nil && len(dirs) == 0 {
			err = fmt.Errorf("no .hcl files in %s or below it", p)
		}
		if err != nil {
			add(&target{Path: p, Kind: "scenario"}, hcl.Diagnostics{{
				Severity: hcl.DiagError, Summary: "No scenarios found", Detail: err.Error() + ". Name a folder that holds a scenario's .hcl files.",
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
	fs := newFlags(e, "validate", "[--format text|json] PATH...",
		"Checks scenario folders, scenario files and exercise files, and reports every mistake with\nits place (file:line:col) and how to fix it. Exits 1 when there is an error; warnings alone pass.")
	format := fs.String("format", "text", "output `format`: text or json")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format is text or json, not %q", *format)}
	}
	if len(paths) == 0 {
		return usageError{"name at least one scenario folder, scenario file or exercise file, such as scenarios/library"}
	}

	loader := scenarios.NewLoader()
	targets, diags := loadTargets(loader, paths)
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
			fmt.Fprintln(e.stdout, t.summary())
		}
	}
	if diags.HasErrors() {
		return exitError(1)
	}
	return nil
}

func (t *target) summary() string {
	name := t.Path
	if t.Name != "" {
		name = fmt.Sprintf("%s %q (%s)", t.Kind, t.Name, t.Path)
	}
	if t.Errors > 0 {
		return fmt.Sprintf("✗ %s: %s, %s", name, plural(t.Errors, "error"), plural(t.Warnings, "warning"))
	}
	var parts []string
	if sc := t.scenario; sc != nil && t.Kind == "scenario" {
		parts = append(parts, plural(len(sc.Networks), "network"), plural(len(sc.Hosts), "host"),
			plural(len(sc.Attacks), "attack"), plural(len(sc.Injects), "inject"), plural(len(sc.Challenges), "challenge"))
	}
	if ex := t.exercise; ex != nil {
		parts = append(parts, "scenario "+ex.Scenario, plural(len(ex.Teams), "team"))
	}
	if t.Warnings > 0 {
		parts = append(parts, plural(t.Warnings, "warning"))
	}
	return fmt.Sprintf("✓ %s is valid: %s", name, strings.Join(parts, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
