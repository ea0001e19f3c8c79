package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// instructFixture is the fixture with a director that has no container
// engine: exercises are made, driven and scored, never deployed.
func instructFixture(t *testing.T) (*fixture, *director.Director) {
	t.Helper()
	var d *director.Director
	f := newFixture(t, func(c *Config) {
		d = director.New(c.Store, nil, errors.New("docker not reachable in this test"),
			director.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		c.Director = d
	})
	t.Cleanup(d.Close)
	return f, d
}

// createDrill makes exercise "drill" of the bundled water utility through
// the form, with teams cl1 and co1.
func createDrill(t *testing.T, c *client) {
	t.Helper()
	token := c.csrf("/instruct/new")
	res := c.post("/instruct/new", url.Values{"csrf": {token}, "name": {"drill"}, "title": {"Drill"}, "scenario": {"water-utility"},
		"speed": {"1"}, "seed": {"test-seed"},
		"team_id_0": {"cl1"}, "team_name_0": {"CSIRT Chile"}, "team_country_0": {"CL"},
		"team_id_1": {"co1"}, "team_name_1": {"colCERT"}, "team_country_1": {"CO"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/instruct/drill?ok=create" {
		t.Fatalf("create: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
}

func (c *client) api(method, path, token string, body any) response {
	c.f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.f.http.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req)
}

func (f *fixture) apiToken(user string) string {
	f.t.Helper()
	token, err := f.store.Accounts().CreateAPIToken(context.Background(), user, "test", time.Now(), time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	return token
}

const brokenScenario = `scenario "broken" {
  title    = "Broken"
  duration = "forever"
}

network "lan" {}
`

func TestInstructScenarioDiagnosticsOnTheirLines(t *testing.T) {
	f, _ := instructFixture(t)
	c := f.signedIn("ines")
	token := c.csrf("/instruct/scenarios/new")

	res := c.post("/instruct/scenarios/new", url.Values{"csrf": {token}, "name": {"broken"}, "source": {brokenScenario}, "save": {"1"}})
	expect(t, res, http.StatusUnprocessableEntity, `id="L3" class="bad"`, `href="#L3"`, "line 3, column")
	if !strings.Contains(res.body, "duration = &#34;forever&#34;") {
		t.Errorf("the typed text is not shown back:\n%s", res.body)
	}
	if _, err := f.store.ScenarioSourceByName(context.Background(), "broken"); !errors.Is(err, scoreboard.ErrNotFound) {
		t.Errorf("a scenario with errors was stored (err %v)", err)
	}

	// The same, uploaded as a file.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", token)
	mw.WriteField("name", "broken")
	mw.WriteField("source", "")
	fw, _ := mw.CreateFormFile("file", "main.hcl")
	fw.Write([]byte(brokenScenario))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/instruct/scenarios/new", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	expect(t, c.do(req), http.StatusUnprocessableEntity, `id="L3" class="bad"`)

	// A valid one is saved, listed and editable.
	valid := strings.Replace(brokenScenario, `"forever"`, `"1h"`, 1)
	res = c.post("/instruct/scenarios/new", url.Values{"csrf": {token}, "name": {"fixed"}, "source": {valid}, "save": {"1"}})
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
		t.Fatalf("saving a valid scenario: %d\n%s", res.StatusCode, res.body)
	}
	if src, err := f.store.ScenarioSourceByName(context.Background(), "fixed"); err != nil || src.Source != valid || src.Author != "ines" {
		t.Fatalf("stored scenario = %+v, %v", src, err)
	}
	expect(t, c.get("/instruct/scenarios"), http.StatusOK, "fixed", "water-utility", "/instruct/scenarios/fixed/edit")
	expect(t, c.get("/instruct/scenarios/fixed/edit"), http.StatusOK, "duration = &#34;1h&#34;")
	expect(t, c.get("/instruct/scenarios/..%2F..%2Fetc/edit"), http.StatusNotFound)
	expect(t, c.get("/instruct/scenarios/water-utility/edit"), http.StatusNotFound)

	// A bad name is refused next to its field, text kept.
	res = c.post("/instruct/scenarios/new", url.Values{"csrf": {token}, "name": {"../etc"}, "source": {valid}, "save": {"1"}})
	expect(t, res, http.StatusUnprocessableEntity, "is not a valid scenario name", "duration = &#34;1h&#34;")

	// The API says the same in JSON.
	api := f.apiToken("ines")
	res = c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, map[string]any{"name": "broken", "source": brokenScenario})
	expect(t, res, http.StatusUnprocessableEntity, `"line":3`, `"saved":false`)
	res = c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, map[string]any{"name": "other", "source": valid, "check_only": true})
	expect(t, res, http.StatusOK, `"valid":true`, `"saved":false`)
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, `{"name": `), http.StatusBadRequest, `"error"`)
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, `{"nombre": "x"}`), http.StatusBadRequest, `unknown field`)
	huge := `{"name": "big", "source": "` + strings.Repeat("x", 2<<20) + `"}`
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, huge), http.StatusBadRequest)
	res = c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, map[string]any{"name": "../../x", "source": valid})
	expect(t, res, http.StatusUnprocessableEntity, `"field":"name"`)
}

func TestInstructCreateExercise(t *testing.T) {
	f, d := instructFixture(t)
	c := f.signedIn("ines")
	expect(t, c.get("/instruct/new"), http.StatusOK, "water-utility", `name="team_id_5"`)

	token := c.csrf("/instruct/new")
	form := url.Values{"csrf": {token}, "name": {"drill"}, "scenario": {"water-utility"}, "speed": {"1"},
		"team_id_0": {"cl1"}, "team_name_0": {"CSIRT Chile"}, "team_country_0": {"CL"},
		"team_id_2": {"co1"}, "team_name_2": {"colCERT"}, "team_country_2": {"XX"}}
	res := c.post("/instruct/new", form)
	// Row 1 is blank and ignored: the mistake is the third row's.
	expect(t, res, http.StatusUnprocessableEntity, `id="f-teams[2].country"`, `&#34;XX&#34; is not a country code`, `value="CSIRT Chile"`)
	if _, ok := d.Exercise("drill"); ok {
		t.Fatal("an exercise was made from a form with a mistake")
	}
	form.Set("name", "new")
	form.Set("team_country_2", "CO")
	expect(t, c.post("/instruct/new", form), http.StatusUnprocessableEntity, "is a page of the workspace")

	createDrill(t, c)
	if _, ok := d.Exercise("drill"); !ok {
		t.Fatal("the director does not hold the exercise made")
	}
	res = c.get("/instruct/drill?ok=create")
	expect(t, res, http.StatusOK, "Exercise created", "portal-password-spray", "/terminal/drill/cl1/portal",
		"/terminal/drill/co1/attacker:red", "turno-planta", "docker not reachable in this test")
	expect(t, c.get("/instruct"), http.StatusOK, `href="/instruct/drill"`, `href="/instruct/ex"`)

	// Without a container engine, deploying says why, clearly.
	res = c.post("/instruct/drill/deploy", url.Values{"csrf": {token}})
	expect(t, res, http.StatusServiceUnavailable, "no container engine", "docker not reachable in this test")
	res = c.post("/instruct/drill/start", url.Values{"csrf": {token}, "speed": {"2"}})
	expect(t, res, http.StatusServiceUnavailable, "docker not reachable in this test")
	expect(t, c.post("/instruct/drill/start", url.Values{"csrf": {token}, "speed": {"fast"}}), http.StatusUnprocessableEntity, "Write a number.")

	// And in JSON.
	api := f.apiToken("ines")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/deploy", api, nil), http.StatusServiceUnavailable, "docker not reachable")
	res = c.api(http.MethodPost, "/api/v1/instruct/exercises", api, map[string]any{
		"name": "drill2", "scenario": "water-utility", "teams": []map[string]string{{"id": "a", "name": "A", "country": "CL"}, {"id": "a", "name": "B", "country": "CO"}}})
	expect(t, res, http.StatusUnprocessableEntity, `"field":"teams[1].id"`)
	res = c.api(http.MethodPost, "/api/v1/instruct/exercises", api, map[string]any{
		"name": "drill2", "scenario": "water-utility", "seed": "s", "teams": []map[string]string{{"id": "a", "name": "A", "country": "CL"}}})
	expect(t, res, http.StatusCreated, `"name":"drill2"`, `"held":true`, `"join_code"`)
	expect(t, c.api(http.MethodGet, "/api/v1/instruct/exercises/drill2/grid", api, nil), http.StatusOK, `"state":"unknown"`, `"terminal":"/terminal/drill2/a/portal"`)
	expect(t, c.api(http.MethodGet, "/api/v1/instruct/exercises/drill2/operation", api, nil), http.StatusOK, `"operation":null`)
	expect(t, c.api(http.MethodGet, "/api/v1/instruct/exercises/drill2/timeline", api, nil), http.StatusOK, `"portal-password-spray"`)
}

func TestInstructDrivesTheTimeline(t *testing.T) {
	f, d := instructFixture(t)
	c := f.signedIn("ines")
	createDrill(t, c)
	ctx := context.Background()
	eng, _ := d.Engine("drill")
	token := c.csrf("/instruct/drill")

	// Firing needs a running clock: the engine says so.
	res := c.post("/instruct/drill/fire", url.Values{"csrf": {token}, "team": {"cl1"}, "attack": {"portal-password-spray"}})
	expect(t, res, http.StatusConflict, "attacks run only while it runs")
	// The clock is started here by the engine itself, which needs no
	// container engine to do so.
	if err := eng.Start(ctx, "ines", 1); err != nil {
		t.Fatal(err)
	}
	res = c.post("/instruct/drill/fire", url.Values{"csrf": {token}, "team": {"cl1"}, "attack": {"portal-password-spray"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/instruct/drill?ok=fire") {
		t.Fatalf("fire: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	expect(t, c.post("/instruct/drill/fire", url.Values{"csrf": {token}, "team": {"cl1"}, "attack": {"nope"}}), http.StatusUnprocessableEntity, "has no attack")
	expect(t, c.post("/instruct/drill/skip", url.Values{"csrf": {token}, "team": {"co1"}, "attack": {"portal-password-spray"}, "reason": {"team late"}}), http.StatusSeeOther)
	// Moving a team to another node names a team of the exercise and a
	// node, and needs a container engine.
	expect(t, c.post("/instruct/drill/relocate", url.Values{"csrf": {token}, "team": {"zz9"}, "node": {"node-2"}}), http.StatusUnprocessableEntity, "has no team")
	expect(t, c.post("/instruct/drill/relocate", url.Values{"csrf": {token}, "team": {"cl1"}}), http.StatusUnprocessableEntity, "Choose the node")
	expect(t, c.post("/instruct/drill/relocate", url.Values{"csrf": {token}, "team": {"cl1"}, "node": {"node-2"}}), http.StatusServiceUnavailable, "docker not reachable")

	execs, err := f.store.Executions(ctx, "drill")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scoreboard.Execution{}
	for _, x := range execs {
		got[x.Team+"/"+x.Attack+"/"+x.Trigger] = x
	}
	if x := got["cl1/portal-password-spray/manual"]; x.State != scoreboard.ExecApproved || x.Author != "ines" {
		t.Errorf("fired execution = %+v", x)
	}
	if x := got["co1/portal-password-spray/timeline"]; x.State != scoreboard.ExecSkipped || !strings.Contains(x.Reason, "team late") {
		t.Errorf("skipped execution = %+v", x)
	}

	// The kill switch, approval, pause, speed, and publishing an inject.
	for _, step := range []struct {
		action string
		form   url.Values
	}{
		{"halt", url.Values{"reason": {"the partner asked"}}},
		{"unhalt", nil},
		{"approval", url.Values{"on": {"on"}}},
		{"speed", url.Values{"speed": {"4"}}},
		{"deliver", url.Values{"inject": {"turno-planta"}}},
		{"pause", url.Values{"reason": {"lunch"}}},
	} {
		form := url.Values{"csrf": {token}}
		for k, v := range step.form {
			form[k] = v
		}
		if res := c.post("/instruct/drill/"+step.action, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.action, res.StatusCode, res.body)
		}
	}
	clock, err := f.store.Clock(ctx, "drill")
	if err != nil {
		t.Fatal(err)
	}
	if clock.State != scoreboard.ClockPaused || clock.Halted || !clock.Approval || clock.Speed != 4 {
		t.Errorf("clock = %+v; want paused, not halted, approval on, speed 4", clock)
	}
	ds, err := f.store.InjectDeliveries(ctx, "drill")
	if err != nil || len(ds) != 2 {
		t.Errorf("deliveries = %+v, %v; want turno-planta to both teams", ds, err)
	}
	res = c.get("/instruct/drill")
	expect(t, res, http.StatusOK, "Attacks wait for approval", "fired by hand 1×", "team late", "delivered")

	// The API drives the same.
	api := f.apiToken("ines")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/resume", api, nil), http.StatusServiceUnavailable, "docker not reachable")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/halt", api, map[string]string{"reason": "test"}), http.StatusOK, `"halted":true`)
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/skip", api, map[string]any{"team": "cl1", "attack": "nope"}), http.StatusUnprocessableEntity, `"field":"attack"`)
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/explode", api, nil), http.StatusNotFound)
}

func TestInstructAdjustsAndGrades(t *testing.T) {
	f, _ := instructFixture(t)
	ctx := context.Background()
	c := f.signedIn("ines")
	token := c.csrf("/instruct/ex")

	// The fixture's exercise is in the store only: scoring by hand works.
	res := c.post("/instruct/ex/adjust", url.Values{"csrf": {token}, "team": {"cl1"}, "points": {"25"}, "category": {"adjustments"}, "reason": {""}, "key": {"k1"}})
	expect(t, res, http.StatusUnprocessableEntity, "Give a reason", `value="25"`)
	form := url.Values{"csrf": {token}, "team": {"cl1"}, "points": {"25"}, "category": {"adjustments"}, "reason": {"helped the other team restore its portal"}, "key": {"k1"}}
	expect(t, c.post("/instruct/ex/adjust", form), http.StatusSeeOther)
	// The same form sent twice counts once.
	expect(t, c.post("/instruct/ex/adjust", form), http.StatusConflict)
	st, err := f.store.Standings(ctx, "ex", scoreboard.Live)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Teams {
		if ts.Team.ID == "cl1" && ts.Total != 25 {
			t.Errorf("cl1's total = %d, want 25", ts.Total)
		}
	}
	// The team sees the adjustment and its reason.
	ana := f.signedIn("ana")
	expect(t, ana.get("/team/ex/cl1"), http.StatusOK, "adjustment by ines: helped the other team restore its portal")

	// Grading an answer.
	at := scoreboard.Moment{At: time.Now(), Elapsed: 5 * time.Minute}
	if _, err := f.store.RecordInjectDelivery(ctx, scoreboard.InjectDelivery{Exercise: "ex", Team: "co1", Inject: "press", Subject: "A journalist calls",
		Expects: true, Points: 40, Due: 20 * time.Minute, Moment: at}); err != nil {
		t.Fatal(err)
	}
	at.Elapsed += time.Minute
	if _, err := f.store.RecordInjectResponse(ctx, scoreboard.InjectResponse{Exercise: "ex", Team: "co1", Inject: "press", Body: "No contamination was found.", Moment: at}); err != nil {
		t.Fatal(err)
	}
	expect(t, c.get("/instruct/ex"), http.StatusOK, "No contamination was found.", "waits for a grade")
	expect(t, c.post("/instruct/ex/grade", url.Values{"csrf": {token}, "team": {"co1"}, "inject": {"press"}, "percent": {"150"}}), http.StatusUnprocessableEntity, "from 0 to 100")
	expect(t, c.post("/instruct/ex/grade", url.Values{"csrf": {token}, "team": {"co1"}, "inject": {"press"}, "percent": {"75"}, "note": {"clear"}}), http.StatusSeeOther)
	q, err := f.store.InjectResponses(ctx, "ex", true)
	if err != nil || len(q) != 0 {
		t.Errorf("ungraded after grading = %+v, %v", q, err)
	}
	b, err := f.store.TeamBreakdown(ctx, "ex", "co1", scoreboard.EntryQuery{View: scoreboard.Live, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if b.Categories["injects"] != 30 {
		t.Errorf("co1's injects = %d, want 30 (75%% of 40)", b.Categories["injects"])
	}

	// The API adjusts too, with its reason required.
	api := f.apiToken("ines")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/ex/adjust", api, map[string]any{"team": "co1", "points": -5}), http.StatusUnprocessableEntity, `"field":"reason"`)
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/ex/adjust", api, map[string]any{"team": "co1", "points": -5, "reason": "hint given"}), http.StatusOK, `"ok":true`)
	expect(t, c.api(http.MethodGet, "/api/v1/instruct/exercises/ex/queue?all=1", api, nil), http.StatusOK, `"percent":75`)
	// Deploying an exercise this server does not run is refused.
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/ex/deploy", api, nil), http.StatusNotFound, "does not run exercise ex")
}

func TestInstructOnlyForInstructors(t *testing.T) {
	f, _ := instructFixture(t)
	f.srv.h.accounts.submit = newLimiter(1000, time.Minute)
	pages := []string{"/instruct", "/instruct/scenarios", "/instruct/scenarios/new", "/instruct/new", "/instruct/ex"}
	posts := []string{"/instruct/scenarios/new", "/instruct/new", "/instruct/ex/adjust", "/instruct/ex/deploy", "/instruct/ex/fire", "/instruct/ex/grade"}
	apiGets := []string{"/api/v1/instruct/scenarios", "/api/v1/instruct/exercises", "/api/v1/instruct/exercises/ex",
		"/api/v1/instruct/exercises/ex/operation", "/api/v1/instruct/exercises/ex/grid", "/api/v1/instruct/exercises/ex/timeline",
		"/api/v1/instruct/exercises/ex/queue"}
	apiPosts := []string{"/api/v1/instruct/scenarios", "/api/v1/instruct/exercises"}
	for _, a := range instructActions {
		apiPosts = append(apiPosts, "/api/v1/instruct/exercises/ex/"+a)
		posts = append(posts, "/instruct/ex/"+a)
	}
	for _, who := range []string{"ana", "mara"} {
		c := f.signedIn(who)
		token := c.csrf("/account")
		for _, p := range pages {
			expect(t, c.get(p), http.StatusForbidden)
		}
		for _, p := range posts {
			expect(t, c.post(p, url.Values{"csrf": {token}, "team": {"cl1"}, "points": {"100"}, "reason": {"x"}}), http.StatusForbidden)
		}
		api := f.apiToken(who)
		for _, p := range apiGets {
			expect(t, c.api(http.MethodGet, p, api, nil), http.StatusForbidden, `"error"`)
		}
		for _, p := range apiPosts {
			expect(t, c.api(http.MethodPost, p, api, map[string]any{"team": "cl1", "points": 100, "reason": "x"}), http.StatusForbidden, `"error"`)
		}
	}
	if b, _ := f.store.TeamBreakdown(context.Background(), "ex", "cl1", scoreboard.EntryQuery{View: scoreboard.Live, Limit: 10}); b.Total != 0 {
		t.Errorf("a refused adjustment scored: cl1 has %d", b.Total)
	}
	// Visitors are sent to sign in, or refused in JSON.
	v := f.client()
	if res := v.get("/instruct/ex"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor on /instruct/ex: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	expect(t, v.api(http.MethodGet, "/api/v1/instruct/exercises", "", nil), http.StatusUnauthorized)
	// The form needs its CSRF token, even for an instructor.
	ines := f.signedIn("ines")
	expect(t, ines.post("/instruct/ex/adjust", url.Values{"team": {"cl1"}, "points": {"5"}, "reason": {"x"}}), http.StatusForbidden, "The form expired")
	// The nav shows the workspace to instructors only.
	expect(t, ines.get("/"), http.StatusOK, `href="/instruct"`)
	if res := f.signedIn("mara").get("/"); strings.Contains(res.body, `href="/instruct"`) {
		t.Errorf("a manager's nav links to the instructors' workspace")
	}
}

func TestInstructSpanish(t *testing.T) {
	f, _ := instructFixture(t)
	c := f.signedIn("ines")
	c.lang = "es"
	expect(t, c.get("/instruct"), http.StatusOK, "Espacio de instructores", "Escenarios")
	expect(t, c.get("/instruct/ex"), http.StatusOK, "Cola de calificación", "Ajustar un puntaje")
}

func TestInstructRateLimit(t *testing.T) {
	f, _ := instructFixture(t)
	f.srv.h.accounts.submit = newLimiter(2, time.Minute)
	c := f.signedIn("ines")
	token := c.csrf("/instruct/ex")
	var last response
	for range 3 {
		last = c.post("/instruct/ex/adjust", url.Values{"csrf": {token}, "team": {"cl1"}, "points": {"1"}, "reason": {"r"}})
	}
	expect(t, last, http.StatusTooManyRequests)
}
