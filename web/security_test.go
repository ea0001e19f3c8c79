package web

// Security tests of the web interface (docs/security.md): every route the
// router has is classified by who may use it, and asked by those who may
// not; every path parameter is given traversal attempts; uploads try to
// climb out of their folder; sessions, CSRF tokens and API tokens are
// replayed where they must not work.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// gapRefusedTraineeBodyProcessed says that the gap docs/security.md lists
// first is still there: the trainee API's JSON decoding (decodeJSON in
// errors.go) answers 400 to a malformed body but does not end the request,
// so the handler goes on with whatever was decoded, records the submission
// and writes a second answer after the first. The fuzz target tolerates
// the second answer on those routes while this is true;
// TestRefusedTraineeBodyIsNotProcessed fails once the gap is fixed, so
// that this is set to false and the tests become strict.
const gapRefusedTraineeBodyProcessed = false

// TestRefusedTraineeBodyIsNotProcessed: a submission the API refuses as
// malformed must not be recorded.
func TestRefusedTraineeBodyIsNotProcessed(t *testing.T) {
	f := newPlayFixture(t)
	ctx := context.Background()
	tok := f.apiToken("carla")
	base := "/api/v1/exercises/drill/teams/cl1/"
	ch := f.challenge("cl1", "origen-smb")
	host := f.plans["cl1"].Hosts[0].Name

	// The right answer, with a field the API does not know.
	res := postJSON(f.fixture, base+"challenges", tok, `{"challenge":"origen-smb","answer":`+jsonString(ch.Answers[0])+`,"extra":1}`)
	var solved bool
	if cvs, err := f.srv.h.trainee.challengeViews(ctx, "drill", "cl1", f.plans["cl1"]); err == nil {
		for _, cv := range cvs {
			solved = solved || cv.Name == "origen-smb" && cv.Solved
		}
	}
	// A report whose techniques are of the wrong type.
	res2 := postJSON(f.fixture, base+"reports", tok, `{"target":`+jsonString(host)+`,"summary":"refused","techniques":"T1110"}`)
	reps, err := f.store.ReportsOf(ctx, "drill", "cl1")
	if err != nil {
		t.Fatal(err)
	}
	processed := solved || len(reps) > 0
	t.Logf("refused answer: %d %s; refused report: %d %s; challenge solved %v, reports stored %d", res.StatusCode, res.body, res2.StatusCode, res2.body, solved, len(reps))
	if res.StatusCode != http.StatusBadRequest || res2.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed bodies: %d and %d, want 400", res.StatusCode, res2.StatusCode)
	}
	switch {
	case processed && gapRefusedTraineeBodyProcessed:
		t.Log("known gap (docs/security.md, Gaps): the refused submissions were recorded")
	case processed:
		t.Errorf("a submission refused with 400 was recorded: challenge solved %v, %d reports", solved, len(reps))
	case gapRefusedTraineeBodyProcessed:
		t.Errorf("the gap is fixed: refused submissions are no longer recorded. Set gapRefusedTraineeBodyProcessed to false and remove the gap from docs/security.md")
	}
}

// access is who may use a route.
type access int

const (
	public     access = iota // anyone, signed in or not
	signedIn                 // any signed-in user; visitors are sent to sign in
	teamRead                 // a team's own trainees, and staff
	teamSubmit               // a team's own trainees only
	terminal                 // instructors, and a team's trainees on its hosts (never its attacker)
	staffOnly                // instructors and program managers
	instructor               // instructors only
	notFound                 // the API's catch-all: nothing there
)

var accessNames = map[access]string{public: "public", signedIn: "signed-in", teamRead: "team-read", teamSubmit: "team-submit",
	terminal: "terminal", staffOnly: "staff", instructor: "instructor", notFound: "not-found"}

// routeAccess classifies every route of the router, by method and path as
// registered. A route missing here fails TestEveryRouteIsClassified: a new
// route must say who may use it, and is then asked by everyone else.
var routeAccess = map[string]access{
	"GET /":                                 public,
	"GET /login":                            public,
	"POST /login":                           public,
	"POST /logout":                          public,
	"POST /lang":                            public,
	"GET /lang":                             public,
	"GET /scoreboard/:exercise":             public,
	"GET /events/:exercise":                 public,
	"GET /static/*":                         public,
	"GET /api/v1/exercises":                 public,
	"GET /api/v1/exercises/:name/standings": public,
	"GET /account":                          signedIn,
	"POST /account/tokens":                  signedIn,
	"POST /account/tokens/revoke":           signedIn,
	"GET /join":                             signedIn,
	"POST /join":                            signedIn,
	"GET /team":                             signedIn,
	"GET /team/:exercise/:team":             teamRead,
	"GET /api/v1/exercises/:name/teams/:team/breakdown":                    teamRead,
	"GET /api/v1/exercises/:name/teams/:team/hosts":                        teamRead,
	"GET /api/v1/exercises/:name/teams/:team/injects":                      teamRead,
	"GET /api/v1/exercises/:name/teams/:team/reports":                      teamRead,
	"GET /api/v1/exercises/:name/teams/:team/indicators":                   teamRead,
	"GET /api/v1/exercises/:name/teams/:team/challenges":                   teamRead,
	"POST /team/:exercise/:team/injects/:inject":                           teamSubmit,
	"POST /team/:exercise/:team/reports":                                   teamSubmit,
	"POST /team/:exercise/:team/indicators":                                teamSubmit,
	"POST /team/:exercise/:team/challenges/:challenge":                     teamSubmit,
	"POST /team/:exercise/:team/challenges/:challenge/hints":               teamSubmit,
	"POST /api/v1/exercises/:name/teams/:team/injects":                     teamSubmit,
	"POST /api/v1/exercises/:name/teams/:team/reports":                     teamSubmit,
	"POST /api/v1/exercises/:name/teams/:team/indicators":                  teamSubmit,
	"POST /api/v1/exercises/:name/teams/:team/challenges":                  teamSubmit,
	"POST /api/v1/exercises/:name/teams/:team/challenges/:challenge/hints": teamSubmit,
	"GET /terminal/:exercise/:team/:host":                                  terminal,
	"GET /terminal/:exercise/:team/:host/ws":                               terminal,
	"GET /manager/:exercise":                                               staffOnly,
	"GET /manager/:exercise/export/:file":                                  staffOnly,
	"GET /manager/:exercise/report":                                        staffOnly,
	"GET /manager/compare":                                                 staffOnly,
	"GET /manager/compare/export/:file":                                    staffOnly,
	"GET /api/v1/exercises/:name/statistics":                               staffOnly,
	"GET /api/v1/exercises/:name/series":                                   staffOnly,
	"GET /api/v1/exercises/:name/report":                                   staffOnly,
	"GET /api/v1/compare":                                                  staffOnly,
	"GET /instruct":                                                        instructor,
	"GET /instruct/scenarios":                                              instructor,
	"GET /instruct/scenarios/new":                                          instructor,
	"POST /instruct/scenarios/new":                                         instructor,
	"GET /instruct/scenarios/:name/edit":                                   instructor,
	"POST /instruct/scenarios/:name/edit":                                  instructor,
	"GET /instruct/new":                                                    instructor,
	"POST /instruct/new":                                                   instructor,
	"GET /instruct/:exercise":                                              instructor,
	"POST /instruct/:exercise/:action":                                     instructor,
	"GET /api/v1/instruct/scenarios":                                       instructor,
	"POST /api/v1/instruct/scenarios":                                      instructor,
	"GET /api/v1/instruct/scenarios/:name":                                 instructor,
	"GET /api/v1/instruct/exercises":                                       instructor,
	"POST /api/v1/instruct/exercises":                                      instructor,
	"GET /api/v1/instruct/exercises/:name":                                 instructor,
	"GET /api/v1/instruct/exercises/:name/operation":                       instructor,
	"GET /api/v1/instruct/exercises/:name/grid":                            instructor,
	"GET /api/v1/instruct/exercises/:name/timeline":                        instructor,
	"GET /api/v1/instruct/exercises/:name/queue":                           instructor,
	"GET /api/v1/instruct/exercises/:name/trainees":                        instructor,
	"POST /api/v1/instruct/exercises/:name/:action":                        instructor,
}

// classify says who may use a route; false when the table does not know it.
func classify(method, path string) (access, bool) {
	if a, ok := routeAccess[method+" "+path]; ok {
		return a, true
	}
	switch {
	case path == "/api/v1/*":
		return notFound, true // every method
	case method == http.MethodGet && strings.HasPrefix(path, "/vendor/"):
		return public, true // the installed JavaScript libraries
	}
	return 0, false
}

// securityFixture is the fixture whose director holds exercise "ex" (the
// water utility, teams cl1 and co1) on a container engine whose terminals
// open, with limits that the walks do not reach.
func securityFixture(t *testing.T) *fixture {
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil), func(c *Config) {
		c.SubmitLimit, c.LoginLimit = 1<<20, 1<<20
	})
	return f
}

// TestEveryRouteIsClassified fails when a route is added that routeAccess
// does not classify.
func TestEveryRouteIsClassified(t *testing.T) {
	f := securityFixture(t)
	for _, r := range f.srv.echo.Routes() {
		if _, ok := classify(r.Method, r.Path); !ok {
			t.Errorf("route %s %s is not in routeAccess (web/security_test.go): say who may use it", r.Method, r.Path)
		}
	}
}

// routeValues are the path parameters the walk asks with: ana (team cl1)
// asks for team co1's things.
var routeValues = map[string]string{"exercise": "ex", "name": "ex", "team": "co1", "host": "portal", "inject": "press",
	"challenge": "c1", "action": "adjust", "file": "ledger.csv"}

// fill makes a path of a route's pattern: each parameter from values,
// the wildcard from star.
func fill(pattern string, values map[string]string, star string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, ":"):
			segs[i] = values[s[1:]]
		case s == "*":
			segs[i] = star
		}
	}
	return strings.Join(segs, "/")
}

func starFor(pattern string) string {
	switch {
	case strings.HasPrefix(pattern, "/static/"):
		return "app.css"
	case strings.HasPrefix(pattern, "/vendor/"):
		return "xterm.js"
	}
	return "nothing"
}

// ask sends one request as a browser of c: POSTs with the CSRF token c
// holds (in the form and its header) and a form body; bearer, when set, as
// an API token. An event stream is not read.
func ask(t *testing.T, c *client, method, path, csrf, bearer string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	state := method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
	if state {
		body = strings.NewReader(url.Values{"csrf": {csrf}, "team": {"co1"}, "points": {"100"}, "reason": {"x"}, "summary": {"x"},
			"target": {"portal"}, "body": {"x"}, "answer": {"x"}, "hint": {"0"}, "kind": {"ipv4-addr"}, "value": {"10.0.0.1"}, "name": {"x"}}.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.f.http.URL+path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if state {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(csrfHeader, csrf)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var b []byte
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ = io.ReadAll(io.LimitReader(res.Body, 1<<20))
	}
	return response{res, string(b)}
}

// persona is a user of the walk, with a session and, for the API, a token.
type persona struct {
	name         string
	c            *client
	csrf, bearer string
}

func personas(t *testing.T, f *fixture) map[string]*persona {
	out := map[string]*persona{}
	anon := f.client()
	out[""] = &persona{c: anon, csrf: anon.csrf("/login")}
	for _, name := range []string{"ana", "mara", "ines"} {
		c := f.signedIn(name)
		out[name] = &persona{name: name, c: c, csrf: c.csrf("/account"), bearer: f.apiToken(name)}
	}
	return out
}

func isAPIPath(p string) bool { return strings.HasPrefix(p, "/api/") }

// TestRouteAccess walks every route of the router as those who may not use
// it: a trainee of team cl1 asks for team co1's things, a trainee and a
// program manager for the instructors' and staff's, a visitor for anything
// that needs a user. Each is refused, by session and by API token; the
// terminal's websocket is refused before it upgrades.
func TestRouteAccess(t *testing.T) {
	f := securityFixture(t)
	who := personas(t, f)
	seen := map[string]bool{}
	for _, r := range f.srv.echo.Routes() {
		key := r.Method + " " + r.Path
		if seen[key] || r.Method == http.MethodConnect || r.Method == "PROPFIND" || r.Method == "REPORT" || r.Method == http.MethodTrace {
			continue
		}
		seen[key] = true
		acc, ok := classify(r.Method, r.Path)
		if !ok {
			continue // TestEveryRouteIsClassified says so
		}
		path := fill(r.Path, routeValues, starFor(r.Path))
		ws := strings.HasSuffix(r.Path, "/ws")
		t.Run(accessNames[acc]+" "+key, func(t *testing.T) {
			try := func(p *persona, bearer string, want ...int) {
				t.Helper()
				var status int
				var res response
				if ws {
					_, wres, err := termDial(t, f, p.c, path)
					status = dialStatus(wres, err)
				} else {
					res = ask(t, p.c, r.Method, path, p.csrf, bearer)
					status = res.StatusCode
				}
				how := "session"
				if bearer != "" {
					how = "API token"
				}
				if status >= 500 {
					t.Errorf("%s (%s): %s %s: %d\n%.300s", p.name, how, r.Method, path, status, res.body)
					return
				}
				if !slices.Contains(want, status) {
					t.Errorf("%s (%s): %s %s: %d, want one of %v\n%.300s", p.name, how, r.Method, path, status, want, res.body)
					return
				}
				if status == http.StatusSeeOther && acc != public && !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
					t.Errorf("%s: %s %s: sent to %q, want the sign-in page", p.name, r.Method, path, res.Header.Get("Location"))
				}
				if status >= 400 && isAPIPath(path) && r.Method != http.MethodHead && !strings.Contains(res.body, `"error"`) {
					t.Errorf("%s: %s %s: %d without a JSON error: %.200s", p.name, r.Method, path, status, res.body)
				}
			}
			refuse := func(p *persona, want ...int) {
				t.Helper()
				try(p, "", want...)
				if isAPIPath(path) {
					try(p, p.bearer, want...)
				}
			}
			// Visitors: sent to sign in (pages) or 401.
			anon := who[""]
			signIn := []int{http.StatusUnauthorized}
			if r.Method == http.MethodGet && !isAPIPath(path) && !ws {
				signIn = []int{http.StatusSeeOther}
			}
			switch acc {
			case public:
				try(anon, "", http.StatusOK, http.StatusSeeOther, http.StatusUnauthorized, http.StatusNotFound, http.StatusBadRequest)
				return
			case notFound:
				for _, p := range who {
					refuse(p, http.StatusNotFound, http.StatusUnauthorized)
				}
				return
			default:
				try(anon, "", signIn...)
			}
			ana, mara := who["ana"], who["mara"]
			switch acc {
			case teamRead, teamSubmit, terminal:
				// ana of cl1 asks for co1's: refused, or hidden.
				refuse(ana, http.StatusForbidden, http.StatusNotFound)
				if acc != teamRead {
					// Staff read a team's things but act for none; a
					// manager opens no terminal.
					refuse(mara, http.StatusForbidden)
				}
			case staffOnly:
				refuse(ana, http.StatusForbidden)
			case instructor:
				refuse(ana, http.StatusForbidden)
				refuse(mara, http.StatusForbidden)
			}
		})
	}
	// The terminal: ana's own team's attacker is not hers to open either.
	for _, p := range []string{"/terminal/ex/cl1/attacker:red", "/terminal/ex/cl1/attacker%3Ared", "/terminal/ex/cl1/attacker%253Ared"} {
		if res := who["ana"].c.get(p); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("ana: GET %s: %d, want 403", p, res.StatusCode)
		}
		_, wres, err := termDial(t, f, who["ana"].c, p+"/ws")
		if got := dialStatus(wres, err); got != http.StatusForbidden && got != http.StatusNotFound {
			t.Errorf("ana: websocket %s: %d, want 403 before the upgrade", p, got)
		}
	}
	if len(seen) < len(routeAccess) {
		t.Logf("walked %d routes", len(seen))
	}
}

// traversals are what a path parameter is given to climb out of its
// place: dot segments plain and encoded, encoded slashes and backslashes,
// double encoding, a NUL, and another team's name smuggled in.
var traversals = []string{
	"..", "../..", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2E%2E", "..%5c..%5cwindows%5cwin.ini",
	"%252e%252e%252f", "....%2f%2f", "cl1%2f..%2fco1", "co1%00", "%00", "ex%2f..%2fex", "%c0%ae%c0%ae%2f",
}

// TestPathTraversal gives every path parameter of every route each of the
// traversals, as an instructor (who may use every route, so that no
// refusal hides what the route would do) and as a trainee: the answer is
// never a failure, never another resource, and for the trainee never
// another team's.
func TestPathTraversal(t *testing.T) {
	f := securityFixture(t)
	who := personas(t, f)
	// What must never show: the machine's files, the server's source, and
	// team co1's name to ana.
	leaks := []string{"root:x:0:0", "[fonts]", "package web", "module github.com"}
	seen := map[string]bool{}
	for _, r := range f.srv.echo.Routes() {
		key := r.Method + " " + r.Path
		acc, ok := classify(r.Method, r.Path)
		if !ok || seen[key] || (r.Method != http.MethodGet && r.Method != http.MethodPost) || !strings.ContainsAny(r.Path, ":*") {
			continue
		}
		seen[key] = true
		if strings.HasSuffix(r.Path, "/ws") || acc == notFound {
			continue // the terminal page checks the same target; the catch-all is all 404s
		}
		var params []string
		for _, s := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(s, ":") || s == "*" {
				params = append(params, s)
			}
		}
		for _, param := range params {
			for _, bad := range traversals {
				values := map[string]string{}
				for k, v := range routeValues {
					values[k] = v
				}
				values["team"] = "cl1" // ana's own, so that only the traversal is wrong
				star := starFor(r.Path)
				if param == "*" {
					star = bad + "/" + bad + "/etc/passwd"
				} else {
					values[param[1:]] = bad
				}
				path := fill(r.Path, values, star)
				for _, p := range []*persona{who["ines"], who["ana"]} {
					res := ask(t, p.c, r.Method, path, p.csrf, "")
					if res.StatusCode >= 500 && !(gapFileServerInvalidName && fileRoute(r.Path)) {
						t.Errorf("%s: %s %s: %d\n%.300s", p.name, r.Method, path, res.StatusCode, res.body)
						continue
					}
					for _, leak := range leaks {
						if strings.Contains(res.body, leak) {
							t.Errorf("%s: %s %s: %d shows %q", p.name, r.Method, path, res.StatusCode, leak)
						}
					}
					if p.name == "ana" && res.StatusCode < 300 && strings.Contains(res.body, "colCERT") && !strings.HasPrefix(r.Path, "/scoreboard/") &&
						acc != public {
						t.Errorf("ana: %s %s: %d shows team co1's name", r.Method, path, res.StatusCode)
					}
					// A success is allowed only where the parameter is not a
					// name of anything: a wildcard of files is not one.
					if res.StatusCode < 300 && acc != public && !(p.name == "ines" && acc == instructor && strings.HasSuffix(r.Path, "/:action")) {
						t.Errorf("%s: %s %s: %d; want it refused or not found\n%.300s", p.name, r.Method, path, res.StatusCode, res.body)
					}
				}
			}
		}
	}
}

// gapFileServerInvalidName says that the second gap docs/security.md
// lists is still there: the file routes (/static/*, /vendor/*) answer a
// name that is not a valid file name (a NUL, bytes that are not UTF-8)
// with 500 instead of 404. Nothing is read or shown; the status is wrong.
// TestPathTraversal tolerates it on those routes while this is true;
// TestInvalidFileNameIsNotAServerError fails once it is fixed.
const gapFileServerInvalidName = false

func fileRoute(pattern string) bool {
	return strings.HasPrefix(pattern, "/static/") || strings.HasPrefix(pattern, "/vendor/")
}

// TestInvalidFileNameIsNotAServerError: a file route asked for a name
// that cannot be a file's answers 404 (or 400), not 500.
func TestInvalidFileNameIsNotAServerError(t *testing.T) {
	f := securityFixture(t)
	c := f.client()
	var failed []string
	for _, p := range []string{"/static/%00", "/static/app.css%00", "/static/%c0%ae%c0%ae", "/vendor/xterm/%00", "/vendor/xterm/%ff.js"} {
		res := c.get(p)
		switch {
		case res.StatusCode >= 500:
			failed = append(failed, p)
		case res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusBadRequest:
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	switch {
	case len(failed) > 0 && gapFileServerInvalidName:
		t.Logf("known gap (docs/security.md, Gaps): 500 for %q", failed)
	case len(failed) > 0:
		t.Errorf("500 for %q; want 404", failed)
	case gapFileServerInvalidName:
		t.Errorf("the gap is fixed: invalid file names are no longer a 500. Set gapFileServerInvalidName to false and remove the gap from docs/security.md")
	}
}

// TestUploadTraversal: an uploaded scenario cannot name itself out of the
// store's names, nor read the machine's files through file().
func TestUploadTraversal(t *testing.T) {
	f, _ := instructFixture(t)
	ctx := context.Background()
	c := f.signedIn("ines")
	api := f.apiToken("ines")
	valid := strings.Replace(brokenScenario, `"forever"`, `"1h"`, 1)
	for _, name := range []string{"../x", "..", "a/../../b", "x/y", `..\x`, "x\x00", "%2e%2e", ".hidden", "Ex", strings.Repeat("a", 41), ""} {
		res := c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, map[string]any{"name": name, "source": valid})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"field":"name"`) {
			t.Errorf("API upload named %q: %d %s; want 422 on the name", name, res.StatusCode, res.body)
		}
		res = c.post("/instruct/scenarios/new", url.Values{"csrf": {c.csrf("/instruct/scenarios/new")}, "name": {name}, "source": {valid}, "save": {"1"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("form upload named %q: %d; want 422", name, res.StatusCode)
		}
	}
	srcs, err := f.store.ScenarioSources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 0 {
		t.Errorf("refused uploads stored scenarios: %+v", srcs)
	}
	// The name in an edit's path is checked the same way.
	for _, p := range []string{"/instruct/scenarios/..%2F..%2Fetc/edit", "/instruct/scenarios/%2e%2e/edit", "/instruct/scenarios/x%00/edit"} {
		expect(t, c.post(p, url.Values{"csrf": {c.csrf("/instruct/scenarios/new")}, "source": {valid}}), http.StatusNotFound)
		expect(t, c.get(p), http.StatusNotFound)
	}
	// file() in an uploaded scenario reads nothing of the machine's.
	for _, ref := range []string{"/etc/passwd", "../../../../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "injects/../../../etc/passwd"} {
		src := valid + "\ninject \"leak\" {\n  at      = \"1m\"\n  subject = \"x\"\n  body    = file(" + jsonString(ref) + ")\n}\n"
		res := c.api(http.MethodPost, "/api/v1/instruct/scenarios", api, map[string]any{"name": "leaky", "source": src})
		if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(res.body, "root:") || !strings.Contains(res.body, `"saved":false`) {
			t.Errorf("file(%q) in an upload: %d %.400s; want 422, not saved, nothing read", ref, res.StatusCode, res.body)
		}
	}
}

// TestSessionReplayAfterSignOut: a session cookie copied before signing
// out opens nothing after; nor does a session cookie made up.
func TestSessionReplayAfterSignOut(t *testing.T) {
	f := newFixture(t)
	ana := f.signedIn("ana")
	u, _ := url.Parse(f.http.URL)
	var stolen string
	for _, ck := range ana.c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			stolen = ck.Value
		}
	}
	if stolen == "" {
		t.Fatal("no session cookie after signing in")
	}
	csrf := sessionCSRF(stolen)
	expect(t, ana.post("/logout", url.Values{"csrf": {ana.csrf("/")}}), http.StatusSeeOther)

	thief := f.client()
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: stolen}})
	res := thief.get("/team/ex/cl1")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the signed-out session's cookie opens the team page: %d", res.StatusCode)
	}
	expect(t, thief.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusUnauthorized)
	// With the signed-out session's own CSRF token, a form is refused too.
	expect(t, thief.post("/account/tokens", url.Values{"csrf": {csrf}, "name": {"stolen"}}), http.StatusForbidden)
	if toks, _ := f.store.Accounts().APITokens(context.Background(), "ana"); len(toks) != 0 {
		t.Errorf("a signed-out session made a token: %+v", toks)
	}

	forger := f.client()
	forger.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "cds_" + strings.Repeat("A", 43)}})
	expect(t, forger.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusUnauthorized)
}

// TestExpiredSession: a session unused for longer than SessionTTL is
// over, whatever the cookie says.
func TestExpiredSession(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	f := newFixture(t, func(c *Config) { c.Now = func() time.Time { return clock() }; c.SessionTTL = time.Hour })
	ana := f.signedIn("ana")
	expect(t, ana.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusOK)
	clock = func() time.Time { return now.Add(2 * time.Hour) }
	expect(t, ana.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusUnauthorized)
}

// TestBearerTokenOpensNoForm: an API token is no credential outside the
// API: a form sent with one is refused like a visitor's, and a token's
// request needs no CSRF token on the API only.
func TestBearerTokenOpensNoForm(t *testing.T) {
	f := newPlayFixture(t)
	ctx := context.Background()
	tok := f.apiToken("carla")
	host := f.plans["cl1"].Hosts[0].Name
	form := func(path string, v url.Values) response {
		req, _ := http.NewRequest(http.MethodPost, f.http.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok)
		return f.client().do(req)
	}
	// Without a CSRF token: refused as a form without one.
	expect(t, form(drill+"/reports", url.Values{"target": {host}, "summary": {"by token"}}), http.StatusForbidden)
	expect(t, form("/account/tokens", url.Values{"name": {"more"}}), http.StatusForbidden)
	// With the token in the CSRF field too: still no user behind it.
	expect(t, form(drill+"/reports", url.Values{"csrf": {tok}, "target": {host}, "summary": {"by token"}}), http.StatusForbidden)
	if reps, _ := f.store.ReportsOf(ctx, "drill", "cl1"); len(reps) != 0 {
		t.Errorf("a form sent with an API token filed a report: %+v", reps)
	}
	if toks, _ := f.store.Accounts().APITokens(ctx, "carla"); len(toks) != 1 {
		t.Errorf("a form sent with an API token made a token: %+v", toks)
	}
	// On the API the token needs no CSRF token.
	expect(t, postJSON(f.fixture, "/api/v1/exercises/drill/teams/cl1/reports", tok, `{"target":`+jsonString(host)+`,"summary":"by token"}`), http.StatusCreated)
	// A bearer header that is not a token is refused, not read as a visitor.
	for _, h := range []string{"Basic Y2FybGE6eA==", "Bearer", "Bearer ", "bearer " + tok} {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/api/v1/exercises", nil)
		req.Header.Set("Authorization", h)
		if res := f.client().do(req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", h, res.StatusCode)
		}
	}
}

// TestRevokedTokenIsRefused: a token revoked on the account page stops
// working at once.
func TestRevokedTokenIsRefused(t *testing.T) {
	f := newFixture(t)
	m := f.signedIn("mara")
	res := m.post("/account/tokens", url.Values{"csrf": {m.csrf("/account")}, "name": {"dashboard"}})
	expect(t, res, http.StatusOK, "Copy it now")
	tok := regexp.MustCompile(`cdt_[A-Za-z0-9_-]{43}`).FindString(res.body)
	expect(t, bearerGet(f, "/api/v1/exercises/ex/statistics", tok), http.StatusOK)
	expect(t, m.post("/account/tokens/revoke", url.Values{"csrf": {m.csrf("/account")}, "name": {"dashboard"}}), http.StatusSeeOther)
	res = bearerGet(f, "/api/v1/exercises/ex/statistics", tok)
	expect(t, res, http.StatusUnauthorized, `"error"`)
	// Another user cannot revoke mara's token by its name.
	tok2 := f.apiToken("mara")
	a := f.signedIn("ana")
	res = a.post("/account/tokens/revoke", url.Values{"csrf": {a.csrf("/account")}, "name": {"test"}})
	if res.StatusCode < 400 {
		t.Errorf("ana revoking a token she does not have: %d", res.StatusCode)
	}
	expect(t, bearerGet(f, "/api/v1/exercises/ex/statistics", tok2), http.StatusOK)
}

// TestRateLimitsHold: the limits hold on the API with a token as on forms,
// and a client cannot escape them with a header naming another address.
func TestRateLimitsHold(t *testing.T) {
	t.Run("API submissions", func(t *testing.T) {
		f := newPlayFixture(t, func(c *Config) { c.SubmitLimit = 3 })
		tok := f.apiToken("carla")
		var last response
		for range 4 {
			last = postJSON(f.fixture, "/api/v1/exercises/drill/teams/cl1/challenges", tok, `{"challenge":"origen-smb","answer":"192.0.2.1"}`)
		}
		expect(t, last, http.StatusTooManyRequests, `"error"`)
		if last.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		// Another token of the same user shares the user's limit.
		expect(t, postJSON(f.fixture, "/api/v1/exercises/drill/teams/cl1/challenges", f.fixture.apiTokenNamed("carla", "second"),
			`{"challenge":"origen-smb","answer":"192.0.2.1"}`), http.StatusTooManyRequests)
	})
	t.Run("sign-in behind a forged address", func(t *testing.T) {
		f := newFixture(t)
		c := f.client()
		token := c.csrf("/login")
		var last response
		for i := range 6 {
			req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/login", strings.NewReader(url.Values{"csrf": {token}, "name": {"ana"}, "password": {"wrong"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "198.51.100."+string(rune('1'+i)))
			req.Header.Set("X-Real-IP", "198.51.100."+string(rune('1'+i)))
			last = c.do(req)
		}
		expect(t, last, http.StatusTooManyRequests)
	})
}

func (f *fixture) apiTokenNamed(user, name string) string {
	f.t.Helper()
	token, err := f.store.Accounts().CreateAPIToken(context.Background(), user, name, time.Now(), time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	return token
}
