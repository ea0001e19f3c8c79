package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

const password = "correct horse"

// fixture is a server on a real SQLite file: exercise "ex" with teams cl1
// (Chile) and co1 (Colombia); trainees ana (cl1), beto (co1) and tomas (no
// team); manager mara; instructor ines.
type fixture struct {
	t     *testing.T
	store *scoreboard.Store
	srv   *Server
	http  *httptest.Server
}

func newFixture(t *testing.T, tweak ...func(*Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	store, err := scoreboard.Open(ctx, filepath.Join(t.TempDir(), "cordillera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	err = store.CreateExercise(ctx, scoreboard.Exercise{Name: "ex", Title: "Andes test", Scenario: "water-utility", Scoring: scenarios.DefaultScoring()},
		[]scoreboard.Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	for _, u := range []scoreboard.User{
		{Name: "ana", Role: scoreboard.RoleTrainee, Exercise: "ex", Team: "cl1"},
		{Name: "beto", Role: scoreboard.RoleTrainee, Exercise: "ex", Team: "co1"},
		{Name: "tomas", Role: scoreboard.RoleTrainee},
		{Name: "mara", Role: scoreboard.RoleManager},
		{Name: "ines", Role: scoreboard.RoleInstructor},
	} {
		u.PasswordHash = string(hash)
		if err := store.Accounts().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond}
	for _, f := range tweak {
		f(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &fixture{t: t, store: store, srv: srv, http: hs}
}

// client is one browser: its own cookies, redirects not followed.
type client struct {
	f *fixture
	c *http.Client
	// lang is sent as Accept-Language.
	lang string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, lang: "en"}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.f.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res, string(b)}
}

func (c *client) get(path string) response {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.http.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.f.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf reads the token the forms of a page carry.
func (c *client) csrf(path string) string {
	c.f.t.Helper()
	res := c.get(path)
	m := csrfInput.FindStringSubmatch(res.body)
	if m == nil {
		c.f.t.Fatalf("GET %s: %d, no CSRF field in:\n%s", path, res.StatusCode, res.body)
	}
	return m[1]
}

func (c *client) signIn(name, pw string) response {
	c.f.t.Helper()
	token := c.csrf("/login")
	return c.post("/login", url.Values{"csrf": {token}, "name": {name}, "password": {pw}})
}

func (f *fixture) signedIn(name string) *client {
	f.t.Helper()
	c := f.client()
	if res := c.signIn(name, password); res.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign in as %s: %d\n%s", name, res.StatusCode, res.body)
	}
	return c
}

func expect(t *testing.T, res response, status int, contains ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, res.body)
		return
	}
	for _, s := range contains {
		if !strings.Contains(res.body, s) {
			t.Errorf("%s %s: body lacks %q:\n%s", res.Request.Method, res.Request.URL.Path, s, res.body)
		}
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	res := c.signIn("ana", password)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/team" {
		t.Fatalf("sign-in: %d to %q, want 303 to /team", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure {
		t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Lax, Path=/, not Secure", session)
	}
	res = c.get("/team")
	if loc := res.Header.Get("Location"); loc != "/team/ex/cl1" {
		t.Errorf("/team sends ana to %q, want /team/ex/cl1", loc)
	}
	expect(t, c.get("/team/ex/cl1"), http.StatusOK, "CSIRT Chile", "Every point and its cause")

	token := c.csrf("/")
	expect(t, c.post("/logout", url.Values{"csrf": {token}}), http.StatusSeeOther)
	if res := c.get("/team/ex/cl1"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("after sign-out, the team page answers %d to %q; want a redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}

	bad := f.client()
	res = bad.signIn("ana", "wrong")
	expect(t, res, http.StatusUnauthorized, "Wrong user name or password.")
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			t.Errorf("a failed sign-in set a session cookie")
		}
	}
	expect(t, bad.signIn("nobody", password), http.StatusUnauthorized, "Wrong user name or password.")
}

func TestSecureCookie(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Secure = true })
	c := f.client()
	token := c.csrf("/login")
	res := c.post("/login", url.Values{"csrf": {token}, "name": {"ana"}, "password": {password}})
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie && !ck.Secure {
			t.Errorf("with Config.Secure the session cookie is not Secure: %+v", ck)
		}
	}
}

func TestSignInRateLimit(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for i := range 5 {
		if res := c.signIn("ana", "wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res := c.signIn("ana", password)
	expect(t, res, http.StatusTooManyRequests, "Too many attempts")
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	// Another name from the same address is not held back.
	if res := c.signIn("beto", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("beto after ana's lockout: %d, want 303", res.StatusCode)
	}
}

func TestSubmissionRateLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SubmitLimit = 3 })
	c := f.signedIn("tomas")
	token := c.csrf("/join")
	var last response
	for range 4 {
		last = c.post("/join", url.Values{"csrf": {token}, "code": {"WRONGCODE"}})
	}
	expect(t, last, http.StatusTooManyRequests)
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn("tomas")
	teams, _ := f.store.Teams(context.Background(), "ex")
	code := teams[0].JoinCode
	expect(t, c.post("/join", url.Values{"code": {code}}), http.StatusForbidden, "The form expired")
	expect(t, c.post("/join", url.Values{"code": {code}, "csrf": {"forged"}}), http.StatusForbidden)
	// Another session's token does not do either.
	other := f.signedIn("ana").csrf("/")
	expect(t, c.post("/join", url.Values{"code": {code}, "csrf": {other}}), http.StatusForbidden)
	if u, _ := f.store.Accounts().UserByName(context.Background(), "tomas"); u.Team != "" {
		t.Errorf("a refused POST joined team %q", u.Team)
	}
	// Sign-in and sign-out need one too.
	expect(t, f.client().post("/login", url.Values{"name": {"ana"}, "password": {password}}), http.StatusForbidden)
	expect(t, c.post("/logout", nil), http.StatusForbidden)
}

func TestJoin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	res := c.signIn("tomas", password)
	if loc := res.Header.Get("Location"); loc != "/join" {
		t.Errorf("a trainee without a team lands on %q, want /join", loc)
	}
	token := c.csrf("/join")
	expect(t, c.post("/join", url.Values{"csrf": {token}, "code": {"NOPE1234"}}), http.StatusUnprocessableEntity, "No team has this join code")
	teams, _ := f.store.Teams(ctx, "ex")
	var co scoreboard.Team
	for _, t := range teams {
		if t.ID == "co1" {
			co = t
		}
	}
	res = c.post("/join", url.Values{"csrf": {token}, "code": {" " + strings.ToLower(co.JoinCode) + " "}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/team/ex/co1" {
		t.Fatalf("join: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if u, _ := f.store.Accounts().UserByName(ctx, "tomas"); u.Exercise != "ex" || u.Team != "co1" {
		t.Errorf("after joining, tomas is in %q/%q", u.Exercise, u.Team)
	}
	expect(t, c.get("/team/ex/co1"), http.StatusOK, "colCERT")

	m := f.signedIn("mara")
	expect(t, m.post("/join", url.Values{"csrf": {m.csrf("/")}, "code": {co.JoinCode}}), http.StatusForbidden)
}

func TestTeamAccess(t *testing.T) {
	f := newFixture(t)
	ana := f.signedIn("ana")
	expect(t, ana.get("/team/ex/cl1"), http.StatusOK, "CSIRT Chile")
	expect(t, ana.get("/team/ex/co1"), http.StatusForbidden, "You do not have access")
	expect(t, ana.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusOK, `"id":"cl1"`)
	res := ana.get("/api/v1/exercises/ex/teams/co1/breakdown")
	expect(t, res, http.StatusForbidden, `{"error":`)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("API error content type %q", ct)
	}

	for _, staff := range []string{"mara", "ines"} {
		c := f.signedIn(staff)
		expect(t, c.get("/team/ex/co1"), http.StatusOK, "colCERT")
		expect(t, c.get("/api/v1/exercises/ex/teams/co1/breakdown"), http.StatusOK)
	}

	anon := f.client()
	res = anon.get("/api/v1/exercises/ex/teams/cl1/breakdown")
	expect(t, res, http.StatusUnauthorized, `{"error":`)
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	expect(t, anon.get("/api/v1/exercises/ex/teams/nope/breakdown"), http.StatusUnauthorized)
	expect(t, f.signedIn("mara").get("/api/v1/exercises/ex/teams/nope/breakdown"), http.StatusNotFound, `{"error":`)
}

func TestStatistics(t *testing.T) {
	f := newFixture(t)
	m := f.signedIn("mara")
	res := m.get("/api/v1/exercises/ex/statistics")
	expect(t, res, http.StatusOK)
	var stats map[string]any
	if err := json.Unmarshal([]byte(res.body), &stats); err != nil || stats["exercise"] != "ex" {
		t.Errorf("statistics JSON: %v, %v", stats, err)
	}
	expect(t, m.get("/manager/ex"), http.StatusOK, "Statistics", "Median time to detect", "/manager/ex/export/ledger.csv")
	res = m.get("/manager/ex/export/standings.csv")
	expect(t, res, http.StatusOK, "cl1")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV export content type %q", ct)
	}
	expect(t, m.get("/manager/ex/export/stix.json"), http.StatusOK, `"type": "bundle"`)
	expect(t, m.get("/manager/ex/export/passwd"), http.StatusNotFound)

	ana := f.signedIn("ana")
	expect(t, ana.get("/api/v1/exercises/ex/statistics"), http.StatusForbidden)
	expect(t, ana.get("/manager/ex"), http.StatusForbidden)
	expect(t, ana.get("/manager/ex/export/ledger.csv"), http.StatusForbidden)
	expect(t, ana.get("/api/v1/exercises/ex/standings?view=live"), http.StatusForbidden)
	expect(t, f.client().get("/api/v1/exercises/ex/statistics"), http.StatusUnauthorized)
}

func TestPublicAPI(t *testing.T) {
	f := newFixture(t)
	anon := f.client()
	res := anon.get("/api/v1/exercises")
	expect(t, res, http.StatusOK, `"name":"ex"`, `"state":"created"`)
	if strings.Contains(res.body, "join_code") {
		t.Errorf("a visitor sees join codes: %s", res.body)
	}
	expect(t, f.signedIn("ines").get("/api/v1/exercises"), http.StatusOK, `"join_code"`)
	expect(t, f.signedIn("mara").get("/api/v1/exercises"), http.StatusOK)
	expect(t, anon.get("/api/v1/exercises/ex/standings"), http.StatusOK, `"view":"public"`, `"country":"CL"`)
	expect(t, anon.get("/api/v1/exercises/nope/standings"), http.StatusNotFound, `{"error":"exercise \"nope\": not found"}`)
	expect(t, anon.get("/api/v1/nothing"), http.StatusNotFound, `{"error":`)
	expect(t, anon.get("/scoreboard/ex"), http.StatusOK, "CSIRT Chile", "colCERT", "Availability", `data-stream="/events/ex"`)
}

func TestBearerToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	token, err := f.store.Accounts().CreateAPIToken(ctx, "mara", "ci", time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(path, token string) response {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return f.client().do(req)
	}
	expect(t, bearer("/api/v1/exercises/ex/statistics", token), http.StatusOK, `"exercise": "ex"`)
	expect(t, bearer("/api/v1/exercises/ex/statistics", token+"x"), http.StatusUnauthorized, `{"error":`)
	anaToken, _ := f.store.Accounts().CreateAPIToken(ctx, "ana", "mine", time.Now(), time.Time{})
	expect(t, bearer("/api/v1/exercises/ex/teams/cl1/breakdown", anaToken), http.StatusOK)
	expect(t, bearer("/api/v1/exercises/ex/teams/co1/breakdown", anaToken), http.StatusForbidden)
	expect(t, bearer("/api/v1/exercises/ex/statistics", anaToken), http.StatusForbidden)

	// A token made on the account page works the same.
	m := f.signedIn("mara")
	res := m.post("/account/tokens", url.Values{"csrf": {m.csrf("/account")}, "name": {"dashboard"}})
	expect(t, res, http.StatusOK, "Copy it now")
	made := regexp.MustCompile(`cdt_[A-Za-z0-9_-]{43}`).FindString(res.body)
	expect(t, bearer("/api/v1/exercises/ex/statistics", made), http.StatusOK)
}

func TestLanguage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.lang = "es-CL,es;q=0.9,en;q=0.5"
	expect(t, c.get("/"), http.StatusOK, `<html lang="es">`, "Ejercicios", "Iniciar sesión")
	c.lang = "en-US,en;q=0.9"
	expect(t, c.get("/"), http.StatusOK, `<html lang="en">`, "Exercises", "Sign in")

	// A visitor's choice is a cookie, stronger than the browser's header.
	token := c.csrf("/")
	res := c.post("/lang", url.Values{"csrf": {token}, "lang": {"es"}, "next": {"/scoreboard/ex"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/scoreboard/ex" {
		t.Errorf("POST /lang: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	expect(t, c.get("/scoreboard/ex"), http.StatusOK, "Disponibilidad", "Países")
	expect(t, c.post("/lang", url.Values{"csrf": {token}, "lang": {"fr"}}), http.StatusBadRequest)

	// A user's choice is kept with the user, and follows them elsewhere.
	ana := f.signedIn("ana")
	expect(t, ana.post("/lang", url.Values{"csrf": {ana.csrf("/")}, "lang": {"es"}, "next": {"https://evil.example/"}}), http.StatusSeeOther)
	if u, _ := f.store.Accounts().UserByName(context.Background(), "ana"); u.Language != "es" {
		t.Errorf("ana's stored language = %q, want es", u.Language)
	}
	elsewhere := f.signedIn("ana")
	expect(t, elsewhere.get("/team/ex/cl1"), http.StatusOK, "Cada punto y su causa")
}

func TestTimeZone(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	u, _ := url.Parse(f.http.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tz", Value: url.QueryEscape("America/Bogota")}})
	expect(t, c.get("/"), http.StatusOK, "Times are shown in America/Bogota")
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tz", Value: "Not/AZone"}})
	expect(t, c.get("/"), http.StatusOK, "Times are shown in UTC")
}

func TestErrorPages(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.lang = "es"
	res := c.get("/no/such/page")
	expect(t, res, http.StatusNotFound, "Error 404", "Aquí no hay nada", `<html lang="es">`)
	c.lang = "en"
	expect(t, c.get("/no/such/page"), http.StatusNotFound, "There is nothing here")
	expect(t, c.get("/scoreboard/nope"), http.StatusNotFound, "There is nothing here")
	expect(t, f.signedIn("mara").get("/manager/nope"), http.StatusNotFound)
	if strings.Contains(res.body, "goroutine") || strings.Contains(res.body, ".go:") {
		t.Errorf("an error page shows code:\n%s", res.body)
	}
}

// sseReader reads server-sent events from a stream.
type sseReader struct{ r *bufio.Reader }

type sse struct{ event, data string }

func (s sseReader) next() (sse, error) {
	var ev sse
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.event != "":
			return ev, nil
		case strings.HasPrefix(line, "event: "):
			ev.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func (f *fixture) stream(t *testing.T, c *client, path string) (sseReader, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.http.URL+path, nil)
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return sseReader{bufio.NewReader(res.Body)}, func() { cancel(); res.Body.Close() }
}

func TestLiveScores(t *testing.T) {
	f := newFixture(t)
	r, stop := f.stream(t, f.client(), "/events/ex")
	defer stop()
	first := map[string]bool{}
	for len(first) < 2 {
		ev, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		first[ev.event] = true
	}
	if !first["scores"] || !first["clock"] {
		t.Fatalf("a new stream starts with %v, want scores and clock", first)
	}
	now := time.Now()
	_, err := f.store.RecordCheck(context.Background(), scoreboard.CheckResult{
		Exercise: "ex", Team: "cl1", Host: "web", Service: "http", Round: 1, Up: true, Detail: "200 OK",
		Moment: scoreboard.Moment{At: now, Elapsed: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := r.next()
		if err != nil {
			t.Fatalf("no scores event after a new ledger entry: %v", err)
		}
		if ev.event != "scores" {
			continue
		}
		var st apiStandings
		if err := json.Unmarshal([]byte(ev.data), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Teams) == 2 && st.Teams[0].Team.ID == "cl1" && st.Teams[0].Total > 0 {
			return
		}
		t.Fatalf("scores event without cl1's point: %s", ev.data)
	}
}

func TestLiveEventsAreFiltered(t *testing.T) {
	f := newFixture(t)
	ana := f.signedIn("ana")
	r, stop := f.stream(t, ana, "/events/ex")
	defer stop()
	anon, stopAnon := f.stream(t, f.client(), "/events/ex")
	defer stopAnon()
	ctx := context.Background()
	for _, ev := range []scoreboard.Event{
		{Team: "co1", Kind: scoreboard.EventInject, Text: "inject for co1", Audience: scoreboard.AudienceTeam},
		{Team: "cl1", Kind: scoreboard.EventAttack, Text: "attack on cl1 succeeded: its evidence", Audience: scoreboard.AudienceStaff},
		{Team: "cl1", Kind: scoreboard.EventInject, Text: "inject for cl1", Audience: scoreboard.AudienceTeam},
		{Team: "cl1", Kind: scoreboard.EventEngine, Text: "host reset", Audience: scoreboard.AudiencePublic},
		{Team: "", Kind: scoreboard.EventControl, Text: "exercise paused", Audience: scoreboard.AudiencePublic},
	} {
		ev.Moment = scoreboard.Moment{At: time.Now()}
		if _, err := f.store.AddEvent(ctx, "ex", ev); err != nil {
			t.Fatal(err)
		}
	}
	logs := func(r sseReader, n int) []string {
		var got []string
		for len(got) < n {
			ev, err := r.next()
			if err != nil {
				t.Fatalf("after %v: %v", got, err)
			}
			if ev.event == "log" {
				var e apiEvent
				json.Unmarshal([]byte(ev.data), &e)
				got = append(got, e.Text)
			}
		}
		return got
	}
	if got := strings.Join(logs(r, 3), ", "); got != "inject for cl1, host reset, exercise paused" {
		t.Errorf("ana's stream: %q; want her team's and the public events only", got)
	}
	if got := strings.Join(logs(anon, 2), ", "); got != "host reset, exercise paused" {
		t.Errorf("a visitor's stream: %q; want the public events only", got)
	}
	expect(t, f.client().get("/events/nope"), http.StatusNotFound)
}

func TestStatic(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "xterm.js"), []byte("// xterm"), 0o644)
	f := newFixture(t, func(c *Config) { c.AssetsDirs = AssetsDirs{Xterm: dir, Chart: filepath.Join(dir, "missing")} })
	c := f.client()
	expect(t, c.get("/static/app.css"), http.StatusOK, "--accent")
	expect(t, c.get("/static/"), http.StatusNotFound)
	expect(t, c.get("/vendor/xterm/xterm.js"), http.StatusOK, "// xterm")
	expect(t, c.get("/vendor/xterm/"), http.StatusNotFound)
	expect(t, c.get("/vendor/chart/chart.js"), http.StatusNotFound)
}

var templateKey = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)

// TestCatalog keeps the languages in step: the same keys in each, and every
// key a template names.
func TestCatalog(t *testing.T) {
	for _, lang := range languages {
		for key := range catalogs[languages[0]] {
			if _, ok := catalogs[lang][key]; !ok {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
		for key := range catalogs[lang] {
			if _, ok := catalogs[languages[0]][key]; !ok {
				t.Errorf("%s has %q, which %s lacks", lang, key, languages[0])
			}
		}
	}
	for _, name := range templateNames() {
		b, err := templateFiles.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalogs["en"][m[1]]; !ok {
				t.Errorf("%s uses %q, which the catalog lacks", name, m[1])
			}
		}
	}
	if got := negotiate("fr-FR, es;q=0.8, en;q=0.5"); got != "es" {
		t.Errorf("negotiate = %q, want es", got)
	}
	if got := negotiate(""); got != "en" {
		t.Errorf("negotiate(\"\") = %q, want en", got)
	}
}
