package scenarios

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// markerPattern finds the diagnostics an invalid fixture expects, written on
// the offending line as "# ERROR: <summary>" or "# WARNING: <summary>".
var markerPattern = regexp.MustCompile(`#\s*(ERROR|WARNING):\s*(.+?)\s*$`)

// expectedDiagnostics reads the markers of every .hcl file under dir, as
// "file:line: severity: summary".
func expectedDiagnostics(t *testing.T, files ...string) []string {
	t.Helper()
	var want []string
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			if m := markerPattern.FindStringSubmatch(sc.Text()); m != nil {
				want = append(want, fmt.Sprintf("%s:%d: %s: %s", filepath.ToSlash(path), line, strings.ToLower(m[1]), m[2]))
			}
		}
		f.Close()
	}
	sort.Strings(want)
	return want
}

func gotDiagnostics(diags hcl.Diagnostics) []string {
	var got []string
	for _, d := range Diagnostics(diags) {
		got = append(got, fmt.Sprintf("%s:%d: %s: %s", d.File, d.Line, d.Severity, d.Summary))
	}
	sort.Strings(got)
	return got
}

func compareDiagnostics(t *testing.T, got, want []string, diags hcl.Diagnostics) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("diagnostics differ from the fixture's markers\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	for _, d := range diags {
		t.Logf("%s", d)
	}
}

func hclFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .hcl files in %s", dir)
	}
	return files
}

func subdirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	return dirs
}

func TestValidFixtures(t *testing.T) {
	for _, dir := range subdirs(t, "testdata/valid") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			sc, diags := NewLoader().LoadScenario(dir)
			// A valid fixture may have warnings, each marked on its line.
			want := expectedDiagnostics(t, hclFilesIn(t, dir)...)
			if diags.HasErrors() || strings.Contains(strings.Join(want, "\n"), ": error: ") {
				t.Fatalf("valid fixture has errors:\n%s", diags)
			}
			compareDiagnostics(t, gotDiagnostics(diags), want, diags)
			if sc.Name != filepath.Base(dir) {
				t.Errorf("scenario name = %q, want the folder's name %q", sc.Name, filepath.Base(dir))
			}
		})
	}
}

func TestInvalidFixtures(t *testing.T) {
	dirs := append(subdirs(t, "testdata/invalid"), "testdata/fixed-subnet")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, diags := NewLoader().LoadScenario(dir)
			want := expectedDiagnostics(t, hclFilesIn(t, dir)...)
			if len(want) == 0 {
				t.Fatal("fixture marks no diagnostics")
			}
			compareDiagnostics(t, gotDiagnostics(diags), want, diags)
			for _, d := range diags {
				if d.Detail == "" {
					t.Errorf("%s: %q has no detail saying how to fix it", d.Subject, d.Summary)
				}
			}
		})
	}
}

func TestInvalidExercise(t *testing.T) {
	_, _, diags := NewLoader().LoadExercise("testdata/exercises/broken.hcl")
	compareDiagnostics(t, gotDiagnostics(diags), expectedDiagnostics(t, "testdata/exercises/broken.hcl"), diags)
}

func TestExerciseResolvesScenarioAndPlans(t *testing.T) {
	ex, sc, diags := NewLoader().LoadExercise("testdata/exercises/andes.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if sc == nil || sc.Name != "complete" {
		t.Fatalf("scenario = %v, want the fixture \"complete\"", sc)
	}
	if ex.Speed != 10 || ex.Seed != "fixture-seed" || len(ex.Teams) != 2 {
		t.Errorf("exercise = %+v", ex)
	}
	if ex.Teams[0].Country != "CL" {
		t.Errorf("country %q was not upper-cased", ex.Teams[0].Country)
	}
	plans, diags := Plan(sc, ex)
	if diags.HasErrors() || len(plans) != 2 {
		t.Fatalf("plan: %d plans, %s", len(plans), diags)
	}
	if len(plans[0].Injects) != 2 || len(plans[1].Injects) != 1 {
		t.Errorf("the Chile-only inject reached %d and %d injects, want 2 for CL and 1 for CO", len(plans[0].Injects), len(plans[1].Injects))
	}
}

func TestSharedSubnetIsAnErrorForSeveralTeams(t *testing.T) {
	ex, sc, diags := NewLoader().LoadExercise("testdata/exercises/shared-subnet.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = Plan(sc, ex)
	got := gotDiagnostics(diags)
	want := []string{"testdata/fixed-subnet/main.hcl:7: error: Subnet shared by teams"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExerciseFindsBundledScenario(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ex.hcl")
	src := `exercise "x" {
  scenario = "water-utility"
  team "a" {
    name    = "A"
    country = "CO"
  }
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, sc, diags := NewLoader().LoadExercise(path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if sc.Name != "water-utility" || sc.Dir != "library/water-utility" {
		t.Errorf("scenario %q from %q, want water-utility from the bundled library", sc.Name, sc.Dir)
	}
}

func TestLibrary(t *testing.T) {
	names := LibraryNames()
	if len(names) == 0 {
		t.Fatal("the bundled library is empty")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, diags := NewLoader().LoadScenarioFS(Library(), name, "library/"+name)
			for _, d := range diags {
				t.Errorf("%s", d)
			}
			if sc != nil && sc.Name != name {
				t.Errorf("folder %q holds scenario %q; a bundled scenario's folder is named after it", name, sc.Name)
			}
			if _, err := Library().Open(name + "/README.md"); err != nil {
				t.Errorf("no README.md: %v", err)
			}
		})
	}
}

func TestScenarioDirsFindsEveryScenario(t *testing.T) {
	dirs, err := ScenarioDirs("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"testdata/valid/complete", "testdata/valid/minimal"}
	if strings.Join(dirs, ",") != strings.Join(want, ",") {
		t.Errorf("ScenarioDirs = %v, want %v", dirs, want)
	}
}

func TestLoadScenarioErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		path, summary string
	}{
		{filepath.Join(empty, "missing"), "Scenario not found"},
		{empty, "No scenario files"},
	}
	for _, tt := range tests {
		_, diags := NewLoader().LoadScenario(tt.path)
		if len(diags) != 1 || diags[0].Summary != tt.summary {
			t.Errorf("LoadScenario(%s) = %v, want one %q", tt.path, diags, tt.summary)
		}
	}
}

func TestNoScenarioBlock(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.hcl"), []byte("network \"lan\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := NewLoader().LoadScenario(dir)
	found := false
	for _, d := range diags {
		found = found || d.Summary == "Missing scenario block"
	}
	if !found {
		t.Errorf("no \"Missing scenario block\" in %v", diags)
	}
}

// A symbolic link inside the scenario folder must not let file() read
// outside it.
func TestFileRefusesSymlinkOutOfFolder(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.md")); err != nil {
		t.Skip("symbolic links not supported here:", err)
	}
	src := `scenario "s" {
  title    = "t"
  duration = "1h"
}
network "lan" {}
host "web" {
  image    = "x"
  networks = [network.lan]
  service "http" {
    port = 80
    check "http" {}
  }
}
inject "i" {
  at      = "1m"
  subject = "s"
  body    = file("link.md")
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := NewLoader().LoadScenario(dir)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "link.md") {
		t.Errorf("file() followed a link out of the folder; diagnostics: %v", diags)
	}
}
