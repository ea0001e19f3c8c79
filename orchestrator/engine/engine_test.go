package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func TestTimelineRunsAttacksByTheirEvidence(t *testing.T) {
	r := newRig(t)
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	w := r.watch(e)
	stop := r.run(e)

	r.clock.Advance(59 * time.Second)
	w.looked(r.clock.Now())
	if xs := r.executions(); len(xs) != 0 {
		t.Fatalf("before 1m: executions %v; want none", xs)
	}
	r.clock.Advance(time.Second)
	r.eventually("deface to be judged for both teams", func() bool { return r.done("cl/deface")() && r.done("co/deface")() })
	xs := r.executions()
	if x := xs["cl/deface"]; x.Outcome != scoreboard.OutcomeSucceeded || !strings.Contains(x.Reason, "✓ output matches /pwned/") || !strings.Contains(x.Output, x.Run) {
		t.Errorf("cl/deface = %+v; want succeeded on its output, which carries the run id", x)
	}
	if x := xs["co/deface"]; x.Outcome != scoreboard.OutcomeBlocked || !strings.Contains(x.Reason, "✗ output does not match") {
		t.Errorf("co/deface = %+v; want blocked", x)
	}
	// The fallback runs only where deface was blocked, at once (no delay);
	// persist waits a minute after deface where it succeeded.
	r.eventually("fallback and its skip", func() bool { return r.done("co/fallback")() && r.done("cl/fallback")() })
	xs = r.executions()
	if x := xs["cl/fallback"]; x.State != scoreboard.ExecSkipped || !strings.Contains(x.Reason, `runs only if "deface" was blocked, and it succeeded`) {
		t.Errorf("cl/fallback = %+v; want skipped, saying why", x)
	}
	if x := xs["co/fallback"]; x.Outcome != scoreboard.OutcomeSucceeded {
		t.Errorf("co/fallback = %+v; want it run and succeeded", x)
	}
	if x := xs["co/persist"]; x.State != scoreboard.ExecSkipped {
		t.Errorf("co/persist = %+v; want skipped", x)
	}
	if _, ok := xs["cl/persist"]; ok {
		t.Errorf("cl/persist ran before its delay: %+v", xs["cl/persist"])
	}
	r.clock.Advance(time.Minute)
	r.eventually("persist", r.done("cl/persist"))
	if got := r.rt.commands("cl/red: sh -c echo cleaned"); len(got) != 1 {
		t.Errorf("cleanup ran %d times; want once", len(got))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// The ledger has each judged run once, with its verdict.
	ev, err := r.store.Evidence(ctx, r.ex.Name)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{}
	for _, run := range ev.Runs {
		verdicts[run.Team+"/"+run.Attack] = run.Verdict
	}
	want := map[string]string{"cl/deface": "succeeded", "co/deface": "blocked", "co/fallback": "succeeded", "cl/persist": "succeeded"}
	if fmt.Sprint(verdicts) != fmt.Sprint(want) {
		t.Errorf("ledger verdicts %v, want %v", verdicts, want)
	}
}

func TestRestartNeverFiresAnAttackTwice(t *testing.T) {
	r := newRig(t)
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	// An engine that died mid-run left this behind: deface of cl running.
	r.clock.Advance(70 * time.Second)
	id, err := r.store.AddExecution(ctx, scoreboard.Execution{Exercise: r.ex.Name, Team: "cl", Attack: "deface",
		Trigger: scoreboard.TriggerTimeline, Due: time.Minute, State: scoreboard.ExecRunning, Run: "cr-dead",
		Started: scoreboard.Moment{At: r.clock.Now(), Elapsed: 70 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	stop := r.run(r.engine())
	r.eventually("co's deface", r.done("co/deface"))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	x, err := r.store.Execution(ctx, r.ex.Name, id)
	if err != nil {
		t.Fatal(err)
	}
	if x.State != scoreboard.ExecInterrupted || !strings.Contains(x.Reason, "not run again") {
		t.Errorf("the run left running = %+v; want interrupted, saying it is not run again", x)
	}
	if got := r.rt.commands("cl/red: sh -c echo pwned"); len(got) != 0 {
		t.Errorf("cl's deface ran again: %q", got)
	}
	if got := r.rt.commands("cl/red: sh -c for p in /proc"); len(got) != 1 {
		t.Errorf("the interrupted run's processes were killed %d times; want once", len(got))
	}

	// A second restart changes nothing more.
	before := len(r.rt.commands("echo pwned"))
	again := r.engine()
	w := r.watch(again)
	stop = r.run(again)
	w.looked(r.clock.Now())
	stop()
	if after := len(r.rt.commands("echo pwned")); after != before {
		t.Errorf("a restart ran deface again: %d runs, then %d", before, after)
	}
}

func TestRoundsAreScoredOnceAcrossRestarts(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	// co's web is down: its check fails, cl's passes.
	r.rt.check = func(_ context.Context, team string, c probe.Check) probe.Result {
		return probe.Result{Up: team != "co", Detail: "as the test says"}
	}
	stop := r.run(e)
	for i := 0; i < 3; i++ {
		r.eventually(fmt.Sprintf("round %d", i+1), func() bool {
			last, _ := r.store.LastRounds(ctx, r.ex.Name)
			return last["cl"].Number == i+1 && last["co"].Number == i+1
		})
		r.clock.Advance(30 * time.Second)
	}
	stop()
	// Restarted later: rounds go on from 4, and say what was not checked.
	r.clock.Advance(5 * time.Minute)
	stop = r.run(r.engine())
	r.eventually("round 4", func() bool {
		last, _ := r.store.LastRounds(ctx, r.ex.Name)
		return last["cl"].Number == 4 && last["co"].Number == 4
	})
	stop()
	st, err := r.store.Standings(ctx, r.ex.Name, scoreboard.Live)
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range st.Teams {
		got := team.Categories[scenarios.CategoryAvailability]
		if team.Team.ID == "cl" && got <= 0 || team.Team.ID == "co" && got >= 0 {
			t.Errorf("team %s availability %v; want cl up and co down", team.Team.ID, got)
		}
	}
	events, _ := r.store.Events(ctx, r.ex.Name, 0, 0)
	var said bool
	for _, ev := range events {
		said = said || strings.Contains(ev.Text, "were not checked")
	}
	if !said {
		t.Errorf("no event says which rounds were not checked while the engine was down: %v", events)
	}
	if err := r.store.VerifyTotals(ctx, r.ex.Name); err != nil {
		t.Error(err)
	}
}

func TestInjectsAreDeliveredOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2 * time.Minute)
	stop := r.run(e)
	count := func() int {
		events, _ := r.store.Events(ctx, r.ex.Name, 0, 0)
		n := 0
		for _, ev := range events {
			if ev.Kind == scoreboard.EventInject {
				n++
			}
		}
		return n
	}
	r.eventually("both deliveries", func() bool { return count() == 2 })
	stop()
	again := r.engine()
	w := r.watch(again)
	stop = r.run(again)
	w.looked(r.clock.Now())
	stop()
	if err := r.engine().Deliver(ctx, "cl", "news", "instructor"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("%d deliveries after a restart and a delivery by hand; want 2", n)
	}
}

func TestApprovalKillSwitchAndFire(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	if err := e.RequireApproval(ctx, "instructor", true); err != nil {
		t.Fatal(err)
	}
	stop := r.run(e)
	r.clock.Advance(time.Minute)
	r.eventually("deface to wait for approval", func() bool {
		return r.executions()["cl/deface"].State == scoreboard.ExecApproval && r.executions()["co/deface"].State == scoreboard.ExecApproval
	})
	if err := e.Skip(ctx, r.executions()["co/deface"].ID, "", "", "instructor", "their range is being fixed"); err != nil {
		t.Fatal(err)
	}
	if err := e.Approve(ctx, r.executions()["cl/deface"].ID, "instructor"); err != nil {
		t.Fatal(err)
	}
	r.eventually("cl's deface", r.done("cl/deface"))
	if x := r.executions()["co/deface"]; x.State != scoreboard.ExecSkipped || !strings.Contains(x.Reason, "being fixed") {
		t.Errorf("co/deface = %+v; want skipped with the instructor's reason", x)
	}
	if err := e.Approve(ctx, r.executions()["co/deface"].ID, "instructor"); err == nil {
		t.Error("approving a skipped attack worked; want an error")
	}

	// The kill switch stops a running attack and holds the rest.
	release := make(chan struct{})
	r.rt.mu.Lock()
	r.rt.exec = func(team, name string, cmd []string) (orchestrator.ExecResult, error) {
		if strings.Contains(strings.Join(cmd, " "), "echo planted") {
			<-release
			return orchestrator.ExecResult{}, context.Canceled
		}
		return orchestrator.ExecResult{}, nil
	}
	r.rt.mu.Unlock()
	if err := e.RequireApproval(ctx, "instructor", false); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	r.eventually("persist to run", func() bool {
		// The engine may have read the clock just before approval was
		// turned off: then persist waits for approval like deface did.
		if x := r.executions()["cl/persist"]; x.State == scoreboard.ExecApproval {
			e.Approve(ctx, x.ID, "instructor")
		}
		return r.executions()["cl/persist"].State == scoreboard.ExecRunning
	})
	if err := e.Halt(ctx, "instructor", "a team's real network was hit"); err != nil {
		t.Fatal(err)
	}
	close(release)
	r.eventually("persist to stop", r.done("cl/persist"))
	if x := r.executions()["cl/persist"]; x.Outcome != scoreboard.OutcomeError || !strings.Contains(x.Reason, "kill switch") {
		t.Errorf("cl/persist = %+v; want an error saying the kill switch stopped it", x)
	}
	if _, err := e.Fire(ctx, "cl", "deface", "instructor"); err == nil || !strings.Contains(err.Error(), "kill switch") {
		t.Errorf("firing with the kill switch on: %v; want a refusal", err)
	}
	if err := e.Unhalt(ctx, "instructor"); err != nil {
		t.Fatal(err)
	}
	r.rt.mu.Lock()
	r.rt.exec = nil
	r.rt.mu.Unlock()
	// deface ran against cl already: firing it again is a re-fire.
	if _, err := e.Fire(ctx, "cl", "deface", "instructor"); !errors.Is(err, scoreboard.ErrAlreadyRan) {
		t.Errorf("firing deface again unconfirmed: %v; want ErrAlreadyRan", err)
	}
	fired, err := e.Refire(ctx, "cl", "deface", "instructor")
	if err != nil {
		t.Fatal(err)
	}
	id := fired.ID
	r.eventually("the fired run", func() bool {
		x, _ := r.store.Execution(ctx, r.ex.Name, id)
		return x.State == scoreboard.ExecDone
	})
	stop()
	x, _ := r.store.Execution(ctx, r.ex.Name, id)
	if x.Trigger != scoreboard.TriggerManual || x.Author != "instructor" || x.Run == "" {
		t.Errorf("fired run = %+v; want a manual run by the instructor", x)
	}
}

func TestEndMarksWhatNeverRanAsMissed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	r.rt.down["co/red"] = true // co's attacker is gone: its range is broken
	stop := r.run(e)
	r.clock.Advance(time.Minute)
	r.eventually("deface", func() bool { return r.done("cl/deface")() && r.done("co/deface")() })
	if x := r.executions()["co/deface"]; x.Outcome != scoreboard.OutcomeNotApplicable || !strings.Contains(x.Reason, "range is broken") {
		t.Errorf("co/deface = %+v; want not applicable: the range is broken", x)
	}
	if err := e.End(ctx, "instructor", "time is up"); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Run returns by itself on an ended exercise, after closing the timeline.
	if err := r.engine().Run(ctx); err != nil {
		t.Fatal(err)
	}
	xs := r.executions()
	for _, key := range []string{"cl/persist", "co/persist", "co/fallback"} {
		if xs[key].State != scoreboard.ExecMissed && xs[key].State != scoreboard.ExecSkipped {
			t.Errorf("%s = %+v; want missed or skipped, never silent", key, xs[key])
		}
	}
	if len(xs) != 6 {
		t.Errorf("%d executions; want one per team and attack: %v", len(xs), xs)
	}
}

func TestClockRefusesWhatDoesNotApply(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Pause(ctx, "instructor", ""); err == nil || !errors.Is(err, scoreboard.ErrInvalid) {
		t.Errorf("pausing before the start: %v; want ErrInvalid", err)
	}
	if err := e.Start(ctx, "instructor", 60); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	c, _ := r.store.Clock(ctx, r.ex.Name)
	if got := c.Elapsed(r.clock.Now()); got != time.Minute {
		t.Errorf("one second at ×60 reads %s; want 1m", got)
	}
	if err := e.Pause(ctx, "instructor", "lunch"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	if err := e.Resume(ctx, "instructor"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	c, _ = r.store.Clock(ctx, r.ex.Name)
	if got := c.Elapsed(r.clock.Now()); got != 2*time.Minute {
		t.Errorf("after a pause of an hour, the clock reads %s; want 2m", got)
	}
	if err := e.Resume(ctx, "instructor"); err == nil || !strings.Contains(err.Error(), "cannot resume an exercise that is running") {
		t.Errorf("resuming a running exercise: %v", err)
	}
}

func TestAnswersAreTheTeamsOwn(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if _, err := e.Answer(ctx, "cl", "attacker-address", "10.160.0.100"); err == nil {
		t.Error("an answer before the start was taken")
	}
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	// co's attacker has another address: cl's answer is wrong for co.
	if ok, err := e.Answer(ctx, "co", "attacker-address", "10.160.0.100"); ok || err != nil {
		t.Errorf("co answering cl's address: %v, %v; want wrong", ok, err)
	}
	r.clock.Advance(time.Second) // an answer a moment is one answer
	if ok, err := e.Answer(ctx, "co", "attacker-address", " 10.160.16.100 "); !ok || err != nil {
		t.Errorf("co's own address: %v, %v; want right", ok, err)
	}
	r.clock.Advance(time.Second)
	if _, err := e.Answer(ctx, "co", "attacker-address", "10.160.16.100"); !errors.Is(err, scoreboard.ErrDuplicate) {
		t.Errorf("answering a solved challenge again: %v; want ErrDuplicate", err)
	}
	for _, tt := range []struct {
		mode, accepted, given string
		want                  bool
	}{
		{"exact", "Admin", "admin", false},
		{"caseless", "Admin", "ADMIN", true},
		{"regex", `T1110(\.00[13])?`, "T1110.003", true},
		{"regex", `T1110`, "xT1110", false},
	} {
		if got := AnswerMatches(tt.mode, []string{tt.accepted}, tt.given); got != tt.want {
			t.Errorf("%s %q against %q: %v, want %v", tt.mode, tt.given, tt.accepted, got, tt.want)
		}
	}
}

func TestTryRecordsNothing(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	for team, want := range map[string]string{"cl": scoreboard.OutcomeSucceeded, "co": scoreboard.OutcomeBlocked} {
		trial, err := e.Try(ctx, team, "deface")
		if err != nil {
			t.Fatal(err)
		}
		if trial.Outcome != want || !strings.Contains(trial.Evidence, "/pwned/") {
			t.Errorf("%s: %+v; want %s with its evidence", team, trial, want)
		}
	}
	if xs := r.executions(); len(xs) != 0 {
		t.Errorf("a trial left executions: %v", xs)
	}
	if _, err := e.Try(ctx, "cl", "nope"); err == nil {
		t.Error("trying an unknown attack worked")
	}
}

func TestTeamsActOnTheExerciseClock(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if _, err := e.Respond(ctx, "cl", "news", "early"); err == nil || !strings.Contains(err.Error(), "has not started") {
		t.Errorf("an answer before the start: %v; want a refusal", err)
	}
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2 * time.Minute)
	if err := e.Deliver(ctx, "cl", "news", "instructor"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	if _, err := e.Respond(ctx, "cl", "news", "We took the portal offline."); err != nil {
		t.Errorf("answering a delivered inject: %v", err)
	}
	rep, err := e.Report(ctx, scoreboard.IncidentReport{Team: "cl", Target: "web", Techniques: []string{"T1491"}, Summary: "defaced"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ID == 0 || rep.Elapsed != 3*time.Minute || !rep.At.Equal(r.clock.Now()) {
		t.Errorf("report %+v; want an id, stamped at 00:03:00 of the exercise", rep)
	}
	if _, err := e.Share(ctx, scoreboard.SharedIndicator{Team: "cl", Kind: scoreboard.IndicatorIPv4, Value: "10.160.0.100", Techniques: []string{"T1491"}}); err != nil {
		t.Errorf("sharing an indicator: %v", err)
	}
	ev, err := r.store.Evidence(ctx, r.ex.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Reports) != 1 || len(ev.Indicators) != 1 || ev.Indicators[0].Elapsed != 3*time.Minute {
		t.Errorf("stored %d reports and %d indicators (%+v); want one of each at 00:03:00", len(ev.Reports), len(ev.Indicators), ev.Indicators)
	}
	if err := e.End(ctx, "instructor", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Report(ctx, scoreboard.IncidentReport{Team: "cl", Target: "web", Summary: "late"}); err == nil || !strings.Contains(err.Error(), "has ended") {
		t.Errorf("a report after the end: %v; want a refusal", err)
	}
}

func TestOneEngineAtATime(t *testing.T) {
	r := newRig(t)
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	// An engine died holding the lease for two more minutes; deface is due
	// after one.
	now := r.clock.Now()
	if got, _, err := r.store.AcquireLease(ctx, r.ex.Name, "dead-engine", now, now.Add(2*time.Minute)); err != nil || !got {
		t.Fatalf("lease of the dead engine: %v %v", got, err)
	}
	r.clock.Advance(70 * time.Second)
	w := r.watch(e)
	stop := r.run(e)
	defer stop()
	r.eventually("the wait to be said", func() bool {
		evs, _ := r.store.LastEvents(ctx, r.ex.Name, 5)
		for _, ev := range evs {
			if strings.Contains(ev.Text, "Another engine (dead-engine)") {
				return true
			}
		}
		return false
	})
	// The wait is said after a first refusal; an engine that waits a
	// second time has not gone on to run the exercise after the first.
	w.refused(2)
	if xs := r.executions(); len(xs) != 0 {
		t.Fatalf("an engine without the lease ran attacks: %v", xs)
	}
	// The dead engine's lease runs out: this one takes the exercise up.
	r.clock.Advance(60 * time.Second)
	r.eventually("co's deface", r.done("co/deface"))

	// A second engine waits for this one rather than run beside it.
	second := r.engine()
	stop2 := r.run(second)
	defer stop2()
	r.eventually("the second engine's wait", func() bool {
		evs, _ := r.store.LastEvents(ctx, r.ex.Name, 5)
		return slices.ContainsFunc(evs, func(ev scoreboard.Event) bool {
			return strings.Contains(ev.Text, "Another engine") && !strings.Contains(ev.Text, "dead-engine")
		})
	})
}

// TestAnEngineThatLostItsLeaseStops: another engine took the exercise
// over (this one's lease had run out): at its next renewal this engine
// stops, and says who took over.
func TestAnEngineThatLostItsLeaseStops(t *testing.T) {
	r := newRig(t)
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	w := r.watch(e)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	w.looked(r.clock.Now())
	later := r.clock.Now().Add(time.Hour)
	if got, _, err := r.store.AcquireLease(ctx, r.ex.Name, "thief", later, later.Add(time.Hour)); err != nil || !got {
		t.Fatalf("the other engine's lease: %v %v", got, err)
	}
	r.clock.Advance(5 * time.Second) // a third of the lease: time to renew it
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "another engine (thief) took the exercise over") {
			t.Errorf("Run after its lease was taken: %v; want it to stop, naming the other engine", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the engine went on without its lease")
	}
}

func TestTeamsLearnAnAttackOnlyOnceItsWindowHasClosed(t *testing.T) {
	r := newRig(t)
	scoring := scenarios.DefaultScoring()
	scoring.Detection.Window = 2 * time.Minute
	r.sc.Scoring = &scoring
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	stop := r.run(e)
	defer stop()

	r.clock.Advance(time.Minute)
	r.eventually("deface to be judged for both teams", func() bool { return r.done("cl/deface")() && r.done("co/deface")() })
	defense := func(view scoreboard.View) int {
		st, err := r.store.Standings(ctx, r.ex.Name, view)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range st.Teams {
			if ts.Team.ID == "cl" {
				return ts.Categories[scenarios.CategoryDefense]
			}
		}
		t.Fatal("no team cl")
		return 0
	}
	teamSaid := func() []string {
		evs, err := r.store.Events(ctx, r.ex.Name, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var said []string
		for _, ev := range evs {
			if strings.Contains(ev.Text, "deface") && ev.Audience != scoreboard.AudienceStaff {
				said = append(said, ev.Audience+": "+ev.Text)
			}
		}
		return said
	}
	// The outcome with its evidence is written for the staff at once.
	r.eventually("deface's outcome for the staff", func() bool {
		evs, _ := r.store.Events(ctx, r.ex.Name, 0, 0)
		n := 0
		for _, ev := range evs {
			if strings.Contains(ev.Text, `attack "deface" succeeded: ✓`) || strings.Contains(ev.Text, `attack "deface" was blocked: ✗`) {
				n++
			}
		}
		return n == 2
	})
	if said := teamSaid(); len(said) != 0 {
		t.Errorf("while deface's window is open, the teams were told %q; want nothing", said)
	}
	if live, public := defense(scoreboard.Live), defense(scoreboard.Public); live != -100 || public != 0 {
		t.Errorf("cl's defense while the window is open: live %d, public %d; want -100 and 0", live, public)
	}

	// Deface started at 00:01:00; its two-minute window closes at 00:03:00.
	r.clock.Advance(2 * time.Minute)
	r.eventually("deface to be revealed to cl", func() bool { return len(teamSaid()) > 0 })
	said := teamSaid()
	if len(said) != 2 || !strings.Contains(said[0]+said[1], `team: attack "deface" against web (T1491.002) at 00:01:00 succeeded: −100 defense`) ||
		strings.Contains(said[0]+said[1], "pwned") {
		t.Errorf("after the window the teams were told %q; want each its outcome and points, never the evidence", said)
	}
	if public := defense(scoreboard.Public); public != -100 {
		t.Errorf("cl's public defense after the window: %d, want -100", public)
	}
}

// TestAnEngineThatTakesUpRevealsWhatIsDue: a run judged by an engine that
// then stopped is revealed by the next engine once its window has closed.
func TestAnEngineThatTakesUpRevealsWhatIsDue(t *testing.T) {
	r := newRig(t)
	scoring := scenarios.DefaultScoring()
	scoring.Detection.Window = 2 * time.Minute
	r.sc.Scoring = &scoring
	e := r.engine()
	ctx := context.Background()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	stop := r.run(e)
	r.clock.Advance(time.Minute)
	r.eventually("deface to be judged for cl", r.done("cl/deface"))
	stop()
	told := func() bool {
		for _, ev := range r.events() {
			if ev.Team == "cl" && ev.Audience == scoreboard.AudienceTeam && strings.Contains(ev.Text, `attack "deface"`) {
				return true
			}
		}
		return false
	}
	if told() {
		t.Fatal("cl was told of deface before its window closed")
	}
	r.clock.Advance(2 * time.Minute)
	again := r.engine()
	w := r.watch(again)
	stop = r.run(again)
	defer stop()
	w.looked(r.clock.Now())
	if !told() {
		t.Error("the engine that took up did not reveal deface to cl once its window had closed")
	}
}
