package scoreboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestInjectsOf(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Subject: "A journalist asks", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "memo", Subject: "FYI", Moment: at(10 * time.Minute)}))
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "co1", Inject: "press", Subject: "A journalist asks", Expects: true, Points: 50, Moment: at(30 * time.Minute)}))
	ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "our statement", Moment: at(55 * time.Minute)}))
	for _, p := range []int{60, 80} {
		ok(t)(s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: p, Author: "ines", Note: "clear", Moment: at(time.Hour)}))
	}

	items, err := s.InjectsOf(ctx, "ex", "cl1")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Inject != "memo" || items[1].Inject != "press" {
		t.Fatalf("cl1's inbox: %+v; want memo then press", items)
	}
	memo, press := items[0], items[1]
	if memo.Response != nil || memo.Grade != nil || memo.Expects || memo.Deadline() != 0 || memo.Late(2*time.Hour) {
		t.Errorf("memo: %+v; want no answer, grade or deadline", memo)
	}
	if press.Response == nil || press.Response.Body != "our statement" || press.Response.Elapsed != 55*time.Minute {
		t.Errorf("press answer: %+v", press.Response)
	}
	if press.Grade == nil || press.Grade.Percent != 80 || press.Grade.Author != "ines" || press.Grade.Note != "clear" {
		t.Errorf("press grade: %+v; want the latest, 80%% by ines", press.Grade)
	}
	if press.Deadline() != 50*time.Minute || !press.Late(0) {
		t.Errorf("press deadline %s late %v; want 00:50:00 and late", press.Deadline(), press.Late(0))
	}

	co, err := s.InjectsOf(ctx, "ex", "co1")
	if err != nil || len(co) != 1 || co[0].Response != nil {
		t.Errorf("co1's inbox: %+v, %v; want press unanswered: another team's answer is not theirs", co, err)
	}
	if _, err := s.InjectsOf(ctx, "ex", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown team: %v, want ErrNotFound", err)
	}
	if _, err := s.InjectsOf(ctx, "nope", "cl1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown exercise: %v, want ErrNotFound", err)
	}
}

func TestReportsOf(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictSucceeded, 10*time.Minute)))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"t1110"}, Source: "10.0.0.66", Summary: "spraying", Moment: at(11 * time.Minute)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "mail", Summary: "odd logins", Moment: at(12 * time.Minute)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "co1", Target: "portal", Summary: "theirs", Moment: at(12 * time.Minute)}))

	reps, err := s.ReportsOf(ctx, "ex", "cl1")
	if err != nil || len(reps) != 2 || reps[0].Run != "" {
		t.Fatalf("cl1's reports before the attack is revealed: %+v, %v; want 2, unmatched", reps, err)
	}
	if _, err := s.RevealDue(ctx, "ex", at(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	reps, err = s.ReportsOf(ctx, "ex", "cl1")
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("cl1's reports: %+v; want 2", reps)
	}
	if r := reps[0]; r.Summary != "spraying" || r.Run == "" || r.Source != "10.0.0.66" || len(r.Techniques) != 1 || r.Techniques[0] != "T1110" || r.Team != "cl1" {
		t.Errorf("first report: %+v; want it matched to the run", r)
	}
	if r := reps[1]; r.Summary != "odd logins" || r.Run != "" {
		t.Errorf("second report: %+v; want it unmatched", r)
	}
	co, err := s.ReportsOf(ctx, "ex", "co1")
	if err != nil || len(co) != 1 || co[0].Summary != "theirs" {
		t.Errorf("co1's reports: %+v, %v", co, err)
	}
}

func TestIndicatorsFor(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	share := func(team, value string, elapsed time.Duration) {
		t.Helper()
		ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: team, Kind: IndicatorIPv4, Value: value, Description: "from " + team, Moment: at(elapsed)}))
	}
	share("co1", "10.9.9.1", 5*time.Minute)
	share("cl1", "10.9.9.2", 6*time.Minute)
	share("cl2", "10.9.9.3", 7*time.Minute)
	share("co1", "10.9.9.4", 8*time.Minute)

	got, err := s.IndicatorsFor(ctx, "ex", "cl1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shared) != 1 || got.Shared[0].Value != "10.9.9.2" || got.Shared[0].Country != "CL" {
		t.Errorf("cl1 shared %+v; want its own 10.9.9.2", got.Shared)
	}
	if len(got.Received) != 2 || got.Received[0].Value != "10.9.9.1" || got.Received[1].Value != "10.9.9.4" || got.Received[0].Team != "co1" {
		t.Errorf("cl1 received %+v; want co1's two, oldest first, and not its compatriot cl2's", got.Received)
	}
	got, err = s.IndicatorsFor(ctx, "ex", "co1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shared) != 2 || len(got.Received) != 2 || got.Received[0].Value != "10.9.9.2" || got.Received[1].Value != "10.9.9.3" {
		t.Errorf("co1: %+v; want its two shared and both Chilean teams' received", got)
	}
}

func TestSubmissionsAndHintsOf(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	sub := func(team, answer string, correct bool, elapsed time.Duration) {
		t.Helper()
		ok(t)(s.RecordSubmission(ctx, ChallengeSubmission{Exercise: "ex", Team: team, Challenge: "addr", Answer: answer, Correct: correct, Points: 40, Moment: at(elapsed)}))
	}
	sub("cl1", "10.0.0.1", false, 10*time.Minute)
	sub("cl1", "10.0.0.66", true, 11*time.Minute)
	sub("co1", "10.0.0.9", false, 12*time.Minute)
	ok(t)(s.RecordHint(ctx, HintTaken{Exercise: "ex", Team: "cl1", Challenge: "addr", Hint: 0, Cost: -1, Moment: at(9 * time.Minute)}))

	subs, err := s.SubmissionsOf(ctx, "ex", "cl1")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Correct || !subs[1].Correct || subs[1].Answer != "10.0.0.66" || subs[1].Elapsed != 11*time.Minute {
		t.Errorf("cl1's answers: %+v", subs)
	}
	hints, err := s.HintsOf(ctx, "ex", "cl1")
	if err != nil || len(hints) != 1 || hints[0].Challenge != "addr" || hints[0].Hint != 0 || hints[0].Cost != -1 {
		t.Errorf("cl1's hints: %+v, %v", hints, err)
	}
	if hints, _ := s.HintsOf(ctx, "ex", "co1"); len(hints) != 0 {
		t.Errorf("co1 took no hint, got %+v", hints)
	}
}
