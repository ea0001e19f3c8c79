package director

import (
	"context"
	"errors"
	"fmt"
	"testing/fstest"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// UploadedFile is the name diagnostics give an uploaded scenario's file.
func UploadedFile(name string) string { return "uploaded/" + name + "/main.hcl" }

// MaxScenarioSize bounds an uploaded scenario.
const MaxScenarioSize = 512 << 10

// loadUploaded loads an uploaded scenario: one file, whose file() calls
// reach nothing but itself.
func loadUploaded(loader *scenarios.Loader, name string, src []byte) (*scenarios.Scenario, hcl.Diagnostics) {
	fsys := fstest.MapFS{name + "/main.hcl": &fstest.MapFile{Data: src, Mode: 0o444}}
	return loader.LoadScenarioFS(fsys, name, "uploaded/"+name)
}

// CheckScenario validates a scenario's text as it would be uploaded,
// storing nothing. Its diagnostics name the file UploadedFile(name).
func (d *Director) CheckScenario(name string, src []byte) ([]scenarios.Diagnostic, error) {
	if err := checkName("name", name, "scenario"); err != nil {
		return nil, err
	}
	if d.libraryHas(name) {
		return nil, &FieldError{"name", fmt.Sprintf("%q is a bundled scenario's name: choose another", name)}
	}
	if len(src) > MaxScenarioSize {
		return nil, &FieldError{"source", fmt.Sprintf("the scenario is %d KiB; the most is %d KiB", len(src)>>10, MaxScenarioSize>>10)}
	}
	if !utf8.Valid(src) {
		return nil, &FieldError{"source", "the scenario is not UTF-8 text"}
	}
	_, diags := loadUploaded(scenarios.NewLoader(), name, src)
	return scenarios.Diagnostics(diags), nil
}

// SaveScenario validates an uploaded scenario and stores it if it has no
// errors (warnings do not stop it). It returns the diagnostics either way,
// and whether it was stored. Exercises made from an earlier version keep
// the scenario they were made from: each has its own copy.
func (d *Director) SaveScenario(ctx context.Context, name string, src []byte, author string) ([]scenarios.Diagnostic, bool, error) {
	diags, err := d.CheckScenario(name, src)
	if err != nil || hasErrors(diags) {
		return diags, false, err
	}
	err = d.store.SaveScenarioSource(ctx, scoreboard.ScenarioSource{Name: name, Source: string(src), Author: author, UpdatedAt: d.opt.Now()})
	if err != nil {
		return diags, false, err
	}
	d.log.Info("scenario uploaded", "scenario", name, "author", author, "bytes", len(src))
	return diags, true, nil
}

// ScenarioSource returns an uploaded scenario's text, for editing.
func (d *Director) ScenarioSource(ctx context.Context, name string) (string, error) {
	src, err := d.store.ScenarioSourceByName(ctx, name)
	if errors.Is(err, scoreboard.ErrNotFound) {
		return "", fmt.Errorf("%w: no uploaded scenario %q", ErrUnknown, name)
	}
	return src.Source, err
}
