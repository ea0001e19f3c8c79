package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
