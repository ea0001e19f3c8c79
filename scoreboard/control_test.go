package scoreboard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestControlsMakeTheClock(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ctx := context.Background()
	at := func(d time.Duration) Control { return Control{Author: "ana", Moment: Moment{At: t0.Add(d)}} }
	do := func(kind string, k Control) Clock {
		t.Helper()
		k.Kind = kind
		c, err := s.Control(ctx, "ex", k)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		return c
	}
	speed := at(0)
	speed.Speed = 10
	do(ControlSpeed, speed)
	do(ControlStart, at(0))
	c := do(ControlPause, at(time.Minute)) // 10 minutes of exercise time
	if got := c.Elapsed(t0.Add(time.Hour)); got != 10*time.Minute || c.State != ClockPaused {
		t.Errorf("paused: %s %s; want paused at 10m", c.State, got)
	}
	do(ControlResume, at(time.Hour))
	c = do(ControlHalt, at(time.Hour+30*time.Second))
	if !c.Halted || c.State != ClockRunning {
		t.Errorf("after halt: %+v", c)
	}
	if got := c.Elapsed(t0.Add(time.Hour + time.Minute)); got != 20*time.Minute {
		t.Errorf("a minute after resuming at ×10: %s; want 20m", got)
	}
	if got := c.WallAt(20 * time.Minute); !got.Equal(t0.Add(time.Hour + time.Minute)) {
		t.Errorf("WallAt(20m) = %s", got)
	}

	// What does not apply is refused and not written.
	_, err := s.Control(ctx, "ex", Control{Kind: ControlStart, Author: "ana", Moment: Moment{At: t0.Add(2 * time.Hour)}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cannot start an exercise that is running") {
		t.Errorf("a second start: %v", err)
	}
	do(ControlEnd, at(2*time.Hour))
	controls, c, err := s.Controls(ctx, "ex")
	if err != nil || len(controls) != 6 || c.State != ClockEnded {
		t.Fatalf("log of %d controls, clock %+v, %v; want 6 and ended", len(controls), c, err)
	}
	if controls[5].Elapsed != 10*time.Hour+10*time.Minute { // an hour at ×10 after the pause
		t.Errorf("ended at %s of exercise time", controls[5].Elapsed)
	}
	ex, _ := s.Exercise(ctx, "ex")
	if !ex.StartedAt.Equal(t0) || !ex.EndedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("exercise started %s, ended %s", ex.StartedAt, ex.EndedAt)
	}
	if _, err := s.db.Exec("DELETE FROM controls"); err == nil {
		t.Error("controls could be deleted; want them append-only")
	}
}

func TestExecutionsAreClaimedOnce(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ctx := context.Background()
	x := Execution{Exercise: "ex", Team: "cl1", Attack: "deface", Trigger: TriggerTimeline, Due: time.Minute, State: ExecApproved}
	id, err := s.AddExecution(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddExecution(ctx, x); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second timeline execution: %v; want ErrDuplicate", err)
	}
	manual := x
	manual.Trigger = TriggerManual
	if _, err := s.AddExecution(ctx, manual); err != nil {
		t.Errorf("a manual run besides the timeline's: %v", err)
	}
	x.ID, x.State, x.Run = id, ExecRunning, "cr-1"
	x.Started = Moment{At: t0, Elapsed: time.Minute}
	x.Output = strings.Repeat("a", MaxOutput) + strings.Repeat("z", 100)
	if err := s.UpdateExecution(ctx, x, ExecApproved); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateExecution(ctx, x, ExecApproved); !errors.Is(err, ErrConflict) {
		t.Errorf("moving it from a state it left: %v; want ErrConflict", err)
	}
	got, err := s.Execution(ctx, "ex", id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != ExecRunning || got.Run != "cr-1" || got.Started.Elapsed != time.Minute || got.Ended != (Moment{}) {
		t.Errorf("stored %+v", got)
	}
	if len(got.Output) > MaxOutput+100 || !strings.HasSuffix(got.Output, "zzz") || !strings.Contains(got.Output, "left out") {
		t.Errorf("output of %d bytes kept as %d, ending %q; want head and tail", len(x.Output), len(got.Output), got.Output[len(got.Output)-10:])
	}
}

func TestMatchReportByHand(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictSucceeded, 10*time.Minute)))
	// The team named the wrong host: the rules do not match the report.
	rep := ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "db", Techniques: []string{"T1110"},
		Summary: "password spraying from 10.66.0.5", Moment: at(12 * time.Minute)}))
	if len(rep.Entries) != 0 {
		t.Fatalf("the report was matched by the rules: %v", rep.Entries)
	}
	run := bruteforceIn("cl1", VerdictSucceeded, 10*time.Minute).ID
	if _, err := s.MatchReportByHand(ctx, "ex", rep.ID, run, "ana", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("without a reason: %v; want ErrInvalid", err)
	}
	r, err := s.MatchReportByHand(ctx, "ex", rep.ID, run, "ana", "the spraying hit portal; db was a typo")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 1 || r.Entries[0].Category != scenarios.CategoryDetection || r.Entries[0].Points <= 0 ||
		r.Entries[0].Author != "ana" || !strings.Contains(r.Entries[0].Reason, "typo") {
		t.Errorf("entries %+v; want one detection entry by ana with her reason", r.Entries)
	}
	if _, err := s.MatchReportByHand(ctx, "ex", rep.ID, run, "ana", "again"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("matching it twice: %v; want ErrDuplicate", err)
	}
	other := ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl2", Target: "portal", Summary: "x", Moment: at(13 * time.Minute)}))
	if _, err := s.MatchReportByHand(ctx, "ex", other.ID, run, "ana", "no"); !errors.Is(err, ErrInvalid) {
		t.Errorf("matching cl2's report to cl1's run: %v; want ErrInvalid", err)
	}
	if err := s.VerifyTotals(ctx, "ex"); err != nil {
		t.Error(err)
	}
}
