package orchestrator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// checkedPlans are teamPlans whose portal serves http and plc modbus,
// both checked.
func checkedPlans() []*scenarios.TeamPlan {
	plans := teamPlans()
	for _, p := range plans {
		for i := range p.Hosts {
			h := &p.Hosts[i]
			svc := map[string]string{"portal": "http", "plc": "modbus"}[h.Name]
			h.Services = []scenarios.ServicePlan{{Name: svc, Port: 80, Protocol: "tcp",
				Check: &scenarios.CheckPlan{Type: "tcp", Host: h.Name, Service: svc, Address: h.Networks[0].Address, Port: 80, TCP: &scenarios.TCPCheck{}}}}
		}
	}
	return plans
}

func TestUpTeamsSaysEachTeamUpOnceItsActionsAreDone(t *testing.T) {
	ctx := context.Background()
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	f.Fail("cordillera-ex-team-2-red", errors.New("boom"))
	var mu sync.Mutex
	var lastAction = map[string]int{}
	done := 0
	w := &watcher{t: t, mu: &mu, done: &done, last: lastAction, scorebotAction: map[string]int{}}
	_, err := orchestrator.UpTeams(ctx, f, d, func(ev orchestrator.Event) {
		mu.Lock()
		defer mu.Unlock()
		done++
		lastAction[ev.Action.Key.Team] = done
		if ev.Action.Key.Role == orchestrator.RoleScorebot {
			w.scorebotAction[ev.Action.Key.Team] = done
		}
	}, w)
	if err == nil {
		t.Fatal("UpTeams: no error for team-2's attacker")
	}
	if !slices.Equal(w.up, []string{"team-1"}) {
		t.Errorf("teams said up: %v; want team-1 only (team-2's attacker failed)", w.up)
	}
	if slices.Sort(w.bots); !slices.Equal(w.bots, []string{"team-1", "team-2"}) {
		t.Errorf("scorebots said up: %v; want both teams'", w.bots)
	}

	// Nothing to do: every team and scorebot is up at once.
	f.Fail("cordillera-ex-team-2-red", nil)
	if _, err := orchestrator.Up(ctx, f, d, nil); err != nil {
		t.Fatal(err)
	}
	w2 := &watcher{t: t, mu: &mu, done: new(int), last: map[string]int{}}
	if _, err := orchestrator.UpTeams(ctx, f, d, nil, w2); err != nil {
		t.Fatal(err)
	}
	if slices.Sort(w2.up); !slices.Equal(w2.up, []string{"team-1", "team-2"}) || len(w2.bots) != 2 {
		t.Errorf("with nothing to do: teams up %v, scorebots up %v; want both of each", w2.up, w2.bots)
	}
}

// watcher records what UpTeams tells, checking that a team is said up
// just after its last action, and its scorebot just after it was created.
type watcher struct {
	t              *testing.T
	mu             *sync.Mutex
	done           *int
	last           map[string]int
	scorebotAction map[string]int
	up, bots       []string
}

func (w *watcher) ScorebotUp(team string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n, ok := w.scorebotAction[team]; ok && n != *w.done {
		w.t.Errorf("team %s's scorebot said up after action %d, but it was created by action %d", team, *w.done, n)
	}
	w.bots = append(w.bots, team)
}

func (w *watcher) TeamUp(team string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last[team] != *w.done {
		w.t.Errorf("team %s said up after action %d, but its last action was %d", team, *w.done, w.last[team])
	}
	w.up = append(w.up, team)
}

func TestReadiness(t *testing.T) {
	ctx := context.Background()
	plans := checkedPlans()
	d := desired(t, plans)
	f := fakeWithImages(d)
	if _, err := orchestrator.Up(ctx, f, d, nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	tries := map[string]int{}
	// team-1's portal passes from its third try; its plc never does;
	// team-2's scorebot cannot run checks at all.
	check := func(_ context.Context, bot string, checks []scenarios.CheckPlan) ([]probe.Result, error) {
		c, _ := f.Container(bot)
		team := c.Labels[orchestrator.LabelTeam]
		if team == "team-2" {
			return nil, errors.New("lost the stream to the agent")
		}
		mu.Lock()
		defer mu.Unlock()
		var rs []probe.Result
		for _, c := range checks {
			tries[c.Host]++
			up := c.Host == "portal" && tries[c.Host] >= 3
			rs = append(rs, probe.Result{Up: up, Detail: fmt.Sprintf("try %d", tries[c.Host])})
		}
		return rs, nil
	}
	var passed []string
	r := orchestrator.NewReadiness(ctx, f, plans, check, func(c orchestrator.CheckResult) {
		passed = append(passed, c.Team+" "+c.Host+"/"+c.Service+" "+c.Detail)
	})
	r.ScorebotUp("team-1")
	r.TeamUp("team-1")
	failing, err := r.Wait(4 * time.Second)
	if err == nil {
		t.Fatal("Wait: no error with checks failing")
	}
	if !slices.Equal(passed, []string{"team-1 portal/http try 3"}) {
		t.Errorf("passed: %q", passed)
	}
	var got []string
	for _, c := range failing {
		got = append(got, c.String())
	}
	want := []string{
		`team "team-1" plc/modbus: try `,
		`team "team-2" portal/http: the scorebot could not run the check: lost the stream to the agent`,
		`team "team-2" plc/modbus: the scorebot could not run the check: lost the stream to the agent`,
	}
	if len(got) != len(want) {
		t.Fatalf("failing: %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("failing[%d] = %q, want %q…", i, got[i], want[i])
		}
	}
	if tries["portal"] != 3 {
		t.Errorf("portal checked %d times; a check that passed must not run again", tries["portal"])
	}
}

func TestReadinessWithoutScorebot(t *testing.T) {
	plans := checkedPlans()
	f := orchestratortest.New() // nothing deployed
	check := func(context.Context, string, []scenarios.CheckPlan) ([]probe.Result, error) {
		t.Error("a check ran with no scorebot")
		return nil, nil
	}
	failing, err := orchestrator.NewReadiness(context.Background(), f, plans, check, nil).Wait(1500 * time.Millisecond)
	if err == nil || len(failing) != 4 || !strings.Contains(failing[0].Detail, "no running scorebot container: run up first") {
		t.Errorf("Wait = %v, %v", failing, err)
	}
}
