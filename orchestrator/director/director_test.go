package director_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func openStore(t *testing.T, file string) *scoreboard.Store {
	t.Helper()
	s, err := scoreboard.Open(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func paperDirector(t *testing.T, store *scoreboard.Store) *director.Director {
	t.Helper()
	d := director.New(store, nil, errors.New("no Docker in this test"), director.Options{})
	t.Cleanup(d.Close)
	return d
}

var twoTeams = []director.TeamDefinition{
	{ID: "cl-csirt", Name: "CSIRT de Gobierno", Country: "CL"},
	{ID: "co-colcert", Name: "colCERT", Country: "CO"},
}

func TestCreateChecksTheDefinition(t *testing.T) {
	d := paperDirector(t, openStore(t, filepath.Join(t.TempDir(), "c.db")))
	ctx := context.Background()
	for _, tc := range []struct {
		def   director.Definition
		field string
		says  string
	}{
		{director.Definition{Name: "Bad Name", Scenario: "water-utility", Teams: twoTeams}, "name", "lower-case"},
		{director.Definition{Name: "compare", Scenario: "water-utility", Teams: twoTeams}, "name", "page of the web interface"},
		{director.Definition{Name: "ok", Scenario: "", Teams: twoTeams}, "scenario", "choose a scenario"},
		{director.Definition{Name: "ok", Scenario: "atlantis", Teams: twoTeams}, "scenario", `no scenario "atlantis"`},
		{director.Definition{Name: "ok", Scenario: "water-utility"}, "teams", "at least one team"},
		{director.Definition{Name: "ok", Scenario: "water-utility", Speed: 5000, Teams: twoTeams}, "speed", "from 0.1 to"},
		{director.Definition{Name: "ok", Scenario: "water-utility", Teams: []director.TeamDefinition{twoTeams[0], twoTeams[0]}}, "teams[1].id", "two teams"},
		{director.Definition{Name: "ok", Scenario: "water-utility", Teams: []director.TeamDefinition{{ID: "a", Name: "A", Country: "Chile"}}}, "teams[0].country", "two capital letters"},
		{director.Definition{Name: "ok", Scenario: "water-utility", Teams: []director.TeamDefinition{{ID: "a", Name: " ", Country: "CL"}}}, "teams[0].name", "give the team a name"},
	} {
		_, _, err := d.Create(ctx, tc.def, "instructor")
		var fe *director.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.says) || !errors.Is(err, director.ErrInvalid) {
			t.Errorf("Create(%+v) = %v; want a field error on %s saying %q", tc.def, err, tc.field, tc.says)
		}
	}
	if exs, _ := d.Store().Exercises(ctx); len(exs) != 0 {
		t.Errorf("refused definitions stored exercises: %v", exs)
	}
}

// A server restarted on the same file takes its exercises up again, with
// the same plans: the same secrets and addresses.
func TestRestoreTakesExercisesUpAgain(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.db")
	ctx := context.Background()
	first := paperDirector(t, openStore(t, file))
	x, diags, err := first.Create(ctx, director.Definition{Name: "andes", Title: "Andes \"2026\"", Scenario: "water-utility", Speed: 2, Teams: twoTeams}, "instructor")
	if err != nil {
		t.Fatalf("create: %v %v", err, diags)
	}
	if _, _, err := first.Create(ctx, director.Definition{Name: "andes", Scenario: "water-utility", Teams: twoTeams}, "instructor"); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second exercise of the same name: %v; want refused", err)
	}
	before, _ := json.Marshal(x.Plans)
	first.Close()

	second := paperDirector(t, openStore(t, file))
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	y, ok := second.Exercise("andes")
	if !ok {
		t.Fatal("the restarted director does not hold andes")
	}
	after, _ := json.Marshal(y.Plans)
	if string(before) != string(after) {
		t.Error("the restarted director planned andes differently (other secrets or addresses)")
	}
	if y.Spec.Title != `Andes "2026"` || y.Spec.Speed != 2 || len(y.Plans) != 2 || y.ScenarioRef != "library:water-utility" {
		t.Errorf("restored exercise = %q ×%g %d teams from %s", y.Spec.Title, y.Spec.Speed, len(y.Plans), y.ScenarioRef)
	}
	if err := second.Deploy(ctx, "andes", "instructor"); !errors.Is(err, director.ErrNoRuntime) || !strings.Contains(err.Error(), "no Docker in this test") {
		t.Errorf("deploy without a runtime: %v; want ErrNoRuntime saying why", err)
	}
}

const goodScenario = `scenario "lab" {
  title    = "Lab"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}
`

func TestUploadedScenarios(t *testing.T) {
	d := paperDirector(t, openStore(t, filepath.Join(t.TempDir(), "u.db")))
	ctx := context.Background()

	bad := strings.Replace(goodScenario, "networks = [network.lan]", "networks = [network.wan]", 1)
	diags, stored, err := d.SaveScenario(ctx, "lab", []byte(bad), "instructor")
	if err != nil || stored || len(diags) == 0 {
		t.Fatalf("a broken scenario: stored %v, %v, %v", stored, diags, err)
	}
	if !slices.ContainsFunc(diags, func(d scenarios.Diagnostic) bool {
		return d.File == director.UploadedFile("lab") && d.Line == 10 && d.Severity == "error"
	}) {
		t.Errorf("diagnostics = %+v; want an error on line 10 of %s", diags, director.UploadedFile("lab"))
	}
	if _, err := d.ScenarioSource(ctx, "lab"); !errors.Is(err, director.ErrUnknown) {
		t.Errorf("the broken scenario was stored: %v", err)
	}
	for name, want := range map[string]string{"water-utility": "bundled", "../etc": "not a valid", "": "not a valid"} {
		if _, _, err := d.SaveScenario(ctx, name, []byte(goodScenario), "instructor"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("scenario named %q: %v; want refused (%s)", name, err, want)
		}
	}
	if _, _, err := d.SaveScenario(ctx, "lab", []byte{0xff, 0xfe}, "instructor"); err == nil {
		t.Error("a scenario that is not UTF-8 was taken")
	}

	if diags, stored, err := d.SaveScenario(ctx, "lab", []byte(goodScenario), "instructor"); err != nil || !stored {
		t.Fatalf("a good scenario: stored %v, %v, %v", stored, diags, err)
	}
	src, err := d.ScenarioSource(ctx, "lab")
	if err != nil || src != goodScenario {
		t.Errorf("source = %q, %v", src, err)
	}
	list, err := d.Scenarios(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, fmt.Sprintf("%s:%v", s.Name, s.Uploaded))
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "water-utility:false") || !strings.HasSuffix(got, "lab:true") {
		t.Errorf("scenarios = %s; want the bundled ones, then lab", got)
	}
	x, diags, err := d.Create(ctx, director.Definition{Name: "lab-1", Scenario: "lab", Teams: twoTeams[:1]}, "instructor")
	if err != nil || x == nil {
		t.Fatalf("exercise of an uploaded scenario: %v %v", err, diags)
	}
	if x.ScenarioRef != "uploaded:lab" || x.Plans[0].Hosts[0].Name != "web" {
		t.Errorf("exercise made of %s, hosts %v", x.ScenarioRef, x.Plans[0].Hosts)
	}
}

var (
	engineOnce sync.Once
	engineErr  error
	pool       netip.Prefix
)

// needDocker builds the test image and picks an address pool once, or ends
// the test: skipped with CORDILLERA_NO_DOCKER=1, failed otherwise.
func needDocker(t *testing.T) *docker.Runtime {
	t.Helper()
	if os.Getenv("CORDILLERA_NO_DOCKER") == "1" {
		t.Skip("CORDILLERA_NO_DOCKER=1: not testing against a Docker engine")
	}
	engineOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		engine, err := dockertest.Client()
		if err != nil {
			engineErr = err
			return
		}
		defer engine.Close()
		if _, engineErr = dockertest.BuildImage(ctx, engine); engineErr != nil {
			return
		}
		pool, engineErr = dockertest.FreePool(ctx, engine, netip.MustParsePrefix("10.192.0.0/12"))
	})
	if engineErr != nil {
		t.Fatalf("%v\nThese tests need a Docker engine; set CORDILLERA_NO_DOCKER=1 to skip them.", engineErr)
	}
	rt, err := docker.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// waitOperation waits for the exercise's operation to end and returns it.
func waitOperation(t *testing.T, d *director.Director, name string) director.Operation {
	t.Helper()
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if op, ok := d.Operation(name); ok && !op.Running() {
			return op
		}
	}
	t.Fatalf("the operation on %s did not end", name)
	return director.Operation{}
}

// The real path of the web interface: a range deployed in the background
// with progress, its grid, a terminal on a host, a host reset, the engine
// driven, and the range torn down.
func TestDeployTerminalResetTearDown(t *testing.T) {
	rt := needDocker(t)
	ctx := context.Background()
	dir, err := filepath.Abs(filepath.Join("testdata", "range"))
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("dir-%d", time.Now().UnixNano()%1e6)
	src := fmt.Sprintf(`exercise %q {
  scenario     = %q
  seed         = "director-test"
  address_pool = %q
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
`, name, dir, pool)
	m := metrics.New(metrics.Options{})
	d := director.New(openStore(t, filepath.Join(t.TempDir(), "d.db")), rt, nil, director.Options{Wait: time.Minute, ScorebotImage: dockertest.Image,
		Engine: engine.Options{Metrics: m}})
	t.Cleanup(func() {
		d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		orchestrator.Down(ctx, rt, name, nil)
	})
	if x, diags, err := d.Adopt(ctx, []byte(src), dir, "test"); err != nil || x == nil {
		t.Fatalf("adopt: %v %v", err, diags)
	}

	if err := d.Deploy(ctx, name, "instructor"); err != nil {
		t.Fatal(err)
	}
	if err := d.Deploy(ctx, name, "instructor"); !errors.Is(err, director.ErrBusy) {
		t.Errorf("a second deploy under way: %v; want ErrBusy", err)
	}
	op := waitOperation(t, d, name)
	lines := strings.Join(op.Lines, "\n")
	if op.Err != "" || op.Done != op.Total || op.Total == 0 || !strings.Contains(lines, "Every check passes.") {
		t.Fatalf("deploy: %d/%d, err %q:\n%s", op.Done, op.Total, op.Err, lines)
	}
	if n := deploysCounted(t, m, name, "ok"); n != 1 {
		t.Errorf("deploys counted for /metrics: %d; want the one that finished", n)
	}

	g, err := d.Grid(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Teams) != 2 || len(g.Teams[0].Hosts) != 3 {
		t.Fatalf("grid = %+v", g)
	}
	for _, h := range g.Teams[0].Hosts {
		if h.State != "running" {
			t.Errorf("host %s is %s", h.Name, h.State)
		}
	}

	// A terminal on cl-1's box runs what is typed and says how it ended.
	sess, err := d.Terminal(ctx, name, "cl-1", "box", orchestrator.TermSize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(sess, "echo marker-$((6*7)); stty size; exit 3\n")
	out, _ := io.ReadAll(sess)
	code, err := sess.Wait(ctx)
	if err != nil || code != 3 || !strings.Contains(string(out), "marker-42") || !strings.Contains(string(out), "30 100") {
		t.Errorf("terminal: exit %d (%v), output %q", code, err, out)
	}
	if _, err := d.Terminal(ctx, name, "cl-1", "nowhere", orchestrator.TermSize{}); !errors.Is(err, director.ErrInvalid) {
		t.Errorf("terminal on a host that does not exist: %v", err)
	}
	// One engine has no other node to move a team to, and no nodes to show.
	if err := d.MoveTeam(ctx, name, "cl-1", "node-2", "instructor"); !errors.Is(err, director.ErrInvalid) || !strings.Contains(err.Error(), "one engine") {
		t.Errorf("moving a team on one engine: %v; want ErrInvalid saying there is one engine", err)
	}
	if nodes, ok, err := d.Nodes(ctx); ok || nodes != nil || err != nil {
		t.Errorf("nodes of one engine: %v, %v, %v; want none, not a cluster", nodes, ok, err)
	}
	if len(g.Nodes) != 0 || g.Teams[0].Node != "" {
		t.Errorf("the grid of one engine shows nodes: %+v, team on %q", g.Nodes, g.Teams[0].Node)
	}

	// A reset host is a new container that lost what was changed.
	sess, err = d.Terminal(ctx, name, "co-1", "box", orchestrator.TermSize{})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(sess, "touch /tmp/changed; exit\n")
	io.ReadAll(sess)
	sess.Wait(ctx)
	if err := d.ResetHost(ctx, name, "co-1", "box", "instructor"); err != nil {
		t.Fatal(err)
	}
	sess, err = d.Terminal(ctx, name, "co-1", "box", orchestrator.TermSize{})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(sess, "test -e /tmp/changed && echo still-there || echo gone-now; exit\n")
	out, _ = io.ReadAll(sess)
	sess.Wait(ctx)
	if !strings.Contains(string(out), "gone-now") {
		t.Errorf("after a reset: %q", out)
	}

	// Started, the engine runs rounds: the grid shows the services up.
	if err := d.TearDown(ctx, name, "instructor"); err != nil {
		t.Fatal(err) // not running yet: allowed
	}
	waitOperation(t, d, name)
	if err := d.Deploy(ctx, name, "instructor"); err != nil {
		t.Fatal(err)
	}
	if op := waitOperation(t, d, name); op.Err != "" {
		t.Fatalf("redeploy: %s", op.Err)
	}
	if err := d.Start(ctx, name, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	x, _ := d.Exercise(name)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		g, err := d.Grid(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if s := g.Teams[1].Hosts[0].Services; len(s) == 1 && s[0].Round > 0 && s[0].Up && x.Driven() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no round checked co-1's web: %+v", g.Teams[1].Hosts[0])
		}
	}
	if err := d.TearDown(ctx, name, "instructor"); !errors.Is(err, director.ErrInvalid) || !strings.Contains(err.Error(), "pause or end") {
		t.Errorf("tearing down a running exercise: %v; want refused", err)
	}
	eng, _ := d.Engine(name)
	if err := eng.End(ctx, "instructor", "test over"); err != nil {
		t.Fatal(err)
	}
	if err := d.TearDown(ctx, name, "instructor"); err != nil {
		t.Fatal(err)
	}
	if op := waitOperation(t, d, name); op.Err != "" || op.Kind != director.OpTearDown {
		t.Fatalf("teardown: %+v", op)
	}
	o, err := orchestrator.Observe(ctx, rt, name)
	if err != nil || len(o.Containers)+len(o.Networks) != 0 {
		t.Errorf("after teardown: %v, %d containers, %d networks", err, len(o.Containers), len(o.Networks))
	}
}

// deploysCounted is how many deploys of an exercise m's duration histogram
// holds with that result.
func deploysCounted(t *testing.T, m *metrics.Metrics, exercise, result string) uint64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "cordillera_deploy_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["exercise"] == exercise && labels["result"] == result {
				return s.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}
