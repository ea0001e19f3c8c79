package web

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// playFixture is the fixture plus exercise "drill" of the bundled
// office-intrusion scenario, held and started by a director with no
// container engine: teams cl1 (Chile) and co1 (Colombia), trainees carla
// (cl1) and diego (co1). Inject phishing-reportado has reached cl1.
type playFixture struct {
	*fixture
	plans map[string]*scenarios.TeamPlan
}

func newPlayFixture(t *testing.T, tweak ...func(*Config)) *playFixture {
	t.Helper()
	ctx := context.Background()
	var dir *director.Director
	setup := func(cfg *Config) {
		dir = director.New(cfg.Store, nil, errors.New("no docker"), director.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		x, diags, err := dir.Create(ctx, director.Definition{Name: "drill", Title: "Drill", Scenario: "office-intrusion", Seed: "fixed",
			Teams: []director.TeamDefinition{{ID: "cl1", Name: "CSIRT de Gobierno", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}}}, "ines")
		if err != nil || x == nil {
			t.Fatalf("create the drill: %v %v", err, diags)
		}
		if err := x.Engine.Start(ctx, "ines", 0); err != nil {
			t.Fatal(err)
		}
		cfg.Director = dir
		cfg.SubmitLimit = 1000
	}
	f := newFixture(t, append([]func(*Config){setup}, tweak...)...)
	t.Cleanup(dir.Close)
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	for _, u := range []scoreboard.User{
		{Name: "carla", Role: scoreboard.RoleTrainee, Exercise: "drill", Team: "cl1"},
		{Name: "diego", Role: scoreboard.RoleTrainee, Exercise: "drill", Team: "co1"},
	} {
		u.PasswordHash = string(hash)
		if err := f.store.Accounts().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	pf := &playFixture{fixture: f, plans: map[string]*scenarios.TeamPlan{}}
	for _, p := range dir.Plans("drill") {
		pf.plans[p.Team.ID] = p
	}
	var inject scenarios.InjectPlan
	for _, ip := range pf.plans["cl1"].Injects {
		if ip.Name == "phishing-reportado" {
			inject = ip
		}
	}
	_, err := f.store.RecordInjectDelivery(ctx, scoreboard.InjectDelivery{Exercise: "drill", Team: "cl1", Inject: inject.Name, Subject: inject.Subject,
		Expects: true, Points: inject.Response.Points, Due: time.Duration(inject.Response.Due), Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

func (f *playFixture) challenge(team, name string) scenarios.ChallengePlan {
	for _, ch := range f.plans[team].Challenges {
		if ch.Name == name {
			return ch
		}
	}
	f.t.Fatalf("no challenge %q", name)
	return scenarios.ChallengePlan{}
}

const drill = "/team/drill/cl1"

func TestTraineeWorkspacePage(t *testing.T) {
	f := newPlayFixture(t)
	carla := f.signedIn("carla")
	host := f.plans["cl1"].Hosts[0]
	expect(t, carla.get(drill), http.StatusOK,
		"CSIRT de Gobierno", host.Name, host.Networks[0].Address.String(), "Open terminal",
		`href="/terminal/drill/cl1/`+host.Name+`"`, "Usuaria de Contabilidad", `action="/team/drill/cl1/injects/phishing-reportado"`,
		`action="/team/drill/cl1/reports"`, `action="/team/drill/cl1/indicators"`, `action="/team/drill/cl1/challenges/origen-smb"`,
		"/scoreboard/drill", "/static/trainee.css", "The scorebot checks your services from", "not checked yet")

	// The latest check of each service shows.
	_, err := f.store.RecordCheck(context.Background(), scoreboard.CheckResult{Exercise: "drill", Team: "cl1", Host: host.Name, Service: host.Services[0].Name,
		Round: 1, Up: false, Detail: "connection refused", Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, carla.get(drill), http.StatusOK, "connection refused", `svc-down`)

	// In Spanish too.
	es := f.signedIn("carla")
	es.lang = "es-CL"
	expect(t, es.get(drill), http.StatusOK, "Inyecciones", "Reportes de incidentes", "Intercambio de indicadores", "Abrir terminal")

	// Staff read the page, without forms.
	res := f.signedIn("ines").get(drill)
	expect(t, res, http.StatusOK, "CSIRT de Gobierno", "only the team&#39;s trainees submit")
	if strings.Contains(res.body, `action="/team/drill/cl1/reports"`) {
		t.Errorf("an instructor's view of the team page has the report form")
	}
	// Accepted answers never reach the page.
	if ch := f.challenge("cl1", "persistencia"); strings.Contains(res.body, ch.Answers[0]) {
		t.Errorf("the page shows a challenge's answer")
	}
}

func TestTraineeReport(t *testing.T) {
	f := newPlayFixture(t)
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	host := f.plans["cl1"].Hosts[0].Name
	res := carla.post(drill+"/reports", url.Values{"csrf": {token}, "target": {host}, "techniques": {"t1110.003, T1078"}, "source": {"10.66.0.9"}, "summary": {"Password spraying against the mail server"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), drill+"?done=reported") {
		t.Fatalf("report: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	expect(t, carla.get(res.Header.Get("Location")), http.StatusOK, "Your incident report was filed.", "Password spraying against the mail server", "T1110.003", "10.66.0.9")

	// Mistakes come back by their field, with what was typed.
	res = carla.post(drill+"/reports", url.Values{"csrf": {token}, "target": {host}, "source": {"10.66.0.77"}, "summary": {"  "}})
	expect(t, res, http.StatusUnprocessableEntity, `id="report-summary-err"`, "Fill in this field.", `value="10.66.0.77"`)
	res = carla.post(drill+"/reports", url.Values{"csrf": {token}, "target": {host}, "source": {"not-an-ip"}, "summary": {"keep me"}})
	expect(t, res, http.StatusUnprocessableEntity, `id="report-source-err"`, "is not an IP address", "keep me")
	expect(t, carla.post(drill+"/reports", url.Values{"csrf": {token}, "target": {"elsewhere"}, "summary": {"x"}}), http.StatusUnprocessableEntity, `id="report-target-err"`)
	expect(t, carla.post(drill+"/reports", url.Values{"csrf": {token}, "target": {host}, "techniques": {"bruteforce"}, "summary": {"x"}}), http.StatusUnprocessableEntity, `id="report-techniques-err"`)

	reps, err := f.store.ReportsOf(context.Background(), "drill", "cl1")
	if err != nil || len(reps) != 1 {
		t.Errorf("stored reports: %+v, %v; want the one valid report only", reps, err)
	}
}

func TestTraineeInjectAnswer(t *testing.T) {
	f := newPlayFixture(t)
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	path := drill + "/injects/phishing-reportado"
	expect(t, carla.post(path, url.Values{"csrf": {token}, "body": {""}}), http.StatusUnprocessableEntity, `id="answer-phishing-reportado-err"`, "Fill in this field.")
	res := carla.post(path, url.Values{"csrf": {token}, "body": {"We reset her password and blocked the domain."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", res.StatusCode, res.body)
	}
	expect(t, carla.get(drill), http.StatusOK, "We reset her password and blocked the domain.", "Not graded yet.")
	expect(t, carla.post(path, url.Values{"csrf": {token}, "body": {"second thoughts"}}), http.StatusConflict, "answered this inject already")
	expect(t, carla.post(drill+"/injects/banco-fraude", url.Values{"csrf": {token}, "body": {"early"}}), http.StatusUnprocessableEntity, "no such inject")

	_, err := f.store.GradeInjectResponse(context.Background(), scoreboard.InjectGrade{Exercise: "drill", Team: "cl1", Inject: "phishing-reportado", Percent: 80, Author: "ines", Note: "good", Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, carla.get(drill), http.StatusOK, "Graded 80% by ines: good")
}

func TestTraineeIndicatorExchange(t *testing.T) {
	f := newPlayFixture(t)
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	expect(t, carla.post(drill+"/indicators", url.Values{"csrf": {token}, "kind": {"ipv4-addr"}, "value": {"10.999.1.1"}, "description": {"typed"}}),
		http.StatusUnprocessableEntity, `id="indicator-value-err"`, "not a valid value of type ipv4-addr", "typed")
	expect(t, carla.post(drill+"/indicators", url.Values{"csrf": {token}, "kind": {"smoke-signal"}, "value": {"x"}}), http.StatusUnprocessableEntity, `id="indicator-kind-err"`)
	res := carla.post(drill+"/indicators", url.Values{"csrf": {token}, "kind": {"ipv4-addr"}, "value": {"203.0.113.66"}, "techniques": {"T1566"}, "description": {"Phishing landing page"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("share: %d\n%s", res.StatusCode, res.body)
	}
	expect(t, carla.post(drill+"/indicators", url.Values{"csrf": {token}, "kind": {"ipv4-addr"}, "value": {"203.0.113.66"}}), http.StatusConflict, "shared this indicator already")

	// The partner country's trainee sees it, on the page and in the API.
	diego := f.signedIn("diego")
	expect(t, diego.get("/team/drill/co1"), http.StatusOK, "Received from the partner country", "203.0.113.66", "Phishing landing page", "CSIRT de Gobierno")
	res = diego.get("/api/v1/exercises/drill/teams/co1/indicators")
	expect(t, res, http.StatusOK)
	var got struct{ Shared, Received []wsIndicator }
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || len(got.Received) != 1 || got.Received[0].Value != "203.0.113.66" || got.Received[0].Country != "CL" || len(got.Shared) != 0 {
		t.Errorf("diego's indicators: %s (%v)", res.body, err)
	}
}

func TestTraineeChallenges(t *testing.T) {
	f := newPlayFixture(t)
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	path := drill + "/challenges/origen-smb"
	res := carla.post(path, url.Values{"csrf": {token}, "answer": {"192.0.2.1"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "done=incorrect") {
		t.Fatalf("wrong answer: %d to %q", res.StatusCode, loc)
	}
	expect(t, carla.get(res.Header.Get("Location")), http.StatusOK, "That answer is not right.", "Your last answer, &#34;192.0.2.1&#34;, was not right.")
	expect(t, carla.post(path, url.Values{"csrf": {token}, "answer": {""}}), http.StatusUnprocessableEntity, `id="challenge-origen-smb-err"`)

	// A hint, at its cost.
	res = carla.post(path+"/hints", url.Values{"csrf": {token}, "hint": {"0"}})
	expect(t, res, http.StatusSeeOther)
	ch := f.challenge("cl1", "origen-smb")
	expect(t, carla.get(drill), http.StatusOK, html.EscapeString(ch.Hints[0].Text))
	expect(t, carla.post(path+"/hints", url.Values{"csrf": {token}, "hint": {"7"}}), http.StatusUnprocessableEntity, "no such hint")

	res = carla.post(path, url.Values{"csrf": {token}, "answer": {" " + ch.Answers[0] + " "}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "done=correct") {
		t.Fatalf("right answer: %d to %q", res.StatusCode, loc)
	}
	page := carla.get(res.Header.Get("Location"))
	expect(t, page, http.StatusOK, "Correct! The challenge is solved.", "Solved at")
	if strings.Contains(page.body, `action="/team/drill/cl1/challenges/origen-smb"`) {
		t.Errorf("a solved challenge still has its answer form")
	}
	expect(t, carla.post(path, url.Values{"csrf": {token}, "answer": {ch.Answers[0]}}), http.StatusConflict, "solved this challenge already")
	expect(t, carla.post(drill+"/challenges/nope", url.Values{"csrf": {token}, "answer": {"x"}}), http.StatusUnprocessableEntity)

	b, err := f.store.TeamBreakdown(context.Background(), "drill", "cl1", scoreboard.EntryQuery{})
	if err != nil || b.Categories[scenarios.CategoryChallenges] <= 0 || b.Categories[scenarios.CategoryPenalties] >= 0 {
		t.Errorf("cl1's points: %v (%v); want challenge points and a hint's penalty", b.Categories, err)
	}
}

func TestTraineePermissions(t *testing.T) {
	f := newPlayFixture(t)
	ctx := context.Background()
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	other := "/team/drill/co1"
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{other + "/reports", url.Values{"target": {"x"}, "summary": {"x"}}},
		{other + "/indicators", url.Values{"kind": {"ipv4-addr"}, "value": {"10.0.0.1"}}},
		{other + "/injects/phishing-reportado", url.Values{"body": {"x"}}},
		{other + "/challenges/origen-smb", url.Values{"answer": {"x"}}},
		{other + "/challenges/origen-smb/hints", url.Values{"hint": {"0"}}},
	} {
		tc.form.Set("csrf", token)
		expect(t, carla.post(tc.path, tc.form), http.StatusForbidden, "You do not have access")
	}
	expect(t, carla.get(other), http.StatusForbidden)

	// Instructors do not submit on a team's behalf.
	ines := f.signedIn("ines")
	expect(t, ines.post(drill+"/reports", url.Values{"csrf": {ines.csrf("/")}, "target": {"x"}, "summary": {"x"}}), http.StatusForbidden)

	// Nor does anyone without a CSRF token, or signed out.
	expect(t, carla.post(drill+"/reports", url.Values{"target": {"x"}, "summary": {"x"}}), http.StatusForbidden, "The form expired")
	expect(t, f.client().post(drill+"/reports", url.Values{"summary": {"x"}}), http.StatusForbidden)

	// The API checks the same.
	tok, _ := f.store.Accounts().CreateAPIToken(ctx, "carla", "script", time.Now(), time.Time{})
	for _, route := range []string{"injects", "reports", "indicators", "challenges", "hosts"} {
		expect(t, bearerGet(f.fixture, "/api/v1/exercises/drill/teams/co1/"+route, tok), http.StatusForbidden, `{"error":`)
		expect(t, bearerGet(f.fixture, "/api/v1/exercises/drill/teams/cl1/"+route, tok), http.StatusOK)
	}
	expect(t, postJSON(f.fixture, "/api/v1/exercises/drill/teams/co1/reports", tok, `{"target":"x","summary":"x"}`), http.StatusForbidden, "only the team's own trainees")
	inesTok, _ := f.store.Accounts().CreateAPIToken(ctx, "ines", "script", time.Now(), time.Time{})
	expect(t, postJSON(f.fixture, "/api/v1/exercises/drill/teams/cl1/reports", inesTok, `{"target":"x","summary":"x"}`), http.StatusForbidden)
	expect(t, bearerGet(f.fixture, "/api/v1/exercises/drill/teams/co1/reports", inesTok), http.StatusOK)
	// A session needs the CSRF header on the API too.
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/api/v1/exercises/drill/teams/cl1/reports", strings.NewReader(`{"summary":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	expect(t, carla.do(req), http.StatusForbidden)

	if reps, _ := f.store.ReportsOf(ctx, "drill", "co1"); len(reps) != 0 {
		t.Errorf("refused submissions stored reports for co1: %+v", reps)
	}
	if reps, _ := f.store.ReportsOf(ctx, "drill", "cl1"); len(reps) != 0 {
		t.Errorf("refused submissions stored reports for cl1: %+v", reps)
	}
}

func TestTraineeNotRunHere(t *testing.T) {
	f := newFixture(t)
	ana := f.signedIn("ana")
	expect(t, ana.get("/team/ex/cl1"), http.StatusOK, "not run by this server")
	expect(t, ana.post("/team/ex/cl1/reports", url.Values{"csrf": {ana.csrf("/team/ex/cl1")}, "target": {"web"}, "summary": {"x"}}),
		http.StatusServiceUnavailable, "not run by this server")
}

func TestTraineeExerciseEnded(t *testing.T) {
	f := newPlayFixture(t)
	eng, _ := f.srv.h.trainee.engine("drill")
	if err := eng.End(context.Background(), "ines", "done"); err != nil {
		t.Fatal(err)
	}
	carla := f.signedIn("carla")
	expect(t, carla.post(drill+"/reports", url.Values{"csrf": {carla.csrf(drill)}, "target": {f.plans["cl1"].Hosts[0].Name}, "summary": {"too late"}}),
		http.StatusConflict, "The exercise has ended", "too late")
}

func TestTraineeSubmissionRateLimit(t *testing.T) {
	f := newPlayFixture(t, func(c *Config) { c.SubmitLimit = 2 })
	carla := f.signedIn("carla")
	token := carla.csrf(drill)
	var last response
	for range 3 {
		last = carla.post(drill+"/challenges/origen-smb", url.Values{"csrf": {token}, "answer": {"192.0.2.1"}})
	}
	expect(t, last, http.StatusTooManyRequests)
}

func bearerGet(f *fixture, path, token string) response {
	req, _ := http.NewRequest(http.MethodGet, f.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return f.client().do(req)
}

func postJSON(f *fixture, path, token, body string) response {
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return f.client().do(req)
}

func TestTraineeAPI(t *testing.T) {
	f := newPlayFixture(t)
	ctx := context.Background()
	tok, _ := f.store.Accounts().CreateAPIToken(ctx, "carla", "script", time.Now(), time.Time{})
	base := "/api/v1/exercises/drill/teams/cl1/"
	host := f.plans["cl1"].Hosts[0]

	res := bearerGet(f.fixture, base+"hosts", tok)
	expect(t, res, http.StatusOK, `"name":"`+host.Name+`"`, `"address":"`+host.Networks[0].Address.String()+`"`, `"status":null`, `"terminal":"/terminal/drill/cl1/`, `"scorebot":[{`)
	expect(t, bearerGet(f.fixture, base+"injects", tok), http.StatusOK, `"inject":"phishing-reportado"`, `"expects_answer":true`, `"answer":null`)

	// Reports.
	res = postJSON(f.fixture, base+"reports", tok, `{"target":"`+host.Name+`","techniques":["T1110"],"source":"10.1.2.3","summary":"spraying"}`)
	expect(t, res, http.StatusCreated, `"summary":"spraying"`, `"matched":false`, `"techniques":["T1110"]`)
	expect(t, bearerGet(f.fixture, base+"reports", tok), http.StatusOK, `"summary":"spraying"`)
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"target":"` + host.Name + `"}`, http.StatusUnprocessableEntity, `{"error":"Fill in this field.","field":"summary"}`},
		{`{"target":"` + host.Name + `","summary":"x","source":"nope"}`, http.StatusUnprocessableEntity, `"field":"source"`},
		{`{"target":"` + host.Name + `","summary":`, http.StatusBadRequest, "not valid JSON"},
		{`{"target":"` + host.Name + `","summary":"x"`, http.StatusBadRequest, "not valid JSON"},
		{`{"target":1,"summary":"x"}`, http.StatusBadRequest, `"field":"target"`},
		{`{"techniques":"T1110","summary":"x"}`, http.StatusBadRequest, `must be an array`},
		{`{"summary":"x","extra":true}`, http.StatusBadRequest, `unknown field \"extra\"`},
		{`[1,2]`, http.StatusBadRequest, "must be a JSON object"},
		{``, http.StatusBadRequest, "the body is empty"},
		{`{"summary":"x"} {"summary":"y"}`, http.StatusBadRequest, "one JSON object"},
		{`{"summary":"` + strings.Repeat("a", 70<<10) + `"}`, http.StatusBadRequest, "larger than 64 KiB"},
	} {
		res := postJSON(f.fixture, base+"reports", tok, tc.body)
		short := tc.body
		if len(short) > 60 {
			short = short[:60]
		}
		if res.StatusCode != tc.status || !strings.Contains(res.body, tc.want) {
			t.Errorf("POST reports %s: %d %s; want %d with %s", short, res.StatusCode, res.body, tc.status, tc.want)
		}
	}

	// Injects.
	expect(t, postJSON(f.fixture, base+"injects", tok, `{"inject":"phishing-reportado","body":"done"}`), http.StatusCreated, `"answer":{"body":"done"`)
	expect(t, postJSON(f.fixture, base+"injects", tok, `{"inject":"phishing-reportado","body":"again"}`), http.StatusConflict, `"field":"body"`)
	expect(t, postJSON(f.fixture, base+"injects", tok, `{"body":"x"}`), http.StatusUnprocessableEntity, `"field":"inject"`)

	// Indicators.
	expect(t, postJSON(f.fixture, base+"indicators", tok, `{"kind":"domain-name","value":"Factura-Pendiente.example","techniques":["T1566.002"]}`), http.StatusCreated, `"value":"factura-pendiente.example"`, `"country":"CL"`)
	expect(t, postJSON(f.fixture, base+"indicators", tok, `{"kind":"url","value":"not a url"}`), http.StatusUnprocessableEntity, `"field":"value"`)
	expect(t, postJSON(f.fixture, base+"indicators", tok, `{"kind":"ipv4-addr","value":"10.0.0.1","attack":"nope"}`), http.StatusUnprocessableEntity, `"field":"attack"`)
	expect(t, bearerGet(f.fixture, base+"indicators", tok), http.StatusOK, `"shared":[{`, `"received":[]`)

	// Challenges.
	ch := f.challenge("cl1", "origen-smb")
	expect(t, postJSON(f.fixture, base+"challenges", tok, `{"challenge":"origen-smb","answer":"192.0.2.1"}`), http.StatusOK, `"correct":false`)
	expect(t, postJSON(f.fixture, base+"challenges", tok, `{"challenge":"origen-smb","answer":"`+ch.Answers[0]+`"}`), http.StatusOK, `"correct":true`)
	expect(t, postJSON(f.fixture, base+"challenges", tok, `{"challenge":"origen-smb","answer":"again"}`), http.StatusConflict, `"field":"answer"`)
	expect(t, postJSON(f.fixture, base+"challenges", tok, `{"answer":"x"}`), http.StatusUnprocessableEntity, `"field":"challenge"`)
	expect(t, postJSON(f.fixture, base+"challenges/destino-baliza/hints", tok, `{"hint":0}`), http.StatusOK, `"taken":true`)
	res = bearerGet(f.fixture, base+"challenges", tok)
	expect(t, res, http.StatusOK, `"name":"origen-smb"`, `"solved":true`, `"attempts":2`)
	for _, c := range f.plans["cl1"].Challenges {
		for _, a := range c.Answers {
			if strings.Contains(res.body, `"`+a+`"`) && c.Name != "origen-smb" {
				t.Errorf("the challenges JSON shows an accepted answer of %s", c.Name)
			}
		}
	}
}
