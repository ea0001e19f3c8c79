package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestALostAgentCostsNoRound kills co's agent while its round runs: that
// round is not scored (no false failure), the team and the staff are told
// once, and the next round starts a new agent and is scored again.
func TestALostAgentCostsNoRound(t *testing.T) {
	r, rounds := roundOne(t)
	ctx := context.Background()

	// co's checks hang until its agent is killed.
	inRound := make(chan struct{}, 16)
	r.rt.mu.Lock()
	r.rt.check = func(ctx context.Context, team string, c probe.Check) probe.Result {
		if team == "co" {
			inRound <- struct{}{}
			<-ctx.Done() // a check that hangs until its agent ends
		}
		return probe.Result{Up: true, Detail: "open"}
	}
	r.rt.mu.Unlock()
	r.clock.Advance(30 * time.Second)
	<-inRound
	r.rt.killAgents("co")
	r.eventually("the staff told", func() bool { return r.said("could not run round 2 (not scored)") })
	r.eventually("cl's round 2", func() bool { return rounds()["cl"].Number == 2 })
	if got := rounds()["co"].Number; got != 1 {
		t.Errorf("co's last scored round is %d; round 2 was lost with its agent and must not be scored", got)
	}

	r.rt.mu.Lock()
	r.rt.check = nil
	started := r.rt.agents
	r.rt.mu.Unlock()
	r.clock.Advance(30 * time.Second)
	r.eventually("co's round 3", func() bool { return rounds()["co"].Number == 3 })
	r.eventually("the team told", func() bool { return r.said("checks your services again") })
	r.rt.mu.Lock()
	again := r.rt.agents
	r.rt.mu.Unlock()
	if again <= started {
		t.Errorf("agents started: %d before round 3, %d after; want a new agent for co", started, again)
	}
	results, err := r.store.CheckHistory(ctx, r.ex.Name, "co")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range results {
		if !c.Up {
			t.Errorf("co's %s/%s round %d recorded down (%s): a lost agent is no failure", c.Host, c.Service, c.Round, c.Detail)
		}
		if c.Round == 2 {
			t.Errorf("co's round 2 was recorded: %+v", c)
		}
	}
	var told int
	for _, ev := range r.events() {
		if ev.Team == "co" && strings.Contains(ev.Text, "could not check your services") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("co was told %d times that its rounds are not scored; want once", told)
	}
	if n := r.counted("cordillera_engine_errors_total", map[string]string{"exercise": r.ex.Name, "kind": metrics.KindScorebot}); n < 1 {
		t.Errorf("engine errors of kind scorebot counted %v; want the lost round counted", n)
	}
	if n := r.counted("cordillera_engine_errors_total", map[string]string{"exercise": r.ex.Name, "kind": metrics.KindRecordRound}); n != 0 {
		t.Errorf("engine errors of kind record_round counted %v; want none (every round was recorded)", n)
	}
}

// TestANodeDownCostsItsTeamNoRound loses the cluster node a team is on: its
// rounds are not scored, the staff are told which node, and the other
// team's rounds, and the public, are as before.
func TestANodeDownCostsItsTeamNoRound(t *testing.T) {
	r, rounds := roundOne(t)

	r.rt.mu.Lock()
	r.rt.nodeDown = map[string]string{"co": "node-2"}
	r.rt.mu.Unlock()
	r.rt.killAgents("co") // its stream goes with its node
	r.clock.Advance(30 * time.Second)
	r.eventually("the staff told which node", func() bool {
		return r.said("could not run round 2 (not scored)") && r.said("node node-2 of the cluster does not answer")
	})
	r.eventually("cl's round 2", func() bool { return rounds()["cl"].Number == 2 })
	if got := rounds()["co"].Number; got != 1 {
		t.Errorf("co's last scored round is %d; round 2 ran on no node and must not be scored", got)
	}
	for _, ev := range r.events() {
		if strings.Contains(ev.Text, "container engine does not answer") {
			t.Errorf("one node down was said as the whole engine away: %q", ev.Text)
		}
	}

	r.rt.mu.Lock()
	r.rt.nodeDown = nil
	r.rt.mu.Unlock()
	r.clock.Advance(30 * time.Second)
	r.eventually("co's round 3", func() bool { return rounds()["co"].Number == 3 })
}

// roundOne starts the rig's exercise and waits for both teams' round 1; it
// returns the rig and each team's last scored round.
func roundOne(t *testing.T) (*rig, func() map[string]scoreboard.Round) {
	t.Helper()
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	stop := r.run(e)
	t.Cleanup(func() { stop() })
	rounds := func() map[string]scoreboard.Round {
		last, _ := r.store.LastRounds(ctx, r.ex.Name)
		return last
	}
	r.eventually("round 1", func() bool { return rounds()["cl"].Number == 1 && rounds()["co"].Number == 1 })
	return r, rounds
}

func (r *rig) events() []scoreboard.Event {
	r.t.Helper()
	evs, err := r.store.Events(context.Background(), r.ex.Name, 0, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return evs
}

// said reports whether an event says text.
func (r *rig) said(text string) bool {
	for _, ev := range r.events() {
		if strings.Contains(ev.Text, text) {
			return true
		}
	}
	return false
}
