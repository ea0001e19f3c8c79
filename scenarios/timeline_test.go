package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// timelineScenario is a drill whose timeline depends on the team: what
// campaigns that cross the border write.
func timelineScenario(attacks string) fstest.MapFS {
	return fstest.MapFS{"main.hcl": {Data: []byte(`
scenario "campaign" {
  title    = "A campaign"
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
` + attacks)}}
}

const campaignAttacks = `
attack "recon" {
  title  = "Static, as before"
  at     = "2m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
attack "deface" {
  title  = "Chile first"
  at     = team.country == "CL" ? "5m" : "20m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
attack "persist" {
  title  = "Later for each team"
  after  = attack.deface
  delay  = "${team.index}m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
inject "warning" {
  at      = contains(["CO", "PE"], team.country) ? "10m" : "30m"
  subject = "Partner warning"
  body    = "x"
}
inject "share" {
  at        = "6m"
  subject   = "Share it"
  body      = "x"
  countries = ["CL"]
}
`

func campaignExercise(countries ...string) *Exercise {
	ex := SampleExercise(len(countries))
	for i, c := range countries {
		ex.Teams[i].Country = c
	}
	return ex
}

func TestPerTeamTimeline(t *testing.T) {
	sc, diags := NewLoader().LoadScenarioFS(timelineScenario(campaignAttacks), ".", "campaign")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !sc.PerTeamTimeline() {
		t.Error("PerTeamTimeline() = false for a scenario whose at names team.country")
	}
	plans, diags := Plan(sc, campaignExercise("CL", "CO", "CO"))
	if diags.HasErrors() || len(plans) != 3 {
		t.Fatalf("%d plans: %v", len(plans), diags)
	}
	var got []string
	for _, p := range plans {
		var line []string
		for _, e := range p.Timeline() {
			line = append(line, fmt.Sprintf("%s %s", Clock(time.Duration(e.At)), e.Name))
		}
		got = append(got, p.Team.ID+": "+strings.Join(line, ", "))
	}
	want := []string{
		"team-1: 00:02:00 recon, 00:05:00 deface, 00:06:00 persist, 00:06:00 share, 00:30:00 warning",
		"team-2: 00:02:00 recon, 00:10:00 warning, 00:20:00 deface, 00:22:00 persist",
		"team-3: 00:02:00 recon, 00:10:00 warning, 00:20:00 deface, 00:23:00 persist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timelines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// What the engine reads: each team's own at and delay.
	if a := plans[1].Attacks[1]; a.Name != "deface" || a.At != Duration(20*time.Minute) {
		t.Errorf("team-2's deface: %+v", a)
	}
	if a := plans[2].Attacks[2]; a.Name != "persist" || a.After != "deface" || a.Delay != Duration(3*time.Minute) || a.At != 0 {
		t.Errorf("team-3's persist: %+v", a)
	}

	byTeam := TimelineByTeam(plans)
	for _, want := range []string{"CL = team-1", "team-2", "team-3", "≥00:06:00", "≥00:22:00", "≥00:23:00", "00:20:00", "—"} {
		if !strings.Contains(byTeam, want) {
			t.Errorf("timeline by team lacks %q:\n%s", want, byTeam)
		}
	}
}

func TestTimelineByTeamGroupsCountries(t *testing.T) {
	sc, diags := NewLoader().LoadScenarioFS(timelineScenario(strings.ReplaceAll(campaignAttacks, `"${team.index}m"`, `"1m"`)), ".", "campaign")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plans, diags := Plan(sc, campaignExercise("CL", "CO", "CL", "CO"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := TimelineByTeam(plans)
	want := `Timeline by team: it differs between teams
  columns: CL = team-1, team-3; CO = team-2, team-4
                   CL         CO
  attack  recon    00:02:00   00:02:00   Static, as before
  attack  deface   00:05:00   00:20:00   Chile first
  attack  persist  ≥00:06:00  ≥00:21:00  Later for each team
  inject  share    00:06:00   —          Share it
  inject  warning  00:30:00   00:10:00   Partner warning
`
	if got != want {
		t.Errorf("timeline by team:\n%s\nwant:\n%s", got, want)
	}

	// A static timeline without injects for one country is one column.
	static := campaignAttacks[:strings.Index(campaignAttacks, `attack "deface"`)]
	sc, diags = NewLoader().LoadScenarioFS(timelineScenario(static), ".", "campaign")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if sc.PerTeamTimeline() {
		t.Error("a static timeline, but PerTeamTimeline() says it is not")
	}
	plans, _ = Plan(sc, SampleExercise(3))
	want = `Timeline by team: the same for all 3 teams
                 every team
  attack  recon  00:02:00    Static, as before
`
	if got := TimelineByTeam(plans); got != want {
		t.Errorf("a static timeline:\n%s\nwant:\n%s", got, want)
	}
}

// TestPerTeamTimelineSaysOnce: a wrong value that many teams of an
// exercise share is one diagnostic, naming the first team that has it; a
// different wrong value is another. The two sample teams that validation
// plans get right values, so only the exercise's plan finds them.
func TestPerTeamTimelineSaysOnce(t *testing.T) {
	sc, diags := NewLoader().LoadScenarioFS(timelineScenario(`
attack "a" {
  title  = "Wrong for most teams"
  at     = team.index <= 2 ? "5m" : team.index < 6 ? "5 min" : "-1m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
inject "b" {
  at      = team.index <= 2 ? "5m" : "2h"
  subject = "Late for most teams"
  body    = "x"
}
`), ".", "campaign")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = Plan(sc, SampleExercise(8))
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%d: %s: %s", d.Subject.Start.Line, d.Summary, d.Detail))
	}
	sort.Strings(got)
	want := []string{
		`22: Invalid duration: For team "team-3" (CL), attack "a"'s at is "5 min", which is not a duration. Every team's value must be a number with a unit, such as "90s", "10m" or "1h30m".`,
		`22: Negative time: For team "team-6" (CO), attack "a"'s at is -1m. It is an offset from the exercise's start, zero or more: change the expression so that no team gets a negative value.`,
		`30: Beyond the scenario's end: For team "team-3" (CL), inject "b" is at 2h, after the scenario ends at 1h. Make its at smaller for that team, or make the scenario's duration longer.`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPerTeamTimelineExercise(t *testing.T) {
	ex, sc, diags := NewLoader().LoadExercise("exercises/campana-binacional.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plans, diags := Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	at := map[string]Duration{}
	for _, p := range plans {
		for _, a := range p.Attacks {
			at[p.Team.Country] = a.At
		}
	}
	if at["CL"] != Duration(3*time.Minute) || at["CO"] != Duration(6*time.Minute) {
		t.Errorf("campana-binacional: attack at %v, want CL at 3m and CO at 6m", at)
	}
}
