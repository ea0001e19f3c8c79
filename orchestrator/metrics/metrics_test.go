package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

const token = "s3cret-token-for-the-tests-0123456789"

var start = time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)

func moment(d time.Duration) scoreboard.Moment {
	return scoreboard.Moment{At: start.Add(d), Elapsed: d}
}

// scrape GETs the handler with the Authorization header given ("" : none)
// and returns the status and body.
func scrape(t *testing.T, h http.Handler, auth string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// families scrapes with the token and parses the exposition.
func families(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := scrape(t, m.Handler(), "Bearer "+token)
	if code != http.StatusOK {
		t.Fatalf("scrape with the token: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse the exposition: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the family's metric with exactly these labels;
// ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func expect(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := value(fams, name, labels)
	if !ok {
		t.Errorf("%s%v: missing", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func l(kv ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Details as the scorebot's agent writes them, by cause: probe.Judge's own
// words, so that a change of its wording that the causes no longer know
// fails here.
func judged(t testing.TB) map[string][]string {
	httpCheck := probe.Check{Type: "http", Address: "10.0.0.5", Port: 80, Timeout: 5 * time.Second,
		HTTP: &probe.HTTPCheck{Scheme: "http", Method: "GET", Path: "/", ExpectStatus: 200, BodyMatches: "Welcome"}}
	tcpCheck := probe.Check{Type: "tcp", Address: "10.0.0.5", Port: 22, TCP: &probe.TCPCheck{Expect: "^SSH-"}}
	dnsCheck := probe.Check{Type: "dns", Address: "10.0.0.53", Port: 53, DNS: &probe.DNSCheck{Name: "portal.example", Type: "A", Expect: "^10\\."}}
	cmdCheck := probe.Check{Type: "command", Address: "10.0.0.5", Command: &probe.CommandCheck{Run: []string{"check-db"}, ExpectExit: 0, OutputMatches: "ok"}}
	timeout := fmt.Errorf("dial: %w", context.DeadlineExceeded)
	refused := fmt.Errorf("connect: %w", syscall.ECONNREFUSED)
	detail := func(c probe.Check, s probe.Seen) string {
		up, d := probe.Judge(c, s)
		if up {
			t.Fatalf("%+v judged up", s)
		}
		return d
	}
	return map[string][]string{
		metrics.CauseTimeout: {
			detail(httpCheck, probe.Seen{Err: timeout}),
			detail(dnsCheck, probe.Seen{Err: timeout}),
			detail(cmdCheck, probe.Seen{Err: timeout}),
		},
		metrics.CauseRefused: {
			detail(httpCheck, probe.Seen{Err: refused}),
			detail(dnsCheck, probe.Seen{Err: refused}),
			detail(tcpCheck, probe.Seen{Err: refused}),
		},
		metrics.CauseUnreachable: {
			detail(httpCheck, probe.Seen{Err: fmt.Errorf("read: %w", syscall.ECONNRESET)}),
			detail(httpCheck, probe.Seen{Err: fmt.Errorf("connect: %w", syscall.EHOSTUNREACH)}),
		},
		metrics.CauseWrongStatus: {detail(httpCheck, probe.Seen{Status: 500})},
		metrics.CauseWrongContent: {
			detail(httpCheck, probe.Seen{Status: 200, Output: "It works"}),
			// What a team's service says never moves the cause.
			detail(tcpCheck, probe.Seen{Output: "connection refused; timed out; exited 1"}),
			detail(dnsCheck, probe.Seen{Output: "192.168.1.1"}),
			detail(cmdCheck, probe.Seen{Output: "timed out"}),
		},
		metrics.CauseNoAnswer: {detail(dnsCheck, probe.Seen{Rcode: 3})},
		metrics.CauseWrongExit: {
			detail(cmdCheck, probe.Seen{Exit: 2, Output: "no HTTP answer: timed out"}),
		},
		metrics.CauseNotRun: {
			detail(cmdCheck, probe.Seen{Err: errors.New("exec: no such file")}),
			detail(httpCheck, probe.Seen{Err: context.Canceled}),
			"cancelled",
			detail(probe.Check{Type: "smtp"}, probe.Seen{}),
		},
		metrics.CauseOther: {"something no agent writes"},
	}
}

func TestCause(t *testing.T) {
	for cause, details := range judged(t) {
		for _, d := range details {
			if got := metrics.Cause(d); got != cause {
				t.Errorf("Cause(%q) = %s, want %s", d, got, cause)
			}
		}
	}
}

// fixture is a real store with four exercises, one in each state, and
// recorded outcomes; want is what the scrape must say of them.
type fixture struct {
	store *scoreboard.Store
	path  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cordillera.db")
	s, err := scoreboard.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	teams := []scoreboard.Team{{ID: "cl-csirt", Name: "CSIRT Chile", Country: "CL"}, {ID: "co-colcert", Name: "colCERT", Country: "CO"}}
	for _, name := range []string{"andes", "pacifico", "atacama", "patagonia"} {
		if err := s.CreateExercise(ctx, scoreboard.Exercise{Name: name, Scenario: "water-utility", Scoring: scenarios.DefaultScoring()}, teams); err != nil {
			t.Fatal(err)
		}
	}
	control := func(ex, kind string, d time.Duration) {
		if _, err := s.Control(ctx, ex, scoreboard.Control{Kind: kind, Author: "test", Moment: moment(d)}); err != nil {
			t.Fatalf("%s %s: %v", kind, ex, err)
		}
	}
	// andes runs (paused and resumed), pacifico is paused, atacama has
	// ended, patagonia is created.
	control("andes", scoreboard.ControlStart, 0)
	control("andes", scoreboard.ControlPause, time.Minute)
	control("andes", scoreboard.ControlResume, 2*time.Minute)
	control("andes", scoreboard.ControlHalt, 3*time.Minute) // moves no state
	control("pacifico", scoreboard.ControlStart, 0)
	control("pacifico", scoreboard.ControlPause, time.Minute)
	control("atacama", scoreboard.ControlStart, 0)
	control("atacama", scoreboard.ControlEnd, time.Hour)
	return &fixture{store: s, path: path}
}

// round records a team's round with one check per detail ("" : up).
func (f *fixture) round(t *testing.T, ex, team string, number int, details ...string) {
	t.Helper()
	var rs []scoreboard.CheckResult
	for i, d := range details {
		rs = append(rs, scoreboard.CheckResult{Exercise: ex, Team: team, Host: "portal", Service: fmt.Sprintf("svc%d", i),
			Round: number, Up: d == "", Detail: cmp(d == "", "HTTP 200", d), Moment: moment(time.Duration(number) * time.Minute)})
	}
	if _, n, err := f.store.RecordRound(context.Background(), ex, team, number, rs); err != nil || n != len(rs) {
		t.Fatalf("round %d of %s/%s: %d recorded, %v", number, ex, team, n, err)
	}
}

func cmp[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// execution stores an attack execution in state with outcome.
func (f *fixture) execution(t *testing.T, ex, team, attack, state, outcome string) {
	t.Helper()
	x := scoreboard.Execution{Exercise: ex, Team: team, Attack: attack, Trigger: scoreboard.TriggerTimeline, State: state, Outcome: outcome}
	if outcome != "" {
		x.Run, x.Started, x.Ended = attack+"/"+team, moment(time.Minute), moment(2*time.Minute)
	}
	if _, err := f.store.AddExecution(context.Background(), x); err != nil {
		t.Fatalf("execution %s of %s/%s: %v", attack, ex, team, err)
	}
}

func TestStoreMetrics(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := judged(t)
	// andes: cl-csirt two rounds, co-colcert one; pacifico: one round.
	f.round(t, "andes", "cl-csirt", 1, "", "", d[metrics.CauseTimeout][0])
	f.round(t, "andes", "cl-csirt", 2, "", d[metrics.CauseRefused][2], d[metrics.CauseWrongContent][1])
	f.round(t, "andes", "co-colcert", 1, d[metrics.CauseTimeout][1], d[metrics.CauseTimeout][2], d[metrics.CauseWrongExit][0], d[metrics.CauseNoAnswer][0])
	f.round(t, "pacifico", "cl-csirt", 1, "", "")
	f.execution(t, "andes", "cl-csirt", "bruteforce", scoreboard.ExecDone, scoreboard.OutcomeSucceeded)
	f.execution(t, "andes", "co-colcert", "bruteforce", scoreboard.ExecDone, scoreboard.OutcomeBlocked)
	f.execution(t, "andes", "cl-csirt", "exfil", scoreboard.ExecDone, scoreboard.OutcomeBlocked)
	f.execution(t, "andes", "co-colcert", "exfil", scoreboard.ExecInterrupted, scoreboard.OutcomeError)
	f.execution(t, "andes", "cl-csirt", "phish", scoreboard.ExecDone, scoreboard.OutcomeTimedOut)
	f.execution(t, "andes", "co-colcert", "phish", scoreboard.ExecSkipped, "") // did not run: not counted
	f.execution(t, "andes", "cl-csirt", "wiper", scoreboard.ExecApproval, "")  // not run yet: not counted
	f.execution(t, "pacifico", "cl-csirt", "phish", scoreboard.ExecDone, scoreboard.OutcomeNotApplicable)

	src, err := metrics.OpenSQLite(ctx, f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := metrics.New(metrics.Options{Token: token, Source: src})
	fams := families(t, m)

	expect(t, fams, "cordillera_store_up", nil, 1)
	for ex, state := range map[string]string{"andes": "running", "pacifico": "paused", "atacama": "ended", "patagonia": "created"} {
		for _, s := range metrics.States {
			expect(t, fams, "cordillera_exercise_state", l("exercise", ex, "state", s), cmp(s == state, 1.0, 0.0))
		}
	}
	expect(t, fams, "cordillera_rounds_total", l("exercise", "andes"), 3)
	expect(t, fams, "cordillera_rounds_total", l("exercise", "pacifico"), 1)
	expect(t, fams, "cordillera_rounds_total", l("exercise", "patagonia"), 0)
	expect(t, fams, "cordillera_checks_total", l("exercise", "andes", "result", "up"), 3)
	expect(t, fams, "cordillera_checks_total", l("exercise", "andes", "result", "down"), 7)
	expect(t, fams, "cordillera_checks_total", l("exercise", "pacifico", "result", "up"), 2)
	expect(t, fams, "cordillera_checks_total", l("exercise", "pacifico", "result", "down"), 0)
	wantFailures := map[string]float64{metrics.CauseTimeout: 3, metrics.CauseRefused: 1, metrics.CauseWrongContent: 1,
		metrics.CauseWrongExit: 1, metrics.CauseNoAnswer: 1}
	for _, c := range metrics.Causes {
		expect(t, fams, "cordillera_check_failures_total", l("exercise", "andes", "cause", c), wantFailures[c])
		expect(t, fams, "cordillera_check_failures_total", l("exercise", "pacifico", "cause", c), 0)
	}
	wantRuns := map[string]float64{"succeeded": 1, "blocked": 2, "timed_out": 1, "error": 1}
	for _, o := range metrics.Outcomes {
		expect(t, fams, "cordillera_attack_runs_total", l("exercise", "andes", "outcome", o), wantRuns[o])
		expect(t, fams, "cordillera_attack_runs_total", l("exercise", "pacifico", "outcome", o), cmp(o == "not_applicable", 1.0, 0.0))
	}
	if n := len(fams["cordillera_check_failures_total"].GetMetric()); n != 4*len(metrics.Causes) {
		t.Errorf("%d check failure series, want %d (4 exercises × the fixed causes)", n, 4*len(metrics.Causes))
	}

	// The counts are read at every scrape: a new round shows in the next.
	f.round(t, "andes", "co-colcert", 2, "", d[metrics.CauseRefused][0])
	if _, err := f.store.Control(ctx, "pacifico", scoreboard.Control{Kind: scoreboard.ControlResume, Author: "test", Moment: moment(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fams = families(t, m)
	expect(t, fams, "cordillera_rounds_total", l("exercise", "andes"), 4)
	expect(t, fams, "cordillera_checks_total", l("exercise", "andes", "result", "up"), 4)
	expect(t, fams, "cordillera_checks_total", l("exercise", "andes", "result", "down"), 8)
	expect(t, fams, "cordillera_check_failures_total", l("exercise", "andes", "cause", metrics.CauseRefused), 2)
	expect(t, fams, "cordillera_exercise_state", l("exercise", "pacifico", "state", "running"), 1)
	expect(t, fams, "cordillera_exercise_state", l("exercise", "pacifico", "state", "paused"), 0)
}

// The SQL that buckets causes in the store agrees with Cause on every
// detail the agent writes, and on free text.
func TestCauseSQLAgrees(t *testing.T) {
	f := newFixture(t)
	var all []string
	for _, ds := range judged(t) {
		all = append(all, ds...)
	}
	all = append(all, "", "port", "HTTP status", "the service said \"HTTP status 500\"", "x exited", "no answer for A x: timed out after 5s but cancelled")
	want := map[string]float64{}
	for _, d := range all {
		want[metrics.Cause(d)]++
	}
	// One failed check per detail, each its own service of one round.
	var rs []scoreboard.CheckResult
	for i, d := range all {
		rs = append(rs, scoreboard.CheckResult{Exercise: "patagonia", Team: "cl-csirt", Host: "h", Service: fmt.Sprint(i),
			Round: 1, Detail: cmp(d == "", " ", d), Moment: moment(time.Minute)})
	}
	if _, _, err := f.store.RecordRound(context.Background(), "patagonia", "cl-csirt", 1, rs); err != nil {
		t.Fatal(err)
	}
	src, err := metrics.OpenSQLite(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	counts, err := src.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.Exercise != "patagonia" {
			continue
		}
		for _, cause := range metrics.Causes {
			if float64(c.Failures[cause]) != want[cause] {
				t.Errorf("SQL counts %d failures of cause %s, Cause %v", c.Failures[cause], cause, want[cause])
			}
		}
		return
	}
	t.Fatal("no counts for patagonia")
}

func TestOpenSQLiteRefusesWhatIsNoStore(t *testing.T) {
	if _, err := metrics.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "absent.db")); err == nil {
		t.Error("opened a file that does not exist")
	}
	if _, err := metrics.OpenSQLite(context.Background(), "x.db?mode=rw"); err == nil {
		t.Error("opened a path with parameters")
	}
}

// The read-only connection cannot write to the store.
func TestSQLiteIsReadOnly(t *testing.T) {
	f := newFixture(t)
	src, err := metrics.OpenSQLite(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := metrics.WriteForTest(src); err == nil {
		t.Error("the metrics' connection wrote to the store")
	}
}

func TestToken(t *testing.T) {
	m := metrics.New(metrics.Options{Token: token})
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"Bearer wrong-token-of-the-same-kind-012345", http.StatusUnauthorized},
		{"Bearer " + token + "x", http.StatusUnauthorized},
		{"Bearer " + token[:len(token)-1], http.StatusUnauthorized},
		{"Basic " + token, http.StatusUnauthorized},
		{token, http.StatusUnauthorized},
		{"Bearer " + token, http.StatusOK},
		{"bearer " + token, http.StatusOK},
	} {
		code, body := scrape(t, m.Handler(), tc.auth)
		if code != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, code, tc.want)
		}
		if code != http.StatusOK && strings.Contains(body, "go_goroutines") {
			t.Errorf("Authorization %q: refused, yet the metrics were served", tc.auth)
		}
		if code == http.StatusOK && !strings.Contains(body, "go_goroutines") {
			t.Errorf("Authorization %q: no Go runtime metrics in\n%s", tc.auth, body)
		}
	}
}

func TestNoTokenRefusesEverything(t *testing.T) {
	for _, tok := range []string{"", "short"} {
		m := metrics.New(metrics.Options{Token: tok})
		for _, auth := range []string{"", "Bearer ", "Bearer " + tok, "Bearer " + token} {
			code, body := scrape(t, m.Handler(), auth)
			if code != http.StatusForbidden {
				t.Errorf("token %q, Authorization %q: %d, want 403", tok, auth, code)
			}
			if !strings.Contains(body, metrics.TokenEnv) || !strings.Contains(body, "Metrics are off") || strings.Contains(body, "go_goroutines") {
				t.Errorf("token %q: the refusal does not say how to set the token:\n%s", tok, body)
			}
		}
	}
}

func TestTokenFromEnv(t *testing.T) {
	t.Setenv(metrics.TokenEnv, "  "+token+"\n")
	if got := metrics.TokenFromEnv(); got != token {
		t.Errorf("TokenFromEnv() = %q", got)
	}
}

func TestInstruments(t *testing.T) {
	viewers := 0
	m := metrics.New(metrics.Options{Token: token})
	m.SetViewers(func() int { return viewers })
	viewers = 7
	m.RoundLate("andes")
	m.RoundLate("andes")
	m.RoundLate("pacifico")
	m.EngineError("andes", metrics.KindRecordRound)
	m.EngineError("andes", metrics.KindRecordRound)
	m.EngineError("andes", "could not record round 3: disk full") // free text: other
	m.EngineError("andes", metrics.KindLease)
	m.EngineError("Robert'); DROP TABLE --", metrics.KindScorebot)
	m.DeployDone("andes", 90*time.Second, true)
	m.DeployDone("andes", 40*time.Minute, true)
	m.DeployDone("andes", 500*time.Millisecond, false)

	fams := families(t, m)
	expect(t, fams, "cordillera_live_viewers", nil, 7)
	expect(t, fams, "cordillera_late_rounds_total", l("exercise", "andes"), 2)
	expect(t, fams, "cordillera_late_rounds_total", l("exercise", "pacifico"), 1)
	expect(t, fams, "cordillera_engine_errors_total", l("exercise", "andes", "kind", metrics.KindRecordRound), 2)
	expect(t, fams, "cordillera_engine_errors_total", l("exercise", "andes", "kind", metrics.KindOther), 1)
	expect(t, fams, "cordillera_engine_errors_total", l("exercise", "andes", "kind", metrics.KindLease), 1)
	expect(t, fams, "cordillera_engine_errors_total", l("exercise", metrics.LabelOther, "kind", metrics.KindScorebot), 1)
	if n := len(fams["cordillera_engine_errors_total"].GetMetric()); n != 4 {
		t.Errorf("%d engine error series, want 4", n)
	}
	if _, ok := fams["cordillera_store_up"]; ok {
		t.Error("store metrics without a source")
	}

	var ok, failed *dto.Histogram
	for _, mt := range fams["cordillera_deploy_duration_seconds"].GetMetric() {
		for _, lp := range mt.GetLabel() {
			if lp.GetName() == "result" {
				switch lp.GetValue() {
				case "ok":
					ok = mt.GetHistogram()
				case "failed":
					failed = mt.GetHistogram()
				}
			}
		}
	}
	if ok == nil || failed == nil {
		t.Fatalf("deploy histograms: ok %v, failed %v", ok, failed)
	}
	if ok.GetSampleCount() != 2 || ok.GetSampleSum() != 90+40*60 {
		t.Errorf("ok deploys: %d, %v s", ok.GetSampleCount(), ok.GetSampleSum())
	}
	if failed.GetSampleCount() != 1 || failed.GetSampleSum() != 0.5 {
		t.Errorf("failed deploys: %d, %v s", failed.GetSampleCount(), failed.GetSampleSum())
	}
	buckets := map[float64]uint64{}
	for _, b := range ok.GetBucket() {
		buckets[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if buckets[1] != 0 || buckets[60] != 0 || buckets[120] != 1 || buckets[1800] != 1 {
		t.Errorf("ok deploy buckets: %v", buckets)
	}
	if got := ok.GetBucket()[0].GetUpperBound(); got != 1 {
		t.Errorf("first bucket %v s, want 1", got)
	}
	if bs := ok.GetBucket(); len(bs) < 2 || bs[len(bs)-2].GetUpperBound() != 1800 || !math.IsInf(bs[len(bs)-1].GetUpperBound(), 1) {
		t.Errorf("buckets %v: the last before +Inf must be 1800 s (30 min)", bs)
	}

	viewers = 3
	expect(t, families(t, m), "cordillera_live_viewers", nil, 3)
}

// A nil *Metrics, metrics that are off, does nothing and does not panic.
func TestNilMetrics(t *testing.T) {
	var m *metrics.Metrics
	m.RoundLate("andes")
	m.EngineError("andes", metrics.KindOther)
	m.DeployDone("andes", time.Second, true)
	m.SetViewers(func() int { return 1 })
}

// A store that cannot be read says so in cordillera_store_up, and the
// rest is served.
func TestSourceError(t *testing.T) {
	src := metrics.SourceFunc(func(ctx context.Context) ([]metrics.ExerciseCounts, error) {
		return nil, errors.New("database is locked")
	})
	m := metrics.New(metrics.Options{Token: token, Source: src})
	m.RoundLate("andes")
	fams := families(t, m)
	expect(t, fams, "cordillera_store_up", nil, 0)
	expect(t, fams, "cordillera_late_rounds_total", l("exercise", "andes"), 1)
	if _, ok := fams["cordillera_rounds_total"]; ok {
		t.Error("store counts after a failed read")
	}
}

// Label values from a Source are bounded too: names that are not names,
// and causes or outcomes outside the fixed sets, are bucketed.
func TestSourceLabelsBounded(t *testing.T) {
	src := metrics.SourceFunc(func(ctx context.Context) ([]metrics.ExerciseCounts, error) {
		return []metrics.ExerciseCounts{
			{Exercise: "andes", State: metrics.StateRunning, Rounds: 2,
				Failures: map[string]int64{"the service said \"hi\"": 2, metrics.CauseTimeout: 1}, AttackRuns: map[string]int64{"exploded": 1}},
			{Exercise: "a b c", State: metrics.StateEnded, Rounds: 1},
			{Exercise: strings.Repeat("x", 65), State: metrics.StateEnded, Rounds: 4},
		}, nil
	})
	fams := families(t, metrics.New(metrics.Options{Token: token, Source: src}))
	expect(t, fams, "cordillera_check_failures_total", l("exercise", "andes", "cause", metrics.CauseOther), 2)
	expect(t, fams, "cordillera_check_failures_total", l("exercise", "andes", "cause", metrics.CauseTimeout), 1)
	expect(t, fams, "cordillera_attack_runs_total", l("exercise", "andes", "outcome", metrics.OutcomeError), 1)
	expect(t, fams, "cordillera_rounds_total", l("exercise", metrics.LabelOther), 5)
	if n := len(fams["cordillera_rounds_total"].GetMetric()); n != 2 {
		t.Errorf("%d round series, want 2", n)
	}
}

// BenchmarkCounts reads the counts of an exercise of 10 teams × 10 checks
// × 480 rounds (8 hours of a round a minute): 48,000 checks, a tenth failed.
func BenchmarkCounts(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "cordillera.db")
	s, err := scoreboard.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var teams []scoreboard.Team
	for i := range 10 {
		teams = append(teams, scoreboard.Team{ID: fmt.Sprintf("team-%d", i), Name: fmt.Sprint(i), Country: "CL"})
	}
	if err := s.CreateExercise(ctx, scoreboard.Exercise{Name: "andes", Scenario: "x", Scoring: scenarios.DefaultScoring()}, teams); err != nil {
		b.Fatal(err)
	}
	d := judged(b)
	for _, t := range teams {
		for r := 1; r <= 480; r++ {
			var rs []scoreboard.CheckResult
			for c := range 10 {
				detail := "HTTP 200"
				if c == r%10 && r%3 == 0 {
					detail = d[metrics.CauseTimeout][0]
				}
				rs = append(rs, scoreboard.CheckResult{Exercise: "andes", Team: t.ID, Host: "h", Service: fmt.Sprint(c),
					Round: r, Up: detail == "HTTP 200", Detail: detail, Moment: moment(time.Duration(r) * time.Minute)})
			}
			if _, _, err := s.RecordRound(ctx, "andes", t.ID, r, rs); err != nil {
				b.Fatal(err)
			}
		}
	}
	src, err := metrics.OpenSQLite(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := src.Counts(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
