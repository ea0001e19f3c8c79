package deploy_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/scenarios"
)

var baseImages = []string{"cordillera/target-web:1", "cordillera/attacker:1", orchestrator.DefaultScorebotImage, "debian:bookworm-slim"}

func newRange(t *testing.T, built bool) *deploy.Range {
	t.Helper()
	r, err := deploy.New(teamPlans(built), orchestrator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recorder keeps a deploy's events, and where Applied fell among them.
type recorder struct {
	mu      sync.Mutex
	events  []deploy.Event
	applied int // index of the first event after Applied; -1 before
}

func newRecorder() *recorder { return &recorder{applied: -1} }

func (r *recorder) report(ev deploy.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) steps() []deploy.Step {
	var s []deploy.Step
	for _, ev := range r.events {
		s = append(s, ev.Step)
	}
	return s
}

// checkTeam answers every check of a team with up, as the team's agent
// would; nil checks start the agent.
func checkTeam(f *fake, up func(team string) bool, seen func(team string)) orchestrator.Checker {
	return func(_ context.Context, bot string, checks []scenarios.CheckPlan) ([]probe.Result, error) {
		c, _ := f.Container(bot)
		team := c.Labels[orchestrator.LabelTeam]
		if len(checks) == 0 {
			return nil, nil
		}
		if seen != nil {
			seen(team)
		}
		var rs []probe.Result
		for range checks {
			if up(team) {
				rs = append(rs, probe.Result{Up: true, Detail: "connected"})
			} else {
				rs = append(rs, probe.Result{Detail: "connection refused"})
			}
		}
		return rs, nil
	}
}

func always(string) bool { return true }

func TestDeployReadiesTheImagesOnceThenCreatesThenWaits(t *testing.T) {
	r := newRange(t, true)
	tag := r.Desired.Builds[0].Tag
	f := newFake(baseImages...)
	rec := newRecorder()
	var calls []string
	plan, err := deploy.Deploy(context.Background(), f, r, deploy.Options{
		Wait: 10 * time.Second, Check: checkTeam(f, always, nil), Report: rec.report,
		Applied: func(p orchestrator.Plan) error {
			rec.applied = len(rec.events) // in turn with Report: no lock needed
			calls = f.Calls()
			if len(p.Actions) != 8 {
				t.Errorf("Applied with %d actions, want 8", len(p.Actions))
			}
			return nil
		},
	})
	if err != nil || len(plan.Actions) != 8 {
		t.Fatalf("deploy: %v, %d actions; want 8", err, len(plan.Actions))
	}

	// The images are looked at once, all before anything is created, and
	// the built one is built once; nothing looks at them after.
	firstCreate := slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, "create ") })
	for i, c := range calls {
		if strings.HasPrefix(c, "image exists ") && i > firstCreate {
			t.Errorf("call %d, %q, after the first create (%d): %q", i, c, firstCreate, calls)
		}
	}
	for _, image := range []string{"cordillera/attacker:1", orchestrator.DefaultScorebotImage} {
		if n := countOf(calls, "image exists "+image); n != 1 {
			t.Errorf("image %s looked at %d times, want once: %q", image, n, calls)
		}
	}
	if n := countOf(calls, "build image "+tag); n != 1 {
		t.Errorf("%s built %d times, want once: %q", tag, n, calls)
	}

	// Images, the build's lines, built, the actions, then, past Applied,
	// the wait and every check passing; the checks pass as the teams come.
	steps := rec.steps()
	if steps[0] != deploy.StepImages || steps[len(steps)-1] != deploy.StepAllReady {
		t.Errorf("steps %v; want images first, every check passing last", steps)
	}
	built := slices.Index(steps, deploy.StepBuilt)
	if built < 0 || !slices.Equal(rec.events[built].Built, []string{tag}) || !strings.Contains(rec.events[1].Line, "[1/1] building "+tag) {
		t.Errorf("events %+v; want the build's lines, then %s built", rec.events[:max(built+1, 1)], tag)
	}
	if n := countOf(steps, deploy.StepAction); n != 8 || slices.Index(steps, deploy.StepAction) < built {
		t.Errorf("steps %v; want 8 actions, after the images", steps)
	}
	if rec.applied < 0 || slices.Contains(steps[rec.applied:], deploy.StepAction) || slices.Index(steps, deploy.StepWait) < rec.applied {
		t.Errorf("steps %v, Applied before %d; want Applied after the last action, the wait after it", steps, rec.applied)
	}
	if n := countOf(steps, deploy.StepReady); n != 2 {
		t.Errorf("%d checks said to pass, want both teams' web/http: %v", n, steps)
	}
}

func TestDeployChecksATeamWhileOthersAreCreated(t *testing.T) {
	r := newRange(t, false)
	f := newFake(baseImages...)
	// team-2's web is created only once team-1's checks have run: they
	// must start as soon as team-1's containers run.
	team1Checked := make(chan struct{})
	f.Hold("cordillera-ex-team-2-web", team1Checked)
	var once sync.Once
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := newRecorder()
	_, err := deploy.Deploy(ctx, f, r, deploy.Options{Wait: 10 * time.Second, Report: rec.report,
		Check: checkTeam(f, always, func(team string) {
			if team == "team-1" {
				once.Do(func() { close(team1Checked) })
			}
		})})
	if err != nil {
		t.Fatalf("deploy: %v (team-1 was not checked while team-2 was being created)", err)
	}
	ready1 := slices.IndexFunc(rec.events, func(ev deploy.Event) bool { return ev.Step == deploy.StepReady && ev.Check.Team == "team-1" })
	web2 := slices.IndexFunc(rec.events, func(ev deploy.Event) bool {
		return ev.Step == deploy.StepAction && ev.Action.Action.Name == "cordillera-ex-team-2-web"
	})
	if ready1 < 0 || web2 < 0 || ready1 > web2 {
		t.Errorf("team-1's check passed at event %d, team-2's web was created at %d; want the check first", ready1, web2)
	}
}

func TestDeployWithAnImageMissingCreatesNothing(t *testing.T) {
	r := newRange(t, false)
	f := newFake(orchestrator.DefaultScorebotImage, "cordillera/target-web:1")
	rec := newRecorder()
	_, err := deploy.Deploy(context.Background(), f, r, deploy.Options{Wait: time.Second, Report: rec.report,
		Check: func(context.Context, string, []scenarios.CheckPlan) ([]probe.Result, error) {
			t.Error("a check ran with an image missing")
			return nil, nil
		}})
	if !errors.Is(err, orchestrator.ErrImageMissing) || !strings.Contains(err.Error(), "cordillera/attacker:1") {
		t.Errorf("deploy: %v; want the attacker's image missing", err)
	}
	if calls := f.Calls(); slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "create ") }) {
		t.Errorf("created with an image missing: %q", calls)
	}
	if steps := rec.steps(); !slices.Equal(steps, []deploy.Step{deploy.StepImages}) {
		t.Errorf("steps %v; want the images only", steps)
	}
}

func TestDeploySaysTheChecksNotPassing(t *testing.T) {
	r := newRange(t, false)
	f := newFake(baseImages...)
	rec := newRecorder()
	_, err := deploy.Deploy(context.Background(), f, r, deploy.Options{Wait: 300 * time.Millisecond, Report: rec.report,
		Check: checkTeam(f, func(team string) bool { return team == "team-1" }, nil)})
	var nr *deploy.NotReadyError
	if !errors.Is(err, deploy.ErrNotReady) || !errors.As(err, &nr) {
		t.Fatalf("deploy: %v; want not ready", err)
	}
	want := []orchestrator.CheckResult{{Team: "team-2", Host: "web", Service: "http", Detail: "connection refused"}}
	if !slices.Equal(nr.Failing, want) || err.Error() != "1 checks not passing when the time ran out" {
		t.Errorf("failing %+v (%v); want %+v", nr.Failing, err, want)
	}
	var notReady, ready []orchestrator.CheckResult
	for _, ev := range rec.events {
		switch ev.Step {
		case deploy.StepNotReady:
			notReady = append(notReady, ev.Check)
		case deploy.StepReady:
			ready = append(ready, ev.Check)
		case deploy.StepAllReady:
			t.Error("every check said to pass")
		}
	}
	if !slices.Equal(notReady, want) || len(ready) != 1 || ready[0].Team != "team-1" {
		t.Errorf("said not ready %+v, ready %+v; want team-2's and team-1's web", notReady, ready)
	}
}

func TestDeployWithoutWaitRunsNoCheck(t *testing.T) {
	r := newRange(t, false)
	f := newFake(baseImages...)
	never := func(context.Context, string, []scenarios.CheckPlan) ([]probe.Result, error) {
		t.Error("a check ran with no wait")
		return nil, nil
	}
	for i, want := range []int{8, 0} {
		rec := newRecorder()
		var applied *orchestrator.Plan
		plan, err := deploy.Deploy(context.Background(), f, r, deploy.Options{Check: never, Report: rec.report,
			Applied: func(p orchestrator.Plan) error { applied = &p; return nil }})
		if err != nil || len(plan.Actions) != want || applied == nil || len(applied.Actions) != want {
			t.Errorf("deploy %d: %v, %d actions; want %d, and Applied with them", i+1, err, len(plan.Actions), want)
		}
		if steps := rec.steps(); slices.Contains(steps, deploy.StepWait) || slices.Contains(steps, deploy.StepAllReady) {
			t.Errorf("deploy %d: steps %v; want no wait", i+1, steps)
		}
	}
}

func TestDeployEndsWhereAppliedFails(t *testing.T) {
	r := newRange(t, false)
	f := newFake(baseImages...)
	rec := newRecorder()
	boom := errors.New("cannot list")
	_, err := deploy.Deploy(context.Background(), f, r, deploy.Options{Wait: 10 * time.Second, Report: rec.report,
		Check: checkTeam(f, always, nil), Applied: func(orchestrator.Plan) error { return boom }})
	if !errors.Is(err, boom) {
		t.Errorf("deploy: %v; want Applied's error", err)
	}
	if steps := rec.steps(); slices.Contains(steps, deploy.StepWait) {
		t.Errorf("steps %v; want no wait after Applied failed", steps)
	}
}

func TestMoveWaitsForTheTeamMoved(t *testing.T) {
	r := newRange(t, false)
	f := newFake(baseImages...)
	if _, err := deploy.Deploy(context.Background(), f, r, deploy.Options{}); err != nil {
		t.Fatal(err)
	}
	before := len(f.Calls())
	var mu sync.Mutex
	var checked []string
	rec := newRecorder()
	plan, err := deploy.Move(context.Background(), f, r, "team-1", "node-2", deploy.Options{Wait: 10 * time.Second, Report: rec.report,
		Check: checkTeam(f, always, func(team string) { mu.Lock(); checked = append(checked, team); mu.Unlock() })})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()[before:]
	if calls[0] != "pin team-1 on node-2" || slices.ContainsFunc(calls, func(c string) bool { return strings.Contains(c, "team-2") }) {
		t.Errorf("calls %q; want team-1 pinned, then moved alone", calls)
	}
	if len(plan.Actions) != 6 || countOf(rec.steps(), deploy.StepAction) != 6 {
		t.Errorf("plan:\n%s\nsteps %v; want team-1's 3 containers removed and created again", plan, rec.steps())
	}
	if checked = slices.Compact(checked); !slices.Equal(checked, []string{"team-1"}) {
		t.Errorf("checked %q; want team-1 only", checked)
	}
	if steps := rec.steps(); steps[len(steps)-1] != deploy.StepAllReady {
		t.Errorf("steps %v; want every check of team-1 passing last", steps)
	}
}

func TestResetBuildsTheHostsImageFirst(t *testing.T) {
	r := newRange(t, true)
	tag := r.Desired.Builds[0].Tag
	f := newFake(baseImages...)
	if _, err := deploy.Deploy(context.Background(), f, r, deploy.Options{}); err != nil {
		t.Fatal(err)
	}
	f.RemoveImages(tag)
	for i, wantBuilt := range [][]string{{tag}, nil} {
		before := len(f.Calls())
		rec := newRecorder()
		if err := deploy.Reset(context.Background(), f, r, "team-1", "web", deploy.Options{Report: rec.report}); err != nil {
			t.Fatalf("reset %d: %v", i+1, err)
		}
		calls := f.Calls()[before:]
		if n := countOf(calls, "build image "+tag); n != len(wantBuilt) {
			t.Errorf("reset %d: %s built %d times, want %d: %q", i+1, tag, n, len(wantBuilt), calls)
		}
		if !slices.Contains(calls, "remove container cordillera-ex-team-1-web") || calls[len(calls)-1] != "create container cordillera-ex-team-1-web" {
			t.Errorf("reset %d: calls %q; want team-1's web removed and created again", i+1, calls)
		}
		steps := rec.steps()
		if len(steps) == 0 || steps[len(steps)-1] != deploy.StepBuilt || !slices.Equal(rec.events[len(steps)-1].Built, wantBuilt) {
			t.Errorf("reset %d: events %+v; want the build's lines, then %q built", i+1, rec.events, wantBuilt)
		}
	}
	if err := deploy.Reset(context.Background(), f, r, "team-1", "nope", deploy.Options{}); !errors.Is(err, orchestrator.ErrNotFound) {
		t.Errorf("reset of a host the team lacks: %v; want ErrNotFound", err)
	}
}

func TestPlanGivesThePoolFirst(t *testing.T) {
	sc, diags := scenarios.NewLoader().LoadScenarioFS(scenarios.Library(), "water-utility", "library/water-utility")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ex := scenarios.SampleExercise(2)
	pool := netip.MustParsePrefix("10.200.0.0/16")
	plans, diags, err := deploy.Plan(sc, ex, func(_ *scenarios.Scenario, ex *scenarios.Exercise) error {
		ex.AddressPool = pool.String()
		return nil
	})
	if err != nil || diags.HasErrors() || len(plans) != 2 {
		t.Fatalf("plan: %v %v, %d plans", err, diags, len(plans))
	}
	for _, p := range plans {
		for _, n := range p.Networks {
			if !pool.Contains(n.Subnet.Addr()) {
				t.Errorf("team %s network %s at %s, outside the pool %s", p.Team.ID, n.Name, n.Subnet, pool)
			}
		}
	}
	boom := errors.New("no free pool")
	if plans, _, err := deploy.Plan(sc, ex, func(*scenarios.Scenario, *scenarios.Exercise) error { return boom }); !errors.Is(err, boom) || plans != nil {
		t.Errorf("plan with the pool failing: %v, %d plans; want the pool's error and no plans", err, len(plans))
	}
}

func countOf[T comparable](s []T, v T) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
