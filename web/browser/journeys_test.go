package browser

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Window sizes: a laptop, and a phone for the scoreboard.
const (
	wideW, wideH   = 1280, 900
	phoneW, phoneH = 375, 812
)

// Accept-Language headers of Spanish and English speakers.
const (
	spanish = "es-CL,es;q=0.9"
	english = "en-US,en;q=0.9"
)

// TestBrowser walks the web interface as its users do. The journeys share
// one server, one director, one browser and one exercise, in the order an
// exercise goes: signing in, the instructor starting the exercise, trainees
// joining and working, the scoreboard, the manager's review.
func TestBrowser(t *testing.T) {
	start := time.Now()
	h := newHarness(t)
	x := h.rangeExercise(t)
	for _, u := range []scoreboard.User{
		{Name: "ines", DisplayName: "Inés Instructora", Role: scoreboard.RoleInstructor},
		{Name: "mara", DisplayName: "Mara Manager", Role: scoreboard.RoleManager},
		{Name: "ana", DisplayName: "Ana Trainee", Role: scoreboard.RoleTrainee},
		{Name: "beto", DisplayName: "Beto Trainee", Role: scoreboard.RoleTrainee, Exercise: x.Name, Team: teamB},
	} {
		h.user(t, u)
	}
	t.Logf("set up in %s", time.Since(start).Round(time.Millisecond))

	t.Run("sign-in in Spanish and English", func(t *testing.T) {
		signInJourney(t, h)
	})

	t.Run("an instructor uploads a scenario, creates an exercise, deploys and starts one", func(t *testing.T) {
		instructorJourney(t, h, x)
	})

	t.Run("a trainee joins their team and is refused the other's", func(t *testing.T) {
		joinJourney(t, h, x)
	})

	t.Run("a trainee runs a command in a terminal on their host", func(t *testing.T) {
		h.needRange(t, x)
		terminalJourney(t, h, x)
	})

	report := ""
	t.Run("a trainee files an incident report", func(t *testing.T) {
		h.needRange(t, x)
		report = reportJourney(t, h, x)
	})

	t.Run("a trainee learns an attack's outcome only once its detection window has closed", func(t *testing.T) {
		h.needRange(t, x)
		revealJourney(t, h, x)
	})

	t.Run("the scoreboard updates without a reload, on a laptop and a phone", func(t *testing.T) {
		scoreboardJourney(t, h, x)
	})

	t.Run("the instructor grades, the manager reviews", func(t *testing.T) {
		reviewJourney(t, h, x, report)
	})
	t.Logf("all journeys in %s", time.Since(start).Round(time.Millisecond))
}

// signInJourney: the sign-in page in both languages, the language buttons,
// a wrong password refused in each language, then a good one.
func signInJourney(t *testing.T, h *harness) {
	es := h.newPerson(t, "visitor-es", spanish, wideW, wideH)
	if st := es.visit("/login"); st != http.StatusOK {
		es.fail("GET /login: %d", st)
	}
	if lang := eval[string](es, "document.documentElement.lang"); lang != "es" {
		t.Errorf("sign-in page for Accept-Language %s: lang %q, want es", spanish, lang)
	}
	if got := es.text("#login-h"); got != "Iniciar sesión" {
		t.Errorf("Spanish sign-in heading %q, want Iniciar sesión", got)
	}
	es.shot("a1-login-es")

	es.fill("#name", "mara", "#password", "not her password")
	if st := es.submit(`form[action="/login"] button[type=submit]`); st != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	if got := es.text(`[role=alert]`); got != "Usuario o contraseña incorrectos." {
		t.Errorf("wrong password in Spanish: alert %q", got)
	}
	if got := eval[string](es, `document.querySelector("#name").value`); got != "mara" {
		t.Errorf("after a wrong password the name field holds %q, want it kept", got)
	}
	es.shot("a2-login-failed-es")

	en := h.newPerson(t, "visitor-en", english, wideW, wideH)
	en.visit("/login")
	if got := en.text("#login-h"); got != "Sign in" {
		t.Errorf("English sign-in heading %q, want Sign in", got)
	}
	// The language buttons switch, whatever the browser asks for.
	en.submit(`form.lang button[value=es]`)
	if got := en.text("#login-h"); got != "Iniciar sesión" {
		t.Errorf("after ES: heading %q, want Iniciar sesión", got)
	}
	if en.path() != "/login" {
		t.Errorf("the language button left the page for %s", en.path())
	}
	en.submit(`form.lang button[value=en]`)
	if got := en.text("#login-h"); got != "Sign in" {
		t.Errorf("after EN: heading %q, want Sign in", got)
	}
	if got := eval[string](en, `document.querySelector("form.lang button[value=en]").getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("EN button aria-pressed %q after choosing English", got)
	}
	en.shot("a3-login-en")

	en.fill("#name", "mara", "#password", "wrong again")
	if st := en.submit(`form[action="/login"] button[type=submit]`); st != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	if got := en.text(`[role=alert]`); got != "Wrong user name or password." {
		t.Errorf("wrong password in English: alert %q", got)
	}
	en.shot("a4-login-failed-en")

	if landed := en.signIn("mara"); landed != "/" {
		t.Errorf("the manager landed on %s, want /", landed)
	}
	if got := en.text("main h1"); got != "Exercises" {
		t.Errorf("home heading %q, want Exercises", got)
	}
	if !en.has(`a[href^="/manager/"]`) {
		t.Error("the manager's home page has no link to the statistics")
	}
	en.shot("a5-home-manager-en")
}

// joinJourney: a trainee with no team signs in, is sent to the join page,
// is told a wrong code is wrong, joins team A with its code and lands on
// its page; team B's page and terminal are refused with a 403 page, and
// team B's trainee is refused team A's terminal.
func joinJourney(t *testing.T, h *harness, x testExercise) {
	a := x.team(t, teamA)
	ana := h.newPerson(t, "ana", spanish, wideW, wideH)
	if landed := ana.signIn("ana"); landed != "/join" {
		t.Errorf("a trainee with no team landed on %s, want /join", landed)
	}
	ana.fill("#code", "ZZZZ9999")
	if st := ana.submit(`form[action="/join"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("unknown join code: status %d, want 422", st)
	}
	if got := ana.text("[role=alert]"); !strings.Contains(got, "Ningún equipo") && !strings.Contains(got, "código") {
		t.Errorf("unknown join code: alert %q", got)
	}
	ana.shot("c1-join-wrong-code-es")

	ana.fill("#code", a.JoinCode)
	if st := ana.submit(`form[action="/join"] button[type=submit]`); st != http.StatusOK {
		ana.fail("joining with team A's code: status %d", st)
	}
	if got, want := ana.path(), "/team/"+x.Name+"/"+teamA; got != want {
		ana.fail("after joining: on %s, want %s", got, want)
	}
	if got := ana.text("main h1"); !strings.Contains(got, teamAName) {
		t.Errorf("team page heading %q, want it to name %s", got, teamAName)
	}
	hosts := ana.text(`section[aria-labelledby="hosts-h"]`)
	for _, host := range []string{"box", "web"} {
		if !strings.Contains(hosts, host) {
			t.Errorf("the team page's hosts %q do not list host %s", hosts, host)
		}
	}
	ana.shot("c2-team-es")

	for _, path := range []string{
		"/team/" + x.Name + "/" + teamB,
		"/terminal/" + x.Name + "/" + teamB + "/box",
	} {
		if st := ana.visit(path); st != http.StatusForbidden {
			t.Errorf("team A's trainee GET %s: status %d, want 403", path, st)
			continue
		}
		if got := ana.text("#error-h"); got != "Error 403" {
			t.Errorf("GET %s: heading %q, want Error 403", path, got)
		}
		if got := ana.text("main .error p"); got != "No tienes acceso a esta página." {
			t.Errorf("GET %s: message %q", path, got)
		}
	}
	ana.visit("/team/" + x.Name + "/" + teamB)
	ana.shot("c3-forbidden-team-b-es")
	ana.visit("/terminal/" + x.Name + "/" + teamB + "/box")
	ana.shot("c4-forbidden-terminal-b-es")

	// And the other way round, in English: team B's trainee, put in the
	// team by the instructor, lands on its page and may not open team A's
	// terminal.
	beto := h.newPerson(t, "beto", english, wideW, wideH)
	if landed, want := beto.signIn("beto"), "/team/"+x.Name+"/"+teamB; landed != want {
		t.Errorf("team B's trainee landed on %s, want %s", landed, want)
	}
	if st := beto.visit("/terminal/" + x.Name + "/" + teamA + "/box"); st != http.StatusForbidden {
		t.Errorf("team B's trainee GET team A's terminal: status %d, want 403", st)
	}
	if got := beto.text("main .error p"); got != "You do not have access to this page." {
		t.Errorf("403 in English: message %q", got)
	}
}

// scoreboardJourney: the scoreboard shows a score recorded after it
// opened, with no navigation; on a phone it fits the screen.
func scoreboardJourney(t *testing.T, h *harness, x testExercise) {
	ctx := context.Background()
	viewer := h.newPerson(t, "scoreboard-viewer", english, wideW, wideH)
	if st := viewer.visit("/scoreboard/" + x.Name); st != http.StatusOK {
		viewer.fail("GET /scoreboard/%s: %d", x.Name, st)
	}
	viewer.waitJS("the live stream to connect", `document.querySelector("[data-live-status]").dataset.state === "on"`, 10*time.Second)
	// The clock ticking in the browser rounds as the server's does.
	for _, ms := range []int64{0, 499, 500, 1499, 1500, 59_499, 3_599_500} {
		want := scenarios.Clock(time.Duration(ms) * time.Millisecond)
		if got := eval[string](viewer, fmt.Sprintf("window.cordilleraClock(%d)", ms)); got != want {
			viewer.fail("the browser's clock writes %d ms as %s, the server's as %s", ms, got, want)
		}
	}
	// Marks the document: a reload or a navigation would lose it.
	eval[chromedp.Void](viewer, `window.cordilleraMark = "before"`)
	navigations := eval[int](viewer, `performance.getEntriesByType("navigation").length`)

	totalJS := fmt.Sprintf(`(function () {
		var rows = document.querySelectorAll("table[data-teams] tbody tr");
		for (var i = 0; i < rows.length; i++) {
			if (rows[i].cells[1].textContent.trim() === %q) return rows[i].cells[3].textContent.trim();
		}
		return "";
	})()`, teamAName)
	before := eval[string](viewer, totalJS)
	if before == "" {
		viewer.fail("the scoreboard has no row for %s", teamAName)
	}
	// The page marks a row whose total changed, until the next update
	// rebuilds the rows: watch for the mark as it comes.
	eval[chromedp.Void](viewer, fmt.Sprintf(`window.cordilleraChanged = false;
		new MutationObserver(function () {
			Array.prototype.forEach.call(document.querySelectorAll("table[data-teams] tbody tr.changed"), function (r) {
				if (r.cells[1].textContent.trim() === %q) window.cordilleraChanged = true;
			});
		}).observe(document.querySelector("table[data-teams] tbody"), { childList: true })`, teamAName))

	if _, err := h.store.Adjust(ctx, scoreboard.Adjustment{
		Exercise: x.Name, Team: teamA, Points: 1234, Author: "ines",
		Reason: "Browser test: the scoreboard updates live", Moment: scoreboard.Moment{At: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
	want := func() string {
		st, err := h.store.Standings(ctx, x.Name, scoreboard.Public)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range st.Teams {
			if ts.Team.ID == teamA {
				return fmt.Sprint(ts.Total)
			}
		}
		t.Fatalf("no standing of team %s", teamA)
		return ""
	}
	// Availability points may land meanwhile: wait for the page to show
	// the store's total, whatever it is by then, as long as it changed.
	deadline := time.Now().Add(15 * time.Second)
	for {
		shown, w := eval[string](viewer, totalJS), want()
		if shown == w && shown != before {
			break
		}
		if time.Now().After(deadline) {
			viewer.fail("the scoreboard shows %s for %s; the store says %s (it showed %s before the adjustment)", shown, teamAName, w, before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if mark := eval[string](viewer, `window.cordilleraMark || ""`); mark != "before" {
		t.Errorf("the page was reloaded: the mark set before the change is %q", mark)
	}
	if n := eval[int](viewer, `performance.getEntriesByType("navigation").length`); n != navigations {
		t.Errorf("navigations %d, then %d", navigations, n)
	}
	if !eval[bool](viewer, `window.cordilleraChanged`) {
		t.Errorf("the changed row of %s was not marked", teamAName)
	}
	viewer.shot("b1-scoreboard-live-en")

	phone := h.newPerson(t, "scoreboard-phone", spanish, phoneW, phoneH)
	if st := phone.visit("/scoreboard/" + x.Name); st != http.StatusOK {
		phone.fail("GET /scoreboard/%s on a phone: %d", x.Name, st)
	}
	phone.waitJS("the live stream to connect", `document.querySelector("[data-live-status]").dataset.state === "on"`, 10*time.Second)
	if got := phone.text("#teams-h"); got != "Equipos" {
		t.Errorf("Spanish scoreboard: teams heading %q", got)
	}
	// Wide tables scroll in their own box; the page itself must fit.
	if w := eval[int](phone, "document.documentElement.scrollWidth"); w > phoneW {
		t.Errorf("on a %dpx phone the scoreboard page is %dpx wide", phoneW, w)
	}
	phone.shot("b2-scoreboard-phone-es")
}
