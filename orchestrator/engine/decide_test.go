package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The engine's decisions on the test drill (deface at 1m; persist a minute
// after deface succeeded; fallback at once after it was blocked; the news
// inject at 2m; 30s rounds; 10m long), under a virtual clock: each case
// sets the clock and what is recorded, and lists what decide says to do.

var t0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// drill is the test drill's setting, as New and Run make it.
func drill(t *testing.T) *setting {
	t.Helper()
	ex, sc, diags := scenarios.NewLoader().LoadExercise(filepath.Join("testdata", "exercise.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return &setting{
		exercise: ex.Name, seed: ex.Seed, plans: plans, duration: sc.Duration,
		minRound: 5 * time.Second, leaseTTL: 15 * time.Second,
		reveal: scenarios.RevealAfterWindow, window: 2 * time.Minute,
	}
}

// withCover is the drill with one more attack, cover, after persist.
func withCover(s *setting) *setting {
	c := *s
	c.plans = nil
	for _, p := range s.plans {
		q := *p
		q.Attacks = append(slices.Clone(p.Attacks), scenarios.AttackPlan{Name: "cover", After: "persist", When: scenarios.WhenAny})
		c.plans = append(c.plans, &q)
	}
	return &c
}

// runningAt is the drill at a reading of its clock, started at speed 1: the
// lease just renewed, both teams' rounds running, nothing else recorded.
func runningAt(s *setting, elapsed time.Duration) inputs {
	now := t0.Add(elapsed)
	return inputs{
		setting: s, now: now,
		clock: scoreboard.Clock{State: scoreboard.ClockRunning, Speed: 1, Since: scoreboard.Moment{At: t0}},
		state: recorded{
			renewed: now,
			rounds: map[string]roundState{
				"cl": {number: 1, next: elapsed, running: true}, "co": {number: 1, next: elapsed, running: true},
			},
		},
	}
}

// execution is an execution of the drill's.
func execution(id int64, key, state string) scoreboard.Execution {
	team, attack, _ := strings.Cut(key, "/")
	return scoreboard.Execution{ID: id, Exercise: "engine-test", Team: team, Attack: attack,
		Trigger: scoreboard.TriggerTimeline, State: state}
}

// finished is a finished timeline execution, ended at the given time.
func finished(id int64, key, outcome string, ended time.Duration) scoreboard.Execution {
	x := execution(id, key, scoreboard.ExecDone)
	x.Outcome, x.Run = outcome, "cr-"+key
	x.Started, x.Ended = scoreboard.Moment{Elapsed: ended - 5*time.Second}, scoreboard.Moment{Elapsed: ended}
	return x
}

func listed(acts []action) string {
	lines := make([]string, len(acts))
	for i, a := range acts {
		lines[i] = a.String()
	}
	return strings.Join(lines, "\n")
}

func TestDecide(t *testing.T) {
	s := drill(t)
	for _, tt := range []struct {
		name    string
		elapsed time.Duration
		set     func(in *inputs)
		want    string
	}{
		{"before the start, nothing", 0, func(in *inputs) {
			in.clock = scoreboard.Clock{State: scoreboard.ClockCreated}
			in.state.rounds = map[string]roundState{"cl": {}, "co": {}}
		}, ""},
		{"round 1 of each team at the start", 0, func(in *inputs) {
			in.state.rounds = map[string]roundState{"cl": {}, "co": {}}
		}, "round 1 of cl, the next at 00:00:30\nround 1 of co, the next at 00:00:30"},
		{"a round that still runs is not started again", 30 * time.Second, func(in *inputs) {
			in.state.rounds["co"] = roundState{number: 1, next: 30 * time.Second}
		}, "round 2 of co, the next at 00:01:00"},
		{"a round not due yet", 29 * time.Second, func(in *inputs) {
			in.state.rounds["co"] = roundState{number: 1, next: 30 * time.Second}
		}, ""},
		{"rounds that fell behind go on from now", 5 * time.Minute, func(in *inputs) {
			in.state.rounds["co"] = roundState{number: 1, next: 30 * time.Second}
		}, "deliver cl/news\ndeliver co/news\nround 2 of co, the next at 00:05:00\nstart cl/deface, due at 00:01:00\nstart co/deface, due at 00:01:00"},
		{"at ×60 a round stretches to five seconds of real time", 0, func(in *inputs) {
			in.clock.Speed = 60
			in.state.rounds["co"] = roundState{}
		}, "round 1 of co, the next at 00:05:00"},
		{"deface is not due at 00:00:59", 59 * time.Second, nil, ""},
		{"deface is due at 00:01:00 for each team", time.Minute, nil,
			"start cl/deface, due at 00:01:00\nstart co/deface, due at 00:01:00"},
		{"with approval on, deface waits for it", time.Minute, func(in *inputs) { in.clock.Approval = true },
			"hold cl/deface for approval, due at 00:01:00\nhold co/deface for approval, due at 00:01:00"},
		{"an attack stored is not due again", 90 * time.Second, func(in *inputs) {
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecApproval), execution(2, "co/deface", scoreboard.ExecRunning)}
		}, ""},
		{"after deface: persist waits, fallback is skipped where deface succeeded and runs where it was blocked", 70 * time.Second, func(in *inputs) {
			in.executions = []scoreboard.Execution{
				finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second),
				finished(2, "co/deface", scoreboard.OutcomeBlocked, 65*time.Second),
			}
		}, `skip cl/fallback at 00:01:05: it runs only if "deface" was blocked, and it succeeded
skip co/persist at 00:01:05: it runs only if "deface" succeeded, and it was blocked
start co/fallback, due at 00:01:05`},
		{"persist is due a minute after deface ended", 125 * time.Second, func(in *inputs) {
			in.executions = []scoreboard.Execution{finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second), execution(2, "cl/fallback", scoreboard.ExecSkipped)}
			in.state.delivered = map[string]bool{"cl/news": true, "co/news": true}
		}, "start cl/persist, due at 00:02:05\nstart co/deface, due at 00:01:00"},
		{"what follows an attack that did not run is skipped in the same decision", 70 * time.Second, func(in *inputs) {
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecApproval), execution(2, "co/deface", scoreboard.ExecSkipped)}
		}, `skip co/persist at 00:01:10: it runs after "deface", which was skipped
skip co/fallback at 00:01:10: it runs after "deface", which was skipped`},
		{"what follows what was just skipped is skipped in the same decision", 70 * time.Second, func(in *inputs) {
			in.setting = withCover(in.setting)
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecSkipped), execution(2, "co/deface", scoreboard.ExecApproval)}
		}, `skip cl/persist at 00:01:10: it runs after "deface", which was skipped
skip cl/fallback at 00:01:10: it runs after "deface", which was skipped
skip cl/cover at 00:01:10: it runs after "persist", which was skipped`},
		{"after any outcome: what follows an error is skipped, what follows a blocked run runs", 140 * time.Second, func(in *inputs) {
			in.setting = withCover(in.setting)
			in.state.delivered = map[string]bool{"cl/news": true, "co/news": true}
			in.executions = []scoreboard.Execution{
				finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second), execution(2, "cl/fallback", scoreboard.ExecSkipped),
				finished(3, "cl/persist", scoreboard.OutcomeError, 130*time.Second),
				finished(4, "co/deface", scoreboard.OutcomeBlocked, 65*time.Second), execution(5, "co/fallback", scoreboard.ExecRunning),
				finished(6, "co/persist", scoreboard.OutcomeBlocked, 130*time.Second),
			}
		}, `skip cl/cover at 00:02:10: it runs only if "persist" ran, and it ended in an error
start co/cover, due at 00:02:10`},
		{"a timed-out parent counts as blocked; an error lets nothing follow", 70 * time.Second, func(in *inputs) {
			in.executions = []scoreboard.Execution{
				finished(1, "cl/deface", scoreboard.OutcomeTimedOut, 65*time.Second), finished(2, "co/deface", scoreboard.OutcomeError, 65*time.Second),
			}
		}, `skip cl/persist at 00:01:05: it runs only if "deface" succeeded, and it timed out
start cl/fallback, due at 00:01:05
skip co/persist at 00:01:05: it runs only if "deface" succeeded, and it ended in an error
skip co/fallback at 00:01:05: it runs only if "deface" was blocked, and it ended in an error`},
		{"the kill switch holds what falls due and stops what runs, once", time.Minute, func(in *inputs) {
			in.clock.Halted = true
			in.state.running = map[int64]bool{7: false, 8: true}
		}, "stop execution 7"},
		{"the kill switch still skips what is not to run", 70 * time.Second, func(in *inputs) {
			in.clock.Halted = true
			in.executions = []scoreboard.Execution{
				finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second),
				finished(2, "co/deface", scoreboard.OutcomeBlocked, 65*time.Second),
			}
		}, `skip cl/fallback at 00:01:05: it runs only if "deface" was blocked, and it succeeded
skip co/persist at 00:01:05: it runs only if "deface" succeeded, and it was blocked`},
		{"approved and fired executions are launched, unless running or unknown", 30 * time.Second, func(in *inputs) {
			fired := execution(3, "cl/deface", scoreboard.ExecApproved)
			fired.Trigger = scoreboard.TriggerManual
			in.executions = []scoreboard.Execution{fired, execution(4, "co/deface", scoreboard.ExecApproved), execution(5, "cl/gone", scoreboard.ExecApproved)}
			in.state.running = map[int64]bool{4: false}
		}, "launch execution 3 (cl/deface)"},
		{"nothing is launched under the kill switch", 30 * time.Second, func(in *inputs) {
			in.clock.Halted = true
			in.executions = []scoreboard.Execution{execution(3, "cl/deface", scoreboard.ExecApproved)}
		}, ""},
		{"paused, nothing is due", 5 * time.Minute, func(in *inputs) {
			in.clock.State = scoreboard.ClockPaused
			in.clock.Since.Elapsed = 5 * time.Minute
			in.state.rounds["co"] = roundState{number: 1}
		}, ""},
		{"paused, the kill switch still stops what runs", 5 * time.Minute, func(in *inputs) {
			in.clock.State, in.clock.Halted = scoreboard.ClockPaused, true
			in.state.running = map[int64]bool{7: false}
		}, "stop execution 7"},
		{"the news inject at 00:02:00, once", 2 * time.Minute, func(in *inputs) {
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecSkipped), execution(2, "co/deface", scoreboard.ExecSkipped)}
			in.executions[0].Due, in.executions[1].Due = time.Minute, time.Minute
			in.state.delivered = map[string]bool{"cl/news": true}
		}, "deliver co/news\n" + `skip cl/persist at 00:02:00: it runs after "deface", which was skipped
skip cl/fallback at 00:02:00: it runs after "deface", which was skipped
skip co/persist at 00:02:00: it runs after "deface", which was skipped
skip co/fallback at 00:02:00: it runs after "deface", which was skipped`},
		{"the lease is renewed every third of its time", 30 * time.Second, func(in *inputs) {
			in.state.renewed = in.now.Add(-5 * time.Second)
		}, "renew the lease"},
		{"the lease not renewed before", 30 * time.Second, func(in *inputs) {
			in.state.renewed = in.now.Add(-4999 * time.Millisecond)
		}, ""},
		{"the lease lost: every run stopped, and the engine gives up", time.Minute, func(in *inputs) {
			in.state.lost, in.state.lostTo = true, "other"
			in.state.running = map[int64]bool{8: true, 7: false}
		}, "stop execution 7\nstop execution 8\ngive up: another engine (other) took the exercise over"},
		{"the scenario's duration over: the exercise ends, and nothing else", 10 * time.Minute, func(in *inputs) {
			in.state.renewed = in.now.Add(-time.Minute)
		}, "renew the lease\nend the exercise: its duration is over"},
		{"ended: first what runs finishes", 5 * time.Minute, func(in *inputs) {
			in.clock = scoreboard.Clock{State: scoreboard.ClockEnded, Since: scoreboard.Moment{Elapsed: 5 * time.Minute}, Halted: true}
			in.state.running = map[int64]bool{7: false}
		}, "wait for what runs"},
		{"ended: what never ran is missed, never silent", 5 * time.Minute, func(in *inputs) {
			in.clock = scoreboard.Clock{State: scoreboard.ClockEnded, Since: scoreboard.Moment{Elapsed: 5 * time.Minute}}
			in.state.drained = true
			fired := execution(3, "co/persist", scoreboard.ExecApproved)
			fired.Trigger = scoreboard.TriggerManual
			in.executions = []scoreboard.Execution{finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second), execution(2, "co/deface", scoreboard.ExecApproval), fired}
		}, `miss execution 2 (co/deface, approval): the exercise ended before it ran
miss execution 3 (co/persist, approved): the exercise ended before it ran
miss cl/persist at 00:05:00: the exercise ended at 00:05:00 before "deface" let it run
miss cl/fallback at 00:05:00: the exercise ended at 00:05:00 before "deface" let it run
miss co/persist at 00:05:00: the exercise ended at 00:05:00 before "deface" let it run
miss co/fallback at 00:05:00: the exercise ended at 00:05:00 before "deface" let it run
finish`},
		{"ended before deface fell due", time.Minute, func(in *inputs) {
			in.clock = scoreboard.Clock{State: scoreboard.ClockEnded, Since: scoreboard.Moment{Elapsed: 50 * time.Second}}
			in.state.drained = true
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecSkipped), execution(2, "cl/fallback", scoreboard.ExecSkipped),
				execution(3, "cl/persist", scoreboard.ExecSkipped), execution(4, "co/persist", scoreboard.ExecSkipped), execution(5, "co/fallback", scoreboard.ExecSkipped)}
		}, "miss co/deface at 00:00:50: the exercise ended at 00:00:50 before it fell due\nfinish"},
		{"a run is revealed once its detection window has closed", 3 * time.Minute, func(in *inputs) {
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecSkipped), execution(2, "co/deface", scoreboard.ExecRunning)}
			in.state.delivered = map[string]bool{"cl/news": true, "co/news": true}
			in.state.unrevealed = map[string]time.Duration{"cr-b": time.Minute, "cr-a": time.Minute, "cr-c": 61 * time.Second}
		}, `skip cl/persist at 00:03:00: it runs after "deface", which was skipped
skip cl/fallback at 00:03:00: it runs after "deface", which was skipped
reveal cr-a, cr-b`},
		{"a scenario that reveals live, or at the end, reveals nothing by its windows", 3 * time.Minute, func(in *inputs) {
			live := *in.setting
			live.reveal = scenarios.RevealLive
			in.setting = &live
			in.executions = []scoreboard.Execution{execution(1, "cl/deface", scoreboard.ExecApproval), execution(2, "co/deface", scoreboard.ExecApproval)}
			in.state.delivered = map[string]bool{"cl/news": true, "co/news": true}
			in.state.unrevealed = map[string]time.Duration{"cr-a": time.Minute}
		}, ""},
		{"each team's attack moves by its own jitter", 90 * time.Second, func(in *inputs) {
			jittered := *in.setting
			jittered.attackJitter = 30 * time.Second
			in.setting = &jittered
		}, "start cl/deface, due at 00:01:06\nstart co/deface, due at 00:01:16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := runningAt(s, tt.elapsed)
			if tt.set != nil {
				tt.set(&in)
			}
			if got := listed(decide(in)); got != tt.want {
				t.Errorf("at %s decide says\n%s\nwant\n%s", scenarios.Clock(tt.elapsed), got, tt.want)
			}
		})
	}
}

func TestJudgeRound(t *testing.T) {
	unreachable := fmt.Errorf("list containers: %w", orchestrator.ErrEngineUnreachable)
	nodeDown := &orchestrator.NodeDownError{Nodes: []string{"node-2"}, Cause: fmt.Errorf("its engine: %w", orchestrator.ErrEngineUnreachable)}
	for _, tt := range []struct {
		name     string
		stopping bool
		err      error
		want     string
	}{
		{"checks answered", false, nil, "scored"},
		{"the engine stops as the round runs", true, nil, "cut off"},
		{"the engine stops and the checks were cut off", true, context.Canceled, "cut off"},
		{"the container engine does not answer", false, unreachable, "not scored: the engine is away"},
		{"the team's node is down", false, fmt.Errorf("exec: %w", nodeDown), "not scored: the scorebot is away"},
		{"the team has no scorebot", false, fmt.Errorf("team %q has no scorebot container: %w", "co", orchestrator.ErrNotFound), "not scored: the scorebot is away"},
		{"the agent's stream was lost", false, errors.New("agent: stream closed"), "not scored: the scorebot is away"},
	} {
		if got := judgeRound(tt.stopping, tt.err).String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// round is a team's last round in the store, at an exercise time.
func round(n int, at time.Duration) scoreboard.Round {
	return scoreboard.Round{Number: n, Moment: scoreboard.Moment{Elapsed: at}}
}

func TestResume(t *testing.T) {
	s := drill(t)
	left := execution(2, "co/deface", scoreboard.ExecRunning)
	left.Run = "cr-dead"
	for _, tt := range []struct {
		name    string
		elapsed time.Duration
		set     func(in *inputs)
		last    map[string]scoreboard.Round
		want    string
	}{
		{"a first start: round 1 first", 0, func(in *inputs) { in.clock = scoreboard.Clock{State: scoreboard.ClockCreated} }, nil,
			"rounds of cl after round 0, the next at 00:00:00\nrounds of co after round 0, the next at 00:00:00"},
		{"a restart soon: rounds go on now; a gap over two rounds is said", 70 * time.Second, nil,
			map[string]scoreboard.Round{"cl": round(2, 30*time.Second), "co": round(2, 5*time.Second)},
			"rounds of cl after round 2, the next at 00:01:10\nrounds of co after round 2, the next at 00:01:10 (about 2 not checked since 00:00:05)"},
		{"an exercise not started says nothing of rounds not checked", 0, func(in *inputs) { in.clock = scoreboard.Clock{State: scoreboard.ClockCreated} },
			map[string]scoreboard.Round{"cl": round(1, -time.Hour)},
			"rounds of cl after round 1, the next at 00:00:00\nrounds of co after round 0, the next at 00:00:00"},
		{"a restart after five minutes says what was not checked", 6 * time.Minute, nil,
			map[string]scoreboard.Round{"cl": round(3, time.Minute)},
			"rounds of cl after round 3, the next at 00:06:00 (about 10 not checked since 00:01:00)\nrounds of co after round 0, the next at 00:00:00"},
		{"finished runs are scored again, those left running interrupted, the rest left", 6 * time.Minute, func(in *inputs) {
			in.executions = []scoreboard.Execution{
				finished(1, "cl/deface", scoreboard.OutcomeSucceeded, 65*time.Second), left,
				execution(3, "cl/persist", scoreboard.ExecApproved), execution(4, "co/fallback", scoreboard.ExecSkipped),
				execution(5, "cl/fallback", scoreboard.ExecDone), execution(6, "cl/gone", scoreboard.ExecRunning),
			}
		}, map[string]scoreboard.Round{"cl": round(12, 6*time.Minute), "co": round(12, 6*time.Minute)},
			"rounds of cl after round 12, the next at 00:06:00\nrounds of co after round 12, the next at 00:06:00\nscore run cr-cl/deface (cl/deface)\ninterrupt execution 2 (co/deface, run cr-dead)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := runningAt(s, tt.elapsed)
			if tt.set != nil {
				tt.set(&in)
			}
			if got := listed(resume(in, tt.last)); got != tt.want {
				t.Errorf("resume says\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSettleAndLateness(t *testing.T) {
	running := execution(1, "cl/deface", scoreboard.ExecRunning)
	running.Due, running.Started = time.Minute, scoreboard.Moment{Elapsed: 3*time.Minute + 30*time.Second + 400*time.Millisecond}
	fired := running
	fired.Trigger = scoreboard.TriggerManual
	soon := running
	soon.Started.Elapsed = 2 * time.Minute
	for _, tt := range []struct {
		name    string
		x       scoreboard.Execution
		res     result
		stopped bool
		ended   time.Duration
		want    string
	}{
		{"judged by its evidence", soon, result{Outcome: scoreboard.OutcomeBlocked, Reason: "✗ output"}, false, 150 * time.Second,
			"done blocked at 00:02:30 (✗ output), started on time"},
		{"stopped before its verdict: an error, not blocked", running, result{Outcome: scoreboard.OutcomeBlocked, Reason: "✗ output"}, true, 4 * time.Minute,
			"done error at 00:04:00 (stopped by the kill switch or a shutdown before its verdict; ✗ output), started, 2m30s late"},
		{"stopped after it succeeded: succeeded", running, result{Outcome: scoreboard.OutcomeSucceeded, Reason: "✓ output"}, true, 4 * time.Minute,
			"done succeeded at 00:04:00 (✓ output), started, 2m30s late"},
		{"a clock read before its start: ended as it started", soon, result{Outcome: scoreboard.OutcomeSucceeded}, false, time.Minute,
			"done succeeded at 00:02:00 (), started on time"},
		{"fired by hand is never late", fired, result{Outcome: scoreboard.OutcomeSucceeded}, false, 4 * time.Minute,
			"done succeeded at 00:04:00 (), started on time"},
	} {
		x := settle(tt.x, tt.res, tt.stopped, scoreboard.Moment{Elapsed: tt.ended})
		late := lateness(tt.x)
		if late == "" {
			late = " on time"
		}
		got := fmt.Sprintf("%s %s at %s (%s), started%s", x.State, x.Outcome, scenarios.Clock(x.Ended.Elapsed), x.Reason, late)
		if got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
