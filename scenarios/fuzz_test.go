package scenarios

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func addSeeds(f *testing.F, dirs ...string) {
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.hcl"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err == nil {
				f.Add(data)
			}
		}
	}
}

// FuzzLoadScenario feeds arbitrary files to the whole loader: parse, decode,
// validate and plan for two teams. It must never panic, and must say why it
// refuses what it refuses.
func FuzzLoadScenario(f *testing.F) {
	addSeeds(f, "testdata/valid", "testdata/invalid", "library")
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"main.hcl":          {Data: data},
			"injects/a.md":      {Data: []byte("text")},
			"injects/binary.md": {Data: []byte{0xff, 0xfe}},
		}
		sc, diags := NewLoader().LoadScenarioFS(fsys, ".", "fuzz")
		for _, d := range diags {
			if d.Summary == "" {
				t.Fatalf("diagnostic without a summary: %#v", d)
			}
		}
		if sc == nil || diags.HasErrors() {
			return
		}
		plans, _ := Plan(sc, SampleExercise(3))
		for _, p := range plans {
			_ = p.String()
			_ = p.Timeline()
		}
	})
}

// FuzzLoadExercise feeds arbitrary exercise files to the loader.
func FuzzLoadExercise(f *testing.F) {
	addSeeds(f, "testdata")
	files, _ := filepath.Glob("testdata/exercises/*.hcl")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "exercise.hcl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ex, sc, diags := NewLoader().LoadExercise(path)
		if ex == nil || sc == nil || diags.HasErrors() {
			return
		}
		if ex.Seed == "" {
			ex.Seed = "fuzz"
		}
		_, _ = Plan(sc, ex)
	})
}
