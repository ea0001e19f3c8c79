package scoreboard

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/scenarios"
)

func sampleCopy() *scenarios.Source {
	return &scenarios.Source{
		Dir: "library/drill",
		Files: map[string]scenarios.SourceFile{
			"main.hcl":               {Mode: 0o644, Data: []byte(`scenario "drill" {}`)},
			"injects/press.md":       {Mode: 0o644, Data: []byte("Dígales la verdad.\n")},
			"images/web":             {Mode: fs.ModeDir | 0o755},
			"images/web/Dockerfile":  {Mode: 0o644, Data: []byte("FROM scratch\n")},
			"images/web/entrypoint":  {Mode: 0o755, Data: []byte("#!/bin/sh\n")},
			"images/web/empty":       {Mode: 0o600, Data: []byte{}},
			"images/web/current":     {Mode: fs.ModeSymlink | 0o777, Data: []byte("entrypoint")},
			"images/web/bin/payload": {Mode: 0o755, Data: []byte{0, 1, 2, 0xff, 0xfe}},
		},
		Contexts: map[string]string{"images/web": "0123abcd"},
	}
}

// A scenario's copy comes back from the database as it went in, across a
// reopening: every file's bytes and mode, folders and links, the contexts'
// hashes; it is made once; a damaged copy is an error, not a plan.
func TestScenarioCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "copies.db")
	s := openStore(t, file)
	if _, err := s.ScenarioCopy(ctx, "andes"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("copy of an exercise without one: %v; want ErrNotFound", err)
	}
	src := sampleCopy()
	err := s.SaveExerciseSource(ctx, ExerciseSource{Exercise: "andes", Source: `exercise "andes" {}`, Scenario: "library:drill",
		Author: "instructor", CreatedAt: t0, Copy: src})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveScenarioCopy(ctx, ScenarioCopy{Exercise: "andes", Ref: "library:drill", Source: &scenarios.Source{Dir: "x"}, CopiedAt: t0}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second copy: %v; want ErrDuplicate", err)
	}
	s.Close()

	s = openStore(t, file)
	c, err := s.ScenarioCopy(ctx, "andes")
	if err != nil {
		t.Fatal(err)
	}
	if c.Exercise != "andes" || c.Ref != "library:drill" || c.Late || !c.CopiedAt.Equal(t0) || c.Source.Dir != "library/drill" {
		t.Errorf("copy = %+v", c)
	}
	if changed := src.Changed(c.Source); len(changed) > 0 {
		t.Errorf("files changed on the way: %v", changed)
	}
	if c.Source.Digest() != src.Digest() || !maps.Equal(c.Source.Contexts, src.Contexts) {
		t.Errorf("digest %s, contexts %v; want %s, %v", c.Source.Digest(), c.Source.Contexts, src.Digest(), src.Contexts)
	}
	if got := slices.Sorted(maps.Keys(c.Source.Files)); len(got) != len(src.Files) {
		t.Errorf("files %v", got)
	}

	// A late copy, of an exercise made before copies were kept.
	if err := s.SaveScenarioCopy(ctx, ScenarioCopy{Exercise: "old", Ref: "/srv/drills/old", Source: sampleCopy(), Late: true, CopiedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.ScenarioCopy(ctx, "old"); err != nil || !c.Late || c.Ref != "/srv/drills/old" {
		t.Errorf("late copy = %+v, %v", c, err)
	}

	// An exercise source refused as a duplicate stores no copy either.
	err = s.SaveExerciseSource(ctx, ExerciseSource{Exercise: "andes", Source: "other", Scenario: "library:other", CreatedAt: t0,
		Copy: &scenarios.Source{Dir: "library/other", Files: map[string]scenarios.SourceFile{"main.hcl": {Mode: 0o644, Data: []byte("x")}}}})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second exercise source: %v; want ErrDuplicate", err)
	}
	if c, _ := s.ScenarioCopy(ctx, "andes"); c.Source.Dir != "library/drill" {
		t.Errorf("the copy became %s", c.Source.Dir)
	}

	if _, err := s.db.Exec("UPDATE scenario_copy_files SET data = ? WHERE exercise = 'andes' AND path = 'injects/press.md'", []byte("Dígales todo.\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScenarioCopy(ctx, "andes"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a copy changed in the database: %v; want an error saying it is damaged", err)
	}
}

// The stored scoring must be the copy's scoring block: the same values
// pass, whatever their spelling; other ones are refused, saying why.
func TestCheckScoring(t *testing.T) {
	ctx := context.Background()
	cfg := scenarios.DefaultScoring()
	cfg.Attack.Blocked = 70
	s := newExercise(t, cfg)
	if err := s.CheckScoring(ctx, "ex", cfg); err != nil {
		t.Errorf("the same scoring: %v", err)
	}
	if err := s.CheckScoring(ctx, "not-made-yet", scenarios.DefaultScoring()); err != nil {
		t.Errorf("an exercise not stored yet: %v", err)
	}
	other := cfg
	other.Attack.Blocked = 7
	if err := s.CheckScoring(ctx, "ex", other); err == nil || !strings.Contains(err.Error(), "another scoring block") {
		t.Errorf("another scoring: %v; want refused", err)
	}
}
