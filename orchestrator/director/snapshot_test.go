package director_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// drillV1 is a bundled scenario as one release ships it: an attack, an
// inject whose body is a file() read, a challenge with a hint, a host built
// from a context of the scenario's, and a scoring block with weights.
const drillV1 = `scenario "drill" {
  title    = "Drill"
  duration = "1h"
}

network "lan" {}

host "web" {
  build {
    context = "images/web"
  }
  networks = [network.lan]
  service "http" {
    port = 80
    check "tcp" {}
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}

attack "spray" {
  title     = "Password spraying"
  technique = ["T1110.003"]
  at        = "10m"
  from      = attacker.red
  target    = host.web
  run       = ["hydra", "-l", "admin", "ssh://${host.web.address}"]
  success {
    output_matches = "valid password found"
  }
}

inject "press" {
  at      = "20m"
  subject = "A journalist calls"
  body    = file("injects/press.md")
  response {
    due    = "10m"
    points = 50
  }
}

challenge "origin" {
  question = "From which address did the spraying come?"
  answer   = attacker.red.address
  points   = 40
  hint {
    text = "Read /var/log/auth.log."
    cost = 5
  }
}

scoring {
  attack {
    blocked   = 50
    succeeded = -100
  }
  weights {
    defense = 1.5
  }
}
`

// upgrade is what the next release makes of the drill: other points,
// weights, commands, file() contents and build context.
var upgrade = strings.NewReplacer(
	`"valid password found"`, `"found"`,
	`"hydra", "-l", "admin"`, `"medusa", "-u", "root"`,
	`at        = "10m"`, `at        = "5m"`,
	"points = 50", "points = 500",
	"points   = 40", "points   = 400",
	"cost = 5", "cost = 50",
	"blocked   = 50", "blocked   = 5",
	"succeeded = -100", "succeeded = -1000",
	"defense = 1.5", "defense = 3",
)

func drillLibrary(main string, press, dockerfile string) fstest.MapFS {
	return fstest.MapFS{
		"drill/main.hcl":               {Data: []byte(main), Mode: 0o644},
		"drill/injects/press.md":       {Data: []byte(press), Mode: 0o644},
		"drill/images/web/Dockerfile":  {Data: []byte(dockerfile), Mode: 0o644},
		"drill/images/web/site/a.html": {Data: []byte("<h1>v1</h1>"), Mode: 0o644},
		"drill/images/web/entrypoint":  {Data: []byte("#!/bin/sh\nexec httpd\n"), Mode: 0o755},
		"drill/README.md":              {Data: []byte("not read by the loader"), Mode: 0o644},
	}
}

// everything an exercise's points and plans come from, as text to compare.
type fixed struct {
	Plans    string
	Timeline string
	Scoring  string
	Stored   string
	Builds   []string
}

func fixedOf(t *testing.T, d *director.Director, x *director.Exercise) fixed {
	t.Helper()
	plans, err := json.Marshal(x.Plans)
	if err != nil {
		t.Fatal(err)
	}
	var timeline strings.Builder
	for _, p := range x.Plans {
		timeline.WriteString(p.String())
	}
	scoring, _ := json.Marshal(director.Scoring(x.Scenario))
	ex, err := d.Store().Exercise(context.Background(), x.Name)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(ex.Scoring)
	desired, err := orchestrator.NewDesired(x.Plans, orchestrator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var builds []string
	for _, b := range desired.Builds {
		builds = append(builds, b.Tag)
	}
	return fixed{Plans: string(plans), Timeline: timeline.String(), Scoring: string(scoring), Stored: string(stored), Builds: builds}
}

// An exercise is fixed when it is made: a bundled scenario upgraded under a
// running exercise (points, weights, an attack's command, a file() read, a
// build context) changes nothing of it after a restart: not its plans, its
// timeline, its point values nor the image it builds, and a challenge
// solved after the restart scores what it scored before.
func TestUpgradeChangesNoRunningExercise(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fixed.db")
	ctx := context.Background()
	v1 := drillLibrary(drillV1, "Tell them nothing yet.", "FROM cordillera/base:1\nCOPY site /srv\n")
	first := director.New(openStore(t, file), nil, errors.New("no Docker in this test"), director.Options{Library: v1})
	t.Cleanup(first.Close)
	x, diags, err := first.Create(ctx, director.Definition{Name: "andes", Scenario: "drill", Teams: twoTeams}, "instructor")
	if err != nil || x == nil {
		t.Fatalf("create: %v %v", err, diags)
	}
	if err := x.Engine.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	before := fixedOf(t, first, x)
	if !strings.Contains(before.Plans, "Tell them nothing yet.") || !strings.Contains(before.Plans, "hydra") || len(before.Builds) != 1 {
		t.Fatalf("the first plans lack what the test changes: %s %v", before.Plans, before.Builds)
	}
	if _, ok := x.Source.Files["README.md"]; ok {
		t.Error("the copy holds README.md, which the loader does not read")
	}
	for _, want := range []string{"main.hcl", "injects/press.md", "images/web/Dockerfile", "images/web/site/a.html", "images/web/entrypoint"} {
		if _, ok := x.Source.Files[want]; !ok {
			t.Errorf("the copy lacks %s", want)
		}
	}
	first.Close()

	// The upgrade: every point value, a command, a file() read and the
	// build context change.
	v2 := drillLibrary(upgrade.Replace(drillV1), "Tell them everything.", "FROM cordillera/base:2\nCOPY site /var/www\n")
	v2["drill/images/web/site/a.html"] = &fstest.MapFile{Data: []byte("<h1>v2</h1>"), Mode: 0o644}
	v2["drill/images/web/entrypoint"] = &fstest.MapFile{Data: []byte("#!/bin/sh\nexec httpd\n"), Mode: 0o644}
	if upgrade.Replace(drillV1) == drillV1 || strings.Count(upgrade.Replace(drillV1), "500") == 0 {
		t.Fatal("the upgrade changes nothing")
	}
	// What a fresh exercise of the upgraded scenario gets, to be sure the
	// upgrade reaches new exercises and would reach this one.
	var log bytes.Buffer
	second := director.New(openStore(t, file), nil, errors.New("no Docker in this test"), director.Options{Library: v2,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	t.Cleanup(second.Close)
	fresh, _, err := second.Create(ctx, director.Definition{Name: "fresh", Scenario: "drill", Teams: twoTeams}, "instructor")
	if err != nil {
		t.Fatal(err)
	}
	if f := fixedOf(t, second, fresh); !strings.Contains(f.Plans, "medusa") || f.Scoring == before.Scoring || f.Builds[0] == before.Builds[0] {
		t.Fatalf("a new exercise of the upgraded drill does not see the upgrade: %s %s %v", f.Plans, f.Scoring, f.Builds)
	}
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	y, ok := second.Exercise("andes")
	if !ok {
		t.Fatalf("the restarted director does not hold andes; its log:\n%s", log.String())
	}
	after := fixedOf(t, second, y)
	for _, c := range []struct{ what, before, after string }{
		{"plans (commands, file() contents, inject, challenge and hint points)", before.Plans, after.Plans},
		{"timeline", before.Timeline, after.Timeline},
		{"scoring block (attack points, weights)", before.Scoring, after.Scoring},
		{"stored scoring", before.Stored, after.Stored},
		{"built image", strings.Join(before.Builds, " "), strings.Join(after.Builds, " ")},
	} {
		if c.before != c.after {
			t.Errorf("the upgrade changed the running exercise's %s:\nbefore %s\nafter  %s", c.what, c.before, c.after)
		}
	}
	if !strings.Contains(log.String(), "the scenario has changed since the exercise was made; the exercise keeps its copy") ||
		!strings.Contains(log.String(), "injects/press.md") {
		t.Errorf("the log does not say the exercise keeps its copy of a changed scenario:\n%s", log.String())
	}

	// A challenge solved and a hint taken after the restart score the
	// points of the scenario the exercise was made from.
	team := y.Plans[0]
	answer := team.Challenges[0].Answers[0]
	if ok, err := y.Engine.Answer(ctx, team.Team.ID, "origin", answer); err != nil || !ok {
		t.Fatalf("answer %q: %v %v", answer, ok, err)
	}
	if _, err := second.Store().RecordHint(ctx, scoreboard.HintTaken{Exercise: "andes", Team: team.Team.ID, Challenge: "origin", Hint: 0,
		Cost: team.Challenges[0].Hints[0].Cost, Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	if err := second.Store().Ledger(ctx, "andes", func(e scoreboard.Entry) error {
		got[e.CauseKind] += e.RawPoints
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got[scoreboard.CauseChallenge] != 40 || got[scoreboard.CauseHint] != -5 {
		t.Errorf("after the upgrade the challenge scored %d and the hint %d; want 40 and -5, as the drill was made", got[scoreboard.CauseChallenge], got[scoreboard.CauseHint])
	}
}

// An exercise made before copies were kept (no copy in the store) is taken
// up with a copy made then, and the log says so; one whose scenario's
// scoring has changed since is refused, saying why, rather than scored from
// two scenarios.
func TestRestoreCopiesAnOlderExerciseOnce(t *testing.T) {
	ctx := context.Background()
	v1 := drillLibrary(drillV1, "Tell them nothing yet.", "FROM cordillera/base:1\n")
	file := filepath.Join(t.TempDir(), "old.db")
	first := director.New(openStore(t, file), nil, errors.New("no Docker in this test"), director.Options{Library: v1})
	t.Cleanup(first.Close)
	for _, name := range []string{"same", "rescored"} {
		if _, diags, err := first.Create(ctx, director.Definition{Name: name, Scenario: "drill", Teams: twoTeams}, "instructor"); err != nil {
			t.Fatal(err, diags)
		}
	}
	first.Close()
	// As an older Cordillera left them: no copies.
	db, err := sql.Open("sqlite3", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM scenario_copy_files; DELETE FROM scenario_copy_contexts; DELETE FROM scenario_copies"); err != nil {
		t.Fatal(err)
	}
	// One of them was made when the scoring block was another.
	if _, err := db.Exec(`UPDATE exercises SET scoring = json_set(scoring, '$.attack.blocked', 75) WHERE name = 'rescored'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var log bytes.Buffer
	second := director.New(openStore(t, file), nil, errors.New("no Docker in this test"), director.Options{Library: v1,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	t.Cleanup(second.Close)
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := second.Exercise("same"); !ok {
		t.Fatalf("the older exercise was not taken up:\n%s", log.String())
	}
	c, err := second.Store().ScenarioCopy(ctx, "same")
	if err != nil || !c.Late || c.Ref != "library:drill" {
		t.Errorf("copy of the older exercise = %+v, %v; want a late copy of library:drill", c, err)
	}
	if !strings.Contains(log.String(), "exercise made before scenarios were kept with exercises") {
		t.Errorf("the log does not say the copy was made late:\n%s", log.String())
	}
	evs, err := second.Store().LastEvents(ctx, "same", 10)
	if err != nil || !slices.ContainsFunc(evs, func(ev scoreboard.Event) bool {
		return ev.Audience == scoreboard.AudienceStaff && strings.Contains(ev.Text, "was copied now")
	}) {
		t.Errorf("no event tells the staff the copy was made late: %+v %v", evs, err)
	}
	if _, ok := second.Exercise("rescored"); ok {
		t.Error("an exercise whose scenario's scoring changed was taken up")
	}
	if !strings.Contains(log.String(), `exercise \"rescored\" was made with another scoring block than its scenario has now (attack.blocked is 50, was 75)`) {
		t.Errorf("the log does not say why rescored was not taken up:\n%s", log.String())
	}
	if _, err := second.Store().ScenarioCopy(ctx, "rescored"); !errors.Is(err, scoreboard.ErrNotFound) {
		t.Errorf("a refused exercise got a copy: %v", err)
	}
}

// An exercise adopted from files (cordillera serve --exercise) is fixed the
// same way: adopted again after its folder changed, it is the exercise
// planned from its copy.
func TestAdoptedExerciseKeepsItsFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, f := range drillLibrary(drillV1, "Tell them nothing yet.", "FROM cordillera/base:1\n") {
		write(name, string(f.Data))
	}
	exercise := []byte(`exercise "adopted" {
  scenario = "drill"
  seed     = "s"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
}
`)
	file := filepath.Join(t.TempDir(), "adopt.db")
	first := paperDirector(t, openStore(t, file))
	x, diags, err := first.Adopt(ctx, exercise, filepath.Join(dir, "drill"), "cordillera serve")
	if err != nil || x == nil {
		t.Fatal(err, diags)
	}
	before := fixedOf(t, first, x)
	first.Close()

	write("drill/main.hcl", upgrade.Replace(drillV1))
	write("drill/injects/press.md", "Tell them everything.")
	second := paperDirector(t, openStore(t, file))
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	y, _, err := second.Adopt(ctx, exercise, filepath.Join(dir, "drill"), "cordillera serve")
	if err != nil || y == nil {
		t.Fatal(err)
	}
	if held, _ := second.Exercise("adopted"); held != y {
		t.Error("adopting a held exercise again made another")
	}
	if after := fixedOf(t, second, y); !reflect.DeepEqual(after, before) {
		t.Errorf("the adopted exercise changed with its folder:\nbefore %+v\nafter  %+v", before, after)
	}
}
