package scoreboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestCountrySeriesOf(t *testing.T) {
	p := func(totals ...int) []SeriesPoint {
		var out []SeriesPoint
		for i, n := range totals {
			out = append(out, SeriesPoint{At: t0.Add(time.Duration(i+1) * time.Minute), Total: n})
		}
		return out
	}
	series := []TeamSeries{{Team: "cl1", Points: p(10, 20)}, {Team: "cl2", Points: p(5, 5)}, {Team: "co1", Points: p(-3, 7)}}
	teams := []Team{{ID: "cl1", Country: "CL"}, {ID: "cl2", Country: "CL"}, {ID: "co1", Country: "CO"}}
	render := func(cs []CountrySeries) string {
		var lines []string
		for _, c := range cs {
			var ps []string
			for _, p := range c.Points {
				ps = append(ps, fmt.Sprintf("%s=%g", p.At.Sub(t0), p.Total))
			}
			lines = append(lines, c.Country+": "+strings.Join(ps, " "))
		}
		return strings.Join(lines, "\n")
	}
	if got, want := render(CountrySeriesOf(series, teams, "sum")), "CL: 1m0s=15 2m0s=25\nCO: 1m0s=-3 2m0s=7"; got != want {
		t.Errorf("sum:\n%s\nwant:\n%s", got, want)
	}
	if got, want := render(CountrySeriesOf(series, teams, "mean")), "CL: 1m0s=7.5 2m0s=12.5\nCO: 1m0s=-3 2m0s=7"; got != want {
		t.Errorf("mean:\n%s\nwant:\n%s", got, want)
	}
}

func TestAfterAction(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: "10.66.0.5", Attack: "portal-bruteforce", Moment: at(5 * time.Minute)}))
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute)))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "spraying", Moment: at(16 * time.Minute)}))
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl2", VerdictSucceeded, 10*time.Minute)))
	// co1's attack was skipped by an instructor: the engine's execution is
	// all there is.
	if _, err := s.AddExecution(ctx, Execution{Exercise: "ex", Team: "co1", Attack: "portal-bruteforce", Trigger: TriggerTimeline,
		Due: 10 * time.Minute, State: ExecSkipped, Reason: "host under maintenance", Author: "ines"}); err != nil {
		t.Fatal(err)
	}
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Subject: "A journalist", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "statement", Moment: at(55 * time.Minute)}))
	ok(t)(s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 80, Author: "ines", Moment: at(time.Hour)}))
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "co1", Inject: "press", Subject: "A journalist", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "co1", Points: 25, Author: "ines", Reason: "attack skipped by us", Moment: at(time.Hour)}))

	aa, err := s.AfterAction(ctx, "ex", t0.Add(2*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(aa.Attacks) != 1 {
		t.Fatalf("attacks %+v, want one line", aa.Attacks)
	}
	var cells []string
	for _, o := range aa.Attacks[0].Outcomes {
		cells = append(cells, fmt.Sprintf("%s=%s detected=%v ttd=%s", o.Team, o.Outcome, o.Detected, o.TimeToDetect))
	}
	if got, want := strings.Join(cells, "; "), "cl1=blocked detected=true ttd=6m0s; cl2=succeeded detected=false ttd=0s; co1=skipped detected=false ttd=0s"; got != want {
		t.Errorf("attack outcomes:\n%s\nwant:\n%s", got, want)
	}
	if l := aa.Attacks[0]; l.Target != "portal" || l.At != 10*time.Minute {
		t.Errorf("attack line %+v: want target portal at 10m", l)
	}
	if len(aa.Detections) != 1 || aa.Detections[0].Team != "cl1" || aa.Detections[0].TimeToDetect != 6*time.Minute {
		t.Errorf("detections %+v: want cl1's, 6m after the start", aa.Detections)
	}
	if len(aa.Injects) != 2 {
		t.Fatalf("injects %+v, want two deliveries", aa.Injects)
	}
	if in := aa.Injects[0]; in.Team != "cl1" || in.TimeToRespond != 25*time.Minute || !in.Late || in.Percent != 80 {
		t.Errorf("cl1's inject %+v: want answered after 25m, late, graded 80%%", in)
	}
	if in := aa.Injects[1]; in.Team != "co1" || !in.Answered.At.IsZero() || in.Percent != -1 {
		t.Errorf("co1's inject %+v: want unanswered, ungraded", in)
	}
	if len(aa.Indicators) != 1 || aa.Indicators[0].Credits != 1 || aa.Indicators[0].Points != 20 {
		t.Errorf("indicators %+v: want one, credited once for 20", aa.Indicators)
	}
	if len(aa.ByHand) != 1 || aa.ByHand[0].Reason != "attack skipped by us" || aa.ByHand[0].Author != "ines" {
		t.Errorf("entries by hand %+v: want the adjustment", aa.ByHand)
	}
	// The series ends where the standings are.
	totals := map[string]int{}
	for _, ts := range aa.Standings.Teams {
		totals[ts.Team.ID] = ts.Total
	}
	for _, ts := range aa.Series {
		if last := ts.Points[len(ts.Points)-1].Total; last != totals[ts.Team] {
			t.Errorf("team %s: series ends at %d, standings say %d", ts.Team, last, totals[ts.Team])
		}
	}
	for _, cs := range aa.Countries {
		for _, st := range aa.Standings.Countries {
			if st.Country == cs.Country && cs.Points[len(cs.Points)-1].Total != st.Total {
				t.Errorf("country %s: series ends at %g, standings say %g", cs.Country, cs.Points[len(cs.Points)-1].Total, st.Total)
			}
		}
	}
	if _, err := s.AfterAction(ctx, "nope", t0, 0); err == nil {
		t.Errorf("after-action of an unknown exercise: no error")
	}
}

func TestCompare(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	if err := s.CreateExercise(ctx, Exercise{Name: "later", Title: "Later", Scenario: "water-utility", Scoring: scenarios.DefaultScoring(), CreatedAt: t0},
		[]Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartExercise(ctx, "later", t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.StartExercise(ctx, "ex", t0); err != nil {
		t.Fatal(err)
	}
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute)))
	cs, err := s.Compare(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Exercise.Name != "ex" || cs[1].Exercise.Name != "later" {
		t.Fatalf("comparison of %d exercises, want ex then later", len(cs))
	}
	var csv bytes.Buffer
	if err := WriteComparisonCSV(&csv, cs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	// ex: overall, 2 countries, 3 teams; later: overall, 1 country, 1 team.
	if len(lines) != 1+6+3 || !strings.HasPrefix(lines[0], "exercise,title,scenario,started_at,ended_at,level,country,team,teams,rank,total,checks") {
		t.Errorf("CSV:\n%s", csv.String())
	}
	if !strings.Contains(csv.String(), "ex,Test,water-utility,2026-11-20T13:00:00.000Z,,team,CL,cl1,1,1,50,0,0,0,1,0") {
		t.Errorf("CSV lacks cl1's row with rank 1, 50 points and one block:\n%s", csv.String())
	}
	var js bytes.Buffer
	if err := WriteComparisonJSON(&js, cs); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(js.Bytes(), &out); err != nil || len(out) != 2 || out[0]["total"] != 50.0 {
		t.Errorf("JSON %s (%v): want two exercises, the first with 50 points", js.String(), err)
	}
}
