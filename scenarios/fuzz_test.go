package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
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
		plans, pdiags := Plan(sc, SampleExercise(3))
		for _, p := range plans {
			_ = p.String()
			_ = p.Timeline()
		}
		_ = TimelineByTeam(plans)
		if !pdiags.HasErrors() {
			checkTimelines(t, sc, plans)
		}
	})
}

// checkTimelines checks what a plan without errors promises the engine:
// every team's times are zero or more, and each attack and inject falls,
// at the earliest, within the scenario's duration.
func checkTimelines(t *testing.T, sc *Scenario, plans []*TeamPlan) {
	t.Helper()
	for _, p := range plans {
		for _, a := range p.Attacks {
			if a.At < 0 || a.Delay < 0 {
				t.Fatalf("team %s: attack %s at %s, delay %s: negative in a plan without errors", p.Team.ID, a.Name, a.At, a.Delay)
			}
		}
		for _, in := range p.Injects {
			if in.At < 0 {
				t.Fatalf("team %s: inject %s at %s: negative in a plan without errors", p.Team.ID, in.Name, in.At)
			}
		}
		for _, e := range p.Timeline() {
			if sc.Duration > 0 && time.Duration(e.At) > sc.Duration {
				t.Fatalf("team %s: %s %s at %s, after the end at %s, in a plan without errors", p.Team.ID, e.Kind, e.Name, e.At, Human(sc.Duration))
			}
		}
	}
}

// timelineSeeds are per-team timeline expressions: at, delay and an
// inject's at, and the countries of the exercise's teams.
var timelineSeeds = [][4]string{
	{`team.country == "CL" ? "5m" : "20m"`, `"${team.index}m"`, `contains(["CO"], team.country) ? "10m" : "30m"`, "CL CO CO"},
	{`team.country == "cl" ? "5m" : "20m"`, `"1m"`, `"10m"`, "CL CO"},
	{`team.index == 1 ? "5m" : "-5m"`, `team.index * 60`, `team.country == "CO" ? null : "1m"`, "CO CL PE"},
	{`"${team.index * 50}m"`, `"${team.index * 7}m"`, `team.country == "CO" ? "2h" : "1m"`, "CL CL CO CO CL"},
	{`run.id == "" ? "1m" : "2m"`, `[team.index]`, `secret("x")`, "CL"},
	{`lookup({CL = "3m", CO = "6m"}, team.country, "9m")`, `team.name`, `"${length(team.id)}m"`, "CO AR"},
	{`"5m"`, `"0s"`, `"1h"`, "CL CO"},
}

// FuzzTeamTimeline fuzzes the timeline's per-team path: expressions for an
// attack's at, a chained attack's delay and an inject's at, evaluated for
// the teams of an exercise of fuzzed countries. It must never panic; every
// diagnostic says where and how to fix; a plan without errors keeps every
// team's timeline within the scenario.
func FuzzTeamTimeline(f *testing.F) {
	for _, s := range timelineSeeds {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, at, delay, injectAt, countries string) {
		src := `
scenario "s" {
  title    = "t"
  duration = "1h"
}
network "lan" {}
host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "http" {}
  }
}
attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}
attack "first" {
  title  = "First"
  at     = ` + at + `
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
attack "second" {
  title  = "Second"
  after  = attack.first
  delay  = ` + delay + `
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
inject "news" {
  at      = ` + injectAt + `
  subject = "News"
  body    = "x"
}
`
		sc, diags := NewLoader().LoadScenarioFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, ".", "fuzz")
		for _, d := range diags {
			if d.Summary == "" || d.Detail == "" {
				t.Fatalf("diagnostic without a summary or a detail: %#v", d)
			}
		}
		if sc == nil || diags.HasErrors() {
			return
		}
		ex := SampleExercise(0)
		for i, c := range strings.Fields(countries) {
			if i == 8 {
				break
			}
			c = strings.ToUpper(c)
			if !IsCountryCode(c) {
				c = "CL"
			}
			ex.Teams = append(ex.Teams, &Team{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Country: c})
		}
		if len(ex.Teams) == 0 {
			return
		}
		plans, pdiags := Plan(sc, ex)
		for _, d := range pdiags {
			if d.Summary == "" || d.Detail == "" || d.Subject == nil {
				t.Fatalf("plan diagnostic without a summary, a detail or a place: %#v", d)
			}
		}
		out := TimelineByTeam(plans)
		if len(plans) > 0 && !strings.HasPrefix(out, "Timeline by team") {
			t.Fatalf("timeline by team: %q", out)
		}
		if !pdiags.HasErrors() {
			if len(plans) != len(ex.Teams) {
				t.Fatalf("%d plans for %d teams without an error", len(plans), len(ex.Teams))
			}
			checkTimelines(t, sc, plans)
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
