package scoreboard

import (
	"context"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestInjectResponsesQueue(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ctx := context.Background()
	at := func(min int) Moment {
		return Moment{At: t0.Add(time.Duration(min) * time.Minute), Elapsed: time.Duration(min) * time.Minute}
	}
	for _, team := range []string{"cl1", "co1", "cl2"} {
		ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: team, Inject: "press", Subject: "A journalist calls",
			Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30)}))
	}
	ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "co1", Inject: "press", Body: "late answer", Moment: at(55)}))
	ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "We checked the water.", Moment: at(40)}))

	ds, err := s.InjectDeliveries(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Team != "cl1" || ds[0].Inject != "press" || !ds[0].Expects || ds[0].Points != 50 || ds[0].Elapsed != 30*time.Minute {
		t.Errorf("deliveries = %+v; want press to cl1, co1 and cl2", ds)
	}

	all, err := s.InjectResponses(ctx, "ex", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Team != "cl1" || all[1].Team != "co1" {
		t.Fatalf("responses = %+v; want cl1's then co1's (cl2 did not answer)", all)
	}
	first := all[0]
	if first.Body != "We checked the water." || first.Subject != "A journalist calls" || first.Points != 50 ||
		first.Due != 20*time.Minute || first.Delivered.Elapsed != 30*time.Minute || first.Answered.Elapsed != 40*time.Minute ||
		first.Graded || first.Late() {
		t.Errorf("cl1's response = %+v", first)
	}
	if !all[1].Late() {
		t.Errorf("co1 answered 25 minutes after delivery with 20 due, yet not Late")
	}

	ok(t)(s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 50, Author: "ines", Moment: at(45)}))
	ok(t)(s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 80, Author: "raul", Moment: at(46)}))
	pending, err := s.InjectResponses(ctx, "ex", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Team != "co1" {
		t.Errorf("ungraded = %+v; want co1's only", pending)
	}
	all, err = s.InjectResponses(ctx, "ex", false)
	if err != nil {
		t.Fatal(err)
	}
	if g := all[0]; !g.Graded || g.Percent != 80 || g.GradedBy != "raul" {
		t.Errorf("graded response = %+v; want the latest grade, 80%% by raul", g)
	}
	if _, err := s.InjectResponses(ctx, "nope", false); err == nil {
		t.Errorf("an unknown exercise's queue has no error")
	}
}

func TestUnmatchedReports(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ctx := context.Background()
	at := func(min int) Moment {
		return Moment{At: t0.Add(time.Duration(min) * time.Minute), Elapsed: time.Duration(min) * time.Minute}
	}
	run := func(id, team, target string, start int) AttackRun {
		return AttackRun{ID: id, Exercise: "ex", Team: team, Attack: "a-" + id, Techniques: []string{"T1110"}, Target: target,
			Verdict: VerdictSucceeded, Started: at(start), Ended: at(start + 1)}
	}
	ok(t)(s.RecordAttackRun(ctx, run("r-early", "cl1", "portal", 5)))
	ok(t)(s.RecordAttackRun(ctx, run("r-hmi", "cl1", "hmi", 39)))
	ok(t)(s.RecordAttackRun(ctx, run("r-late", "cl1", "portal", 38)))
	ok(t)(s.RecordAttackRun(ctx, run("r-co", "co1", "portal", 38)))

	// A report that names the wrong technique matches nothing by the rules.
	miss := ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1486"},
		Summary: "ransomware?", Moment: at(40)}))
	// One that names the right one is matched and leaves the queue.
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "co1", Target: "portal", Techniques: []string{"T1110"},
		Summary: "spraying", Moment: at(40)}))

	q, err := s.UnmatchedReports(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ID != miss.ID || q[0].Team != "cl1" || q[0].Summary != "ransomware?" {
		t.Fatalf("unmatched = %+v; want cl1's report only", q)
	}
	var ids []string
	for _, c := range q[0].Candidates {
		ids = append(ids, c.ID)
	}
	if got, want := ids, []string{"r-late", "r-early", "r-hmi"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("candidates = %v; want %v (the target's runs by closeness, then the others; never another team's)", got, want)
	}

	ok(t)(s.MatchReportByHand(ctx, "ex", miss.ID, "r-late", "ines", "the team named the wrong technique but saw it"))
	q, err = s.UnmatchedReports(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 0 {
		t.Errorf("after matching by hand, unmatched = %+v; want none", q)
	}
}
