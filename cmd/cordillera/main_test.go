package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cordillera runs the command in-process, as a user would from a shell in
// the repository's root.
func cordillera(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errw bytes.Buffer
	t.Chdir("../..")
	code = run(context.Background(), &env{stdout: &out, stderr: &errw}, args)
	return out.String(), errw.String(), code
}

func TestValidateLibraryPasses(t *testing.T) {
	out, errs, code := cordillera(t, "validate", "scenarios/library")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "✓ scenario \"water-utility\"") {
		t.Errorf("no summary line for water-utility:\n%s", out)
	}
}

func TestValidateReportsPlaceAndFix(t *testing.T) {
	out, _, code := cordillera(t, "validate", "scenarios/testdata/invalid/checks")
	if code != 1 {
		t.Fatalf("exit %d, want 1 for a scenario with errors", code)
	}
	for _, want := range []string{
		`error: Unknown check type "htp"`,
		"--> scenarios/testdata/invalid/checks/main.hcl:16:11",
		`Did you mean "http"?`,
		"16 |     check \"htp\" {}",
		"✗ scenario \"checks\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	out, _, code := cordillera(t, "validate", "--format", "json", "scenarios/testdata/invalid/timeline")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var res struct {
		Valid       bool
		Diagnostics []struct {
			Severity, Summary, File string
			Line, Column            int
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Valid || len(res.Diagnostics) == 0 {
		t.Fatalf("valid=%v with %d diagnostics", res.Valid, len(res.Diagnostics))
	}
	d := res.Diagnostics[0]
	if d.File != "scenarios/testdata/invalid/timeline/main.hcl" || d.Line != 22 || d.Summary != "Beyond the scenario's end" {
		t.Errorf("first diagnostic = %+v", d)
	}
}

func TestValidateWarningsPass(t *testing.T) {
	out, _, code := cordillera(t, "validate", "scenarios/testdata/fixed-subnet")
	if code != 0 || !strings.Contains(out, "warning: Subnet shared by teams") {
		t.Errorf("exit %d, want 0 with the warning shown:\n%s", code, out)
	}
}

func TestPlan(t *testing.T) {
	out, errs, code := cordillera(t, "plan", "--exercise", "scenarios/testdata/exercises/andes.hcl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`Team cl-1 "CSIRT Chile" (CL), index 1`, "10.160.16.10 (dmz)", "00:07:00  attack  spray"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}

	out, _, code = cordillera(t, "plan", "water-utility", "--teams", "3", "--format", "json", "--seed", "s")
	var res struct {
		Seed  string
		Teams []struct{ Team struct{ Country string } }
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Teams) != 3 || res.Seed != "s" {
		t.Fatalf("exit %d, json plan of 3 teams expected:\n%s", code, out)
	}
	if res.Teams[1].Team.Country != "CO" {
		t.Errorf("sample team 2 is from %q, want CO", res.Teams[1].Team.Country)
	}
}

func TestPlanRefusesBrokenScenario(t *testing.T) {
	_, errs, code := cordillera(t, "plan", "scenarios/testdata/invalid/values")
	if code != 1 || !strings.Contains(errs, "No plan: fix the errors above") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.hcl")
	messy := "network \"lan\" {\nsubnet=\"10.1.0.0/24\"\n  internet   = false\n}\n"
	if err := os.WriteFile(path, []byte(messy), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := cordillera(t, "fmt", "--check", dir)
	if code != 1 || !strings.Contains(out, path) {
		t.Fatalf("fmt --check: exit %d, output %q; want 1 naming the file", code, out)
	}
	if _, _, code = cordillera(t, "fmt", dir); code != 0 {
		t.Fatalf("fmt: exit %d", code)
	}
	got, _ := os.ReadFile(path)
	want := "network \"lan\" {\n  subnet   = \"10.1.0.0/24\"\n  internet = false\n}\n"
	if string(got) != want {
		t.Errorf("formatted:\n%s\nwant:\n%s", got, want)
	}
	if _, _, code = cordillera(t, "fmt", "--check", dir); code != 0 {
		t.Errorf("fmt --check after fmt: exit %d", code)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"deploy"}, 2, `unknown command "deploy"`},
		{[]string{"validate"}, 2, "name at least one scenario folder"},
		{[]string{"validate", "--format", "xml", "x"}, 2, "--format is text or json"},
		{[]string{"plan"}, 2, "name one scenario folder"},
		{[]string{"validate", "no/such/dir"}, 1, "No such file or folder"},
	}
	for _, tt := range tests {
		out, errs, code := cordillera(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.msg) {
			t.Errorf("cordillera %v: exit %d, output %q; want %d with %q", tt.args, code, out+errs, tt.code, tt.msg)
		}
	}
}

func TestValidateExerciseTurnsSharedSubnetIntoError(t *testing.T) {
	out, _, code := cordillera(t, "validate", "scenarios/testdata/exercises/shared-subnet.hcl")
	if code != 1 || !strings.Contains(out, "error: Subnet shared by teams") || strings.Contains(out, "warning: Subnet shared") {
		t.Errorf("exit %d, want 1 with the error and without the scenario's warning:\n%s", code, out)
	}
}

func TestImagesUsage(t *testing.T) {
	_, errs, code := cordillera(t, "images", "rebuild")
	if code != 2 || !strings.Contains(errs, `unknown images command "rebuild"`) || !strings.Contains(errs, "bootstrap") {
		t.Errorf("exit %d, %q; want 2 naming the command and listing bootstrap", code, errs)
	}
}

// TestFmtRefusesDeepNesting: the formatter recurses as the parser does; a
// file nested past the limit is refused at its place, with no crash.
func TestFmtRefusesDeepNesting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deep.hcl")
	deep := "scenario \"s\" {\n  summary = " + strings.Repeat("[", 70000) + strings.Repeat("]", 70000) + "\n}\n"
	if err := os.WriteFile(path, []byte(deep), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cordillera(t, "fmt", "--check", dir)
	if code != 1 || !strings.Contains(out+errs, "Nesting too deep") || !strings.Contains(out+errs, "deep.hcl:2:") {
		t.Errorf("fmt --check of a deeply nested file: exit %d, output %q; want 1 with the nesting error at its line", code, out+errs)
	}
}
