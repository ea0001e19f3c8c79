package scenarios

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// minimalScenario is a valid scenario that the bombs below are added to.
const minimalScenario = `scenario "bomb" {
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
`

// loadBomb loads a scenario of minimalScenario and a file holding src, as
// an upload is loaded, and returns what was said about the bomb's file.
func loadBomb(t *testing.T, src string) []Diagnostic {
	t.Helper()
	fsys := fstest.MapFS{
		"s/main.hcl": {Data: []byte(minimalScenario)},
		"s/bomb.hcl": {Data: []byte(src)},
	}
	start := time.Now()
	_, diags := NewLoader().LoadScenarioFS(fsys, "s", "s")
	// Not a timing assertion: a sanity bound, far above what the limits
	// give, so a regression to the old minutes shows as a failure.
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("loading took %s", took)
	}
	var out []Diagnostic
	for _, d := range Diagnostics(diags) {
		if d.File == "s/bomb.hcl" || d.File == "" {
			out = append(out, d)
		}
	}
	return out
}

func wantDiagnostic(t *testing.T, diags []Diagnostic, summary string, line int) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == "error" && d.Summary == summary && d.Line == line {
			if d.Detail == "" {
				t.Errorf("%q has no detail saying how to fix it", summary)
			}
			return
		}
	}
	t.Errorf("no error %q on line %d of the file; got %+v", summary, line, diags)
}

// TestNestingBombs: nesting that would exhaust the stack (which Go cannot
// recover from: "fatal error: stack overflow") is refused before parsing,
// at file:line:col.
func TestNestingBombs(t *testing.T) {
	inject := func(body string) string {
		return "inject \"i\" {\n  at      = \"1m\"\n  subject = \"s\"\n  body    = " + body + "\n}\n"
	}
	tests := map[string]string{
		// The 140 KB summary, which killed validate and the server.
		"brackets":   "scenario \"bomb\" {\n  summary = " + strings.Repeat("[", 70000) + strings.Repeat("]", 70000) + "\n}\n",
		"braces":     inject(strings.Repeat("{a=", 70000) + "1" + strings.Repeat("}", 70000)),
		"parens":     inject(strings.Repeat("(", 70000) + "1" + strings.Repeat(")", 70000)),
		"templates":  inject(strings.Repeat(`"${`, 30000) + "1" + strings.Repeat(`}"`, 30000)),
		"directives": inject(`<<EOT` + "\n" + strings.Repeat("%{ if true }", 30000) + "x" + strings.Repeat("%{ endif }", 30000) + "\nEOT"),
		// Parsed without recursion, but evaluated with one level per
		// operator: a million of them overflowed the stack.
		"sums":       inject("1" + strings.Repeat("+1", 1_000_000)),
		"negations":  inject(strings.Repeat("!", 100000) + "true"),
		"conditions": inject(strings.Repeat("true ? 1 : ", 30000) + "2"),
		"indexes":    inject("[1]" + strings.Repeat("[0]", 100000)),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			line := map[string]int{"brackets": 2, "directives": 5}[name]
			if line == 0 {
				line = 4
			}
			wantDiagnostic(t, loadBomb(t, src), summaryNesting, line)
		})
	}
}

// TestNestingCountsAsTheParserDoes: brackets in strings, comments and
// heredocs are text, and items side by side do not add up.
func TestNestingCountsAsTheParserDoes(t *testing.T) {
	deep := strings.Repeat("[", 200)
	src := "# " + deep + "\n/* " + deep + " */\n" + `inject "i" {
  at      = "1m"
  subject = "` + deep + `"
  body    = <<EOT
` + deep + `
EOT
}
challenge "c" {
  question = "${"a"}${"b"}` + strings.Repeat(`${"x"}`, 200) + `"
  answer   = [` + strings.Repeat(`"a" == "b" ? "x" : "y", `, 200) + `"z"]
  points   = 1` + strings.Repeat(`
`, 3) + `}
`
	if d := CheckNesting([]byte(src), "x.hcl"); len(d) > 0 {
		t.Errorf("CheckNesting refused text and side-by-side items: %s", d)
	}
	if d := CheckNesting([]byte(strings.Repeat("[", MaxNesting)+strings.Repeat("]", MaxNesting)), "x.hcl"); len(d) > 0 {
		t.Errorf("CheckNesting refused %d levels: %s", MaxNesting, d)
	}
	if d := CheckNesting([]byte(strings.Repeat("[", MaxNesting+1)), "x.hcl"); len(d) != 1 || d[0].Subject.Start.Column != MaxNesting+1 {
		t.Errorf("CheckNesting of %d levels = %v, want one error at column %d", MaxNesting+1, d, MaxNesting+1)
	}
	if IsExerciseFile(writeTemp(t, "exercise \"x\" {\n  speed = "+strings.Repeat("(", 70000)+"1"+strings.Repeat(")", 70000)+"\n}\n")) {
		t.Errorf("IsExerciseFile took a file nested too deep for one")
	}
}

func writeTemp(t *testing.T, src string) string {
	t.Helper()
	p := t.TempDir() + "/f.hcl"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
