package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// hostileSeeds are files built to exhaust what reads them: nesting deep
// enough to overflow the stack, and evaluations that would take minutes or
// gigabytes. Fuzzing starts from them, so that variations of them are
// tried too; each is refused within the limits (limits.go).
func hostileSeeds(prefix string) [][]byte {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	bodies := []string{
		deep("[", "]", 70000),
		deep("(", ")", 70000),
		deep(`"${`, `}"`, 20000),
		"1" + strings.Repeat("+1", 200000),
		strings.Repeat("!", 50000) + "true",
		strings.Repeat("true ? 1 : ", 20000) + "2",
		`length(flatten([for i in range(200) : [for j in range(200) : [for k in range(200) : k]]]))`,
		`length([for a in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [for b in range(1000) : [for c in range(1000) : c]]])`,
		`"%{for a in range(1000)}%{for b in range(1000)}x%{endfor}%{endfor}"`,
		`indent(1000000000, "a\nb")`,
		`"a${1e60000000}"`,
		`tonumber("1e60000000")`,
		`jsondecode("` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `")`,
	}
	var out [][]byte
	for _, b := range bodies {
		out = append(out, []byte(prefix+b+"\n}\n"))
	}
	return out
}

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
	for _, seed := range hostileSeeds("scenario \"s\" {\n  title    = \"t\"\n  duration = \"1h\"\n  summary  = ") {
		f.Add(seed)
	}
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
	for _, seed := range hostileSeeds("exercise \"x\" {\n  scenario = \"water-utility\"\n  speed    = ") {
		f.Add(seed)
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
