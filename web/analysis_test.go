package web

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// played records an exercise's worth of outcomes in the fixture's "ex",
// starting at start: checks, a blocked attack on cl1 that cl1 detects six
// minutes later, a successful one on co1, an indicator co1 shares first, an
// inject cl1 answers late, an adjustment with its reason; then it ends.
func (f *fixture) played(start time.Time) {
	f.t.Helper()
	ctx := context.Background()
	at := func(d time.Duration) scoreboard.Moment { return scoreboard.Moment{At: start.Add(d), Elapsed: d} }
	must := func(_ scoreboard.Recorded, err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.store.Control(ctx, "ex", scoreboard.Control{Kind: scoreboard.ControlStart, Moment: at(0)}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.StartExercise(ctx, "ex", start); err != nil {
		f.t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		for _, team := range []string{"cl1", "co1"} {
			must(f.store.RecordCheck(ctx, scoreboard.CheckResult{Exercise: "ex", Team: team, Host: "portal", Service: "http", Round: round,
				Up: team == "cl1" || round != 2, Moment: at(time.Duration(round) * time.Minute)}))
		}
	}
	must(f.store.RecordIndicator(ctx, scoreboard.SharedIndicator{Exercise: "ex", Team: "co1", Kind: scoreboard.IndicatorIPv4, Value: "10.66.0.5",
		Attack: "portal-bruteforce", Moment: at(4 * time.Minute)}))
	for _, r := range []struct{ team, verdict string }{{"cl1", scoreboard.VerdictBlocked}, {"co1", scoreboard.VerdictSucceeded}} {
		must(f.store.RecordAttackRun(ctx, scoreboard.AttackRun{ID: "run-" + r.team, Exercise: "ex", Team: r.team, Attack: "portal-bruteforce",
			Techniques: []string{"T1110.003"}, Target: "portal", Verdict: r.verdict, Started: at(10 * time.Minute), Ended: at(11 * time.Minute)}))
	}
	must(f.store.RecordReport(ctx, scoreboard.IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"},
		Summary: "password spraying from 10.66.0.5", Moment: at(16 * time.Minute)}))
	must(f.store.RecordInjectDelivery(ctx, scoreboard.InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Subject: "A journalist calls",
		Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	must(f.store.RecordInjectResponse(ctx, scoreboard.InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "statement", Moment: at(55 * time.Minute)}))
	must(f.store.Adjust(ctx, scoreboard.Adjustment{Exercise: "ex", Team: "co1", Points: 15, Author: "ines", Reason: "scorebot outage in round 2", Moment: at(time.Hour)}))
	if _, err := f.store.Control(ctx, "ex", scoreboard.Control{Kind: scoreboard.ControlEnd, Moment: at(90 * time.Minute)}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.EndExercise(ctx, "ex", start.Add(90*time.Minute)); err != nil {
		f.t.Fatal(err)
	}
}

// noChart points /vendor/chart/ at a folder without Chart.js.
func noChart(t *testing.T) func(*Config) {
	dir := t.TempDir()
	return func(c *Config) { c.AssetsDirs = AssetsDirs{Xterm: dir, Chart: filepath.Join(dir, "missing")} }
}

func withChart(t *testing.T) func(*Config) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, chartScript), []byte("// chart"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(c *Config) { c.AssetsDirs = AssetsDirs{Xterm: dir, Chart: dir} }
}

func TestAnalysisSeries(t *testing.T) {
	f := newFixture(t, noChart(t))
	f.played(time.Now().Add(-2 * time.Hour).Truncate(time.Minute))
	m := f.signedIn("mara")
	res := m.get("/api/v1/exercises/ex/series?step=1m")
	expect(t, res, http.StatusOK)
	var series struct {
		Exercise, View  string
		StepSeconds     int64  `json:"step_seconds"`
		CountryStanding string `json:"country_standing"`
		Teams           []struct {
			Team   apiTeam
			Points []struct {
				At    string
				Total float64
			}
		}
		Countries []struct {
			Country string
			Points  []struct {
				At    string
				Total float64
			}
		}
	}
	if err := json.Unmarshal([]byte(res.body), &series); err != nil {
		t.Fatalf("series JSON: %v\n%s", err, res.body)
	}
	if series.Exercise != "ex" || series.View != "live" || series.StepSeconds != 60 || len(series.Teams) != 2 || len(series.Countries) != 2 {
		t.Fatalf("series %+v: want ex's live series of 2 teams and 2 countries in steps of 60 s", series)
	}
	st, err := f.store.Standings(context.Background(), "ex", scoreboard.Live)
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]float64{}
	for _, ts := range st.Teams {
		totals[ts.Team.ID] = float64(ts.Total)
	}
	for _, cs := range st.Countries {
		totals[cs.Country] = cs.Total
	}
	for _, ts := range series.Teams {
		n := len(ts.Points)
		if n < 60 || ts.Team.Name == "" {
			t.Errorf("team %+v: %d points, want one a minute from the first entry to the last (an hour), and its name", ts.Team, n)
			continue
		}
		if _, err := time.Parse(time.RFC3339, ts.Points[n-1].At); err != nil {
			t.Errorf("point time %q: %v", ts.Points[n-1].At, err)
		}
		if last := ts.Points[n-1].Total; last != totals[ts.Team.ID] || last == 0 {
			t.Errorf("team %s: series ends at %g, standings say %g", ts.Team.ID, last, totals[ts.Team.ID])
		}
	}
	for _, cs := range series.Countries {
		if last := cs.Points[len(cs.Points)-1].Total; last != totals[cs.Country] {
			t.Errorf("country %s: series ends at %g, standings say %g", cs.Country, last, totals[cs.Country])
		}
	}
	expect(t, m.get("/api/v1/exercises/ex/series?step=soon"), http.StatusBadRequest, `{"error":`)
	expect(t, m.get("/api/v1/exercises/ex/series?view=public"), http.StatusOK, `"view":"public"`)
	expect(t, m.get("/api/v1/exercises/nope/series"), http.StatusNotFound)
	expect(t, f.signedIn("ana").get("/api/v1/exercises/ex/series"), http.StatusForbidden)
	expect(t, f.client().get("/api/v1/exercises/ex/series"), http.StatusUnauthorized)
}

func TestAnalysisCompare(t *testing.T) {
	f := newFixture(t, noChart(t))
	ctx := context.Background()
	f.played(time.Now().Add(-48 * time.Hour).Truncate(time.Minute))
	err := f.store.CreateExercise(ctx, scoreboard.Exercise{Name: "ex2", Title: "Andes second round", Scenario: "water-utility", Scoring: scenarios.DefaultScoring()},
		[]scoreboard.Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.StartExercise(ctx, "ex2", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	m := f.signedIn("mara")
	res := m.get("/api/v1/compare")
	expect(t, res, http.StatusOK)
	var out struct {
		Exercises []struct {
			Exercise  string
			Total     int
			Countries []struct{ Country string }
			Teams     []struct {
				Team  string
				Total int
			}
		}
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Exercises) != 2 || out.Exercises[0].Exercise != "ex" || out.Exercises[1].Exercise != "ex2" {
		t.Fatalf("compare lists %+v, want ex then ex2", out.Exercises)
	}
	if e := out.Exercises[0]; len(e.Countries) != 2 || len(e.Teams) != 2 || e.Total != e.Teams[0].Total+e.Teams[1].Total || e.Total == 0 {
		t.Errorf("ex in the comparison: %+v", e)
	}
	expect(t, m.get("/manager/compare"), http.StatusOK, "Compare exercises", "Andes test", "Andes second round",
		`id="chart-compare"`, "Per country", "Per team", "/manager/compare/export/comparison.csv", "install libjs-chart.js")
	res = m.get("/manager/compare/export/comparison.csv")
	expect(t, res, http.StatusOK, "exercise,title,scenario", "\nex,Andes test,", "\nex2,Andes second round,")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("comparison CSV content type %q", ct)
	}
	expect(t, m.get("/manager/compare/export/comparison.json"), http.StatusOK, `"exercise": "ex2"`)
	expect(t, m.get("/manager/compare/export/passwd"), http.StatusNotFound)
	es := f.signedIn("ines")
	es.lang = "es"
	expect(t, es.get("/manager/compare"), http.StatusOK, "Comparar ejercicios", "Por país", "Mediana del tiempo de detección")

	ana := f.signedIn("ana")
	expect(t, ana.get("/manager/compare"), http.StatusForbidden)
	expect(t, ana.get("/api/v1/compare"), http.StatusForbidden)
	expect(t, ana.get("/manager/compare/export/comparison.csv"), http.StatusForbidden)
	if res := f.client().get("/manager/compare"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor gets %d to %q, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestAnalysisReport(t *testing.T) {
	f := newFixture(t, noChart(t))
	f.played(time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC))
	m := f.signedIn("mara")
	res := m.get("/manager/ex/report")
	expect(t, res, http.StatusOK, "After-action report", "Andes test", "water-utility", "Final standings",
		"2 teams from 2 countries", "01:30:00", // the exercise's duration
		"Timeline of attacks", "portal-bruteforce", "Blocked", "Succeeded", "detected after 00:06:00",
		"password spraying from 10.66.0.5", "A journalist calls", "00:25:00", "late",
		"10.66.0.5", "scorebot outage in round 2", "ines",
		`href="/static/report.css"`, `data-print`, `src="/static/charts.js"`, `id="chart-teams"`, "install libjs-chart.js")
	if strings.Contains(res.body, "Provisional") {
		t.Errorf("an ended exercise's report says it is provisional")
	}
	// The figures come from the store: cl1's total is in the standings.
	st, _ := f.store.Standings(context.Background(), "ex", scoreboard.Live)
	for _, ts := range st.Teams {
		if want := `<td class="num total">` + strconv.Itoa(ts.Total) + `</td>`; !strings.Contains(res.body, want) {
			t.Errorf("report lacks %s's total %s", ts.Team.ID, want)
		}
	}
	if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " onclick=") {
		t.Errorf("the report has inline script, which the CSP forbids")
	}

	es := f.signedIn("ines")
	es.lang = "es"
	expect(t, es.get("/manager/ex/report"), http.StatusOK, `<html lang="es">`, "Informe posterior al ejercicio", "Clasificación final",
		"2 equipos de 2 países", "Bloqueado", "Exitoso", "detectado tras 00:06:00", "Imprimir", "Ajustes de los instructores")

	res = m.get("/api/v1/exercises/ex/report")
	expect(t, res, http.StatusOK)
	var aa struct {
		Final    bool
		Duration struct{ Clock string }
		Attacks  []struct {
			Attack   string
			Outcomes []struct {
				Team, Outcome string
				Detected      bool
				TimeToDetect  *struct{ Clock string } `json:"time_to_detect"`
			}
		}
		Injects     []struct{ Late bool }
		Indicators  []struct{ Credits, Points int }
		Adjustments []struct{ Reason string }
		Statistics  struct{ Exercise string }
		Standings   apiStandings
	}
	if err := json.Unmarshal([]byte(res.body), &aa); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, res.body)
	}
	if !aa.Final || aa.Duration.Clock != "01:30:00" || aa.Statistics.Exercise != "ex" || len(aa.Standings.Teams) != 2 {
		t.Errorf("report JSON head: %+v", aa)
	}
	if len(aa.Attacks) != 1 || len(aa.Attacks[0].Outcomes) != 2 || aa.Attacks[0].Outcomes[0].Outcome != "blocked" ||
		aa.Attacks[0].Outcomes[0].TimeToDetect == nil || aa.Attacks[0].Outcomes[0].TimeToDetect.Clock != "00:06:00" {
		t.Errorf("report JSON attacks: %+v", aa.Attacks)
	}
	if len(aa.Injects) != 1 || !aa.Injects[0].Late || len(aa.Indicators) != 1 || aa.Indicators[0].Credits != 1 ||
		len(aa.Adjustments) != 1 || aa.Adjustments[0].Reason != "scorebot outage in round 2" {
		t.Errorf("report JSON: injects %+v, indicators %+v, adjustments %+v", aa.Injects, aa.Indicators, aa.Adjustments)
	}

	ana := f.signedIn("ana")
	expect(t, ana.get("/manager/ex/report"), http.StatusForbidden)
	expect(t, ana.get("/api/v1/exercises/ex/report"), http.StatusForbidden)
	if res := f.client().get("/manager/ex/report"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor gets %d to %q, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
	expect(t, f.client().get("/api/v1/exercises/ex/report"), http.StatusUnauthorized)
	expect(t, m.get("/manager/nope/report"), http.StatusNotFound)
}

func TestAnalysisReportProvisional(t *testing.T) {
	f := newFixture(t, withChart(t))
	res := f.signedIn("mara").get("/manager/ex/report")
	expect(t, res, http.StatusOK, "Provisional", "Standings so far", "No attack was run.", "No points yet.", `src="/vendor/chart/chart.min.js"`)
	if strings.Contains(res.body, `data-chart-missing>`) {
		t.Errorf("Chart.js is installed, yet the report says it is missing")
	}
}

func TestAnalysisManagerPage(t *testing.T) {
	f := newFixture(t, withChart(t))
	f.played(time.Now().Add(-3 * time.Hour).Truncate(time.Minute))
	m := f.signedIn("mara")
	res := m.get("/manager/ex")
	expect(t, res, http.StatusOK, "Final figures", "Score over time", "Per team", "Per country", "Breakdown by category",
		`id="chart-teams"`, `id="chart-countries"`, `id="chart-categories"`, `src="/vendor/chart/chart.min.js"`,
		"/manager/ex/report", "/manager/compare", "Median time to detect", "press", // the per-inject table
		"/manager/ex/export/ledger.csv")
	// The chart's data is JSON the script reads, not script.
	start := strings.Index(res.body, `<script type="application/json" id="chart-teams">`)
	if start < 0 {
		t.Fatal("no chart data block")
	}
	block := res.body[start+len(`<script type="application/json" id="chart-teams">`):]
	block = block[:strings.Index(block, "</script>")]
	var chart chartData
	if err := json.Unmarshal([]byte(block), &chart); err != nil {
		t.Fatalf("chart data %q: %v", block, err)
	}
	if chart.Kind != "line" || len(chart.Lines) != 2 || len(chart.Labels) == 0 || len(chart.Lines[0].Data) != len(chart.Labels) {
		t.Errorf("chart data %+v: want two lines, a value per label", chart)
	}
	es := f.signedIn("ines")
	es.lang = "es"
	expect(t, es.get("/manager/ex"), http.StatusOK, "Puntaje en el tiempo", "Desglose por categoría", "Cifras finales")
	expect(t, f.signedIn("ana").get("/manager/ex"), http.StatusForbidden)
}

func TestAnalysisAssets(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	expect(t, c.get("/static/report.css"), http.StatusOK, "@media print", "@page", "size: A4", "break-inside: avoid",
		"break-before: page", "display: table-header-group", ".top", "display: none")
	expect(t, c.get("/static/charts.js"), http.StatusOK, "window.print()", "data-chart-missing", "beforeprint")
	expect(t, f.signedIn("mara").get("/"), http.StatusOK, `href="/manager/compare"`)
	if strings.Contains(f.signedIn("ana").get("/").body, `href="/manager/compare"`) {
		t.Errorf("a trainee's navigation links to the managers' comparison")
	}
}

// TestAnalysisCatalog checks the blocks only the analysis pages use, which
// TestCatalog does not read.
func TestAnalysisCatalog(t *testing.T) {
	b, err := templateFiles.ReadFile("templates/analysis-partials.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
		if _, ok := catalogs["en"][m[1]]; !ok {
			t.Errorf("analysis-partials.html uses %q, which the catalog lacks", m[1])
		}
	}
	for _, k := range compareMetrics {
		for _, key := range []string{"compare.metric." + k, "compare.unit." + k} {
			if _, ok := catalogs["es"][key]; !ok {
				t.Errorf("the catalog lacks %q", key)
			}
		}
	}
	for _, o := range []string{scoreboard.VerdictBlocked, scoreboard.VerdictSucceeded, scoreboard.VerdictNotApplicable, scoreboard.OutcomeTimedOut,
		scoreboard.OutcomeError, scoreboard.ExecApproval, scoreboard.ExecApproved, scoreboard.ExecRunning, scoreboard.ExecDone,
		scoreboard.ExecSkipped, scoreboard.ExecMissed, scoreboard.ExecInterrupted} {
		if _, ok := catalogs["es"]["aar.outcome."+o]; !ok {
			t.Errorf("the catalog lacks the outcome %q", o)
		}
	}
}
