package browser

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// instructorJourney: an instructor uploads a scenario in the editor, makes
// an exercise of it with the new-exercise form, then deploys the prepared
// exercise's range from its control page, watches the progress and the
// grid without reloading, and starts it.
//
// The exercise made with the form is not deployed: the form has no address
// pool, and the default one could meet a real range on the engine. The
// prepared exercise, which the harness adopts as `cordillera serve
// --exercise` would, takes a pool no network on the engine uses.
func instructorJourney(t *testing.T, h *harness, x testExercise) {
	ctx := context.Background()
	ines := h.newPerson(t, "ines", english, wideW, wideH)
	ines.signIn("ines")
	if st := ines.visit("/instruct"); st != http.StatusOK {
		ines.fail("GET /instruct: %d", st)
	}
	if !ines.has(`a[href="/instruct/` + x.Name + `"]`) {
		t.Errorf("the instructor's home does not list exercise %s", x.Name)
	}
	ines.shot("d1-instruct-home-en")

	// A scenario, written in the editor.
	src, err := os.ReadFile(filepath.Join("testdata", "range", "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	scenario := "browser-" + randomHex(3)
	if st := ines.visit("/instruct/scenarios/new"); st != http.StatusOK {
		ines.fail("GET /instruct/scenarios/new: %d", st)
	}
	ines.fill("#f-name", scenario)
	ines.do("writing the scenario", chromedp.SetValue(chromedp.ID("f-source"), string(src)))
	if st := ines.submit(`button[name=save]`); st != http.StatusOK {
		ines.fail("saving scenario %s: status %d: %s", scenario, st, ines.text("main"))
	}
	// Saved with no diagnostic, the list says so; saved with warnings, the
	// editor shows them on their lines.
	if got := ines.text(`main [role=status]`); !strings.Contains(got, scenario) && !strings.Contains(strings.ToLower(got), "saved") {
		t.Errorf("after saving scenario %s the page says %q", scenario, got)
	}
	ines.shot("d2-scenario-saved-en")

	// An exercise of it, from the form.
	made := "drill-" + randomHex(3)
	if st := ines.visit("/instruct/new"); st != http.StatusOK {
		ines.fail("GET /instruct/new: %d", st)
	}
	ines.fill(
		"#f-name", made, "#f-title", "Andes drill from the form", "#f-speed", "2",
		"input[name=team_id_0]", "cl-9", "input[name=team_name_0]", "CSIRT de Gobierno",
		"input[name=team_id_1]", "co-9", "input[name=team_name_1]", "ColCERT Sectorial",
	)
	ines.do("choosing the scenario and the countries",
		chromedp.SetValue(chromedp.ID("f-scenario"), scenario),
		chromedp.SetValue(chromedp.CSS("select[name=team_country_0]"), "CL"),
		chromedp.SetValue(chromedp.CSS("select[name=team_country_1]"), "CO"),
	)
	ines.shot("d3-new-exercise-form-en")
	if st := ines.submit(`form[action="/instruct/new"] button[type=submit]`); st != http.StatusOK {
		ines.fail("creating exercise %s: status %d: %s", made, st, ines.text("main"))
	}
	if got := ines.path(); got != "/instruct/"+made {
		ines.fail("after creating: on %s, want /instruct/%s", got, made)
	}
	if got := ines.text("main h1"); !strings.Contains(got, "Andes drill from the form") {
		t.Errorf("new exercise's heading %q", got)
	}
	if got := ines.text("main p.ok"); !strings.Contains(got, "created") {
		t.Errorf("new exercise's page says %q, want it created", got)
	}
	teams, err := h.store.Teams(ctx, made)
	if err != nil || len(teams) != 2 || teams[0].JoinCode == "" {
		t.Errorf("exercise %s made from the form: teams %+v, %v; want two with join codes", made, teams, err)
	}
	ines.shot("d4-exercise-created-en")

	// The prepared range: deployed and started from its control page.
	if h.rt == nil {
		t.Skip("no Docker engine (CORDILLERA_NO_DOCKER=1): the range is not deployed")
	}
	if st := ines.visit("/instruct/" + x.Name); st != http.StatusOK {
		ines.fail("GET /instruct/%s: %d", x.Name, st)
	}
	ines.shot("d5-exercise-before-deploy-en")
	if st := ines.submit(fmt.Sprintf(`form[action="/instruct/%s/deploy"] button[type=submit]`, x.Name)); st != http.StatusOK {
		ines.fail("deploying: status %d: %s", st, ines.text("main"))
	}
	if ines.has("#operation progress") {
		ines.shot("d6-deploying-en")
	}
	// The page refreshes its sections by itself: no reload here.
	eval[chromedp.Void](ines, `window.cordilleraMark = "deploy"`)
	ines.waitJS("the deployment to end", `document.querySelector("#operation strong.pos, #operation strong.neg")`, 4*time.Minute)
	if ines.has("#operation strong.neg") {
		ines.fail("the deployment failed: %s", ines.text("#operation"))
	}
	// Two teams, each with two hosts and an attacker.
	ines.waitJS("the grid to show every host running", `document.querySelectorAll("#grid .host-running").length === 6`, 30*time.Second)
	if mark := eval[string](ines, `window.cordilleraMark || ""`); mark != "deploy" {
		t.Errorf("the control page was reloaded while deploying")
	}
	if got := ines.text("#operation .oplog"); !strings.Contains(got, "create host") {
		t.Errorf("the operation's log does not show the hosts made: %q", got)
	}
	ines.shot("d7-deployed-en")

	ines.fill("#start-speed", "2")
	if st := ines.submit(fmt.Sprintf(`form[action="/instruct/%s/start"] button[type=submit]`, x.Name)); st != http.StatusOK {
		ines.fail("starting: status %d: %s", st, ines.text("main"))
	}
	if !ines.has("#control .state-running") {
		ines.fail("after starting, the control shows %q", ines.text("#control .status"))
	}
	// The scorebot's first rounds: the grid shows the services up.
	ines.waitJS("the web services to be checked up", `document.querySelectorAll("#grid .svc-up").length >= 2`, time.Minute)
	ines.shot("d8-started-services-up-en")

	// The same page in Spanish, and back.
	ines.submit(`form.lang button[value=es]`)
	if got := ines.text("#control-h"); got == "Clock and controls" || got == "" {
		t.Errorf("the control page in Spanish: heading %q", got)
	}
	ines.shot("d9-started-es")
	ines.submit(`form.lang button[value=en]`)
}

// terminalJourney: a trainee of team A opens a terminal on their host from
// their team's page, runs a command and sees its output; a websocket to
// team B's terminal never opens.
func terminalJourney(t *testing.T, h *harness, x testExercise) {
	ana := h.newPerson(t, "ana", spanish, wideW, wideH)
	ana.watchTerminals()
	if landed, want := ana.signIn("ana"), "/team/"+x.Name+"/"+teamA; landed != want {
		t.Errorf("team A's trainee landed on %s, want %s", landed, want)
	}
	link := fmt.Sprintf(`a[href="/terminal/%s/%s/box"]`, x.Name, teamA)
	if !ana.has(link) {
		ana.fail("the team page has no terminal link for host box (%s)", link)
	}
	if st := ana.submit(link); st != http.StatusOK {
		ana.fail("opening the terminal: status %d", st)
	}
	xterm := eval[bool](ana, `document.querySelector("#terminal").dataset.xterm === "ready"`)
	if xterm {
		// The page must have made its terminal with xterm.js, not fallen
		// back to the plain one.
		ana.waitJS("xterm.js to make the terminal", `window.cordilleraTerminals.length > 0 && document.querySelector("#terminal .xterm")`, 10*time.Second)
	} else {
		state := eval[string](ana, `document.querySelector("#terminal").dataset.xterm`)
		msg := fmt.Sprintf("the server has no browser build of xterm.js (data-xterm=%q): install libjs-xterm and node-xterm", state)
		if required() {
			t.Error(msg) // in CI, .ci/run installs them
		} else {
			t.Log(msg + "; the page's plain terminal is tested")
		}
	}
	ana.waitJS("the terminal to connect", `document.querySelector("#term-state").dataset.state === "connected"`, 20*time.Second)
	ana.waitJS("the shell's prompt", `/@box/.test(`+screenJS+`)`, 20*time.Second)
	ana.shot("e1-terminal-prompt-es")

	// The shell works it out: the typed line has none of the output.
	token := randomHex(4)
	want := "cordillera-42-" + token + "-box"
	ana.do("typing a command",
		chromedp.SendKeys(chromedp.CSS("#terminal .xterm-helper-textarea, #terminal .term-plain"), "echo cordillera-$((6*7))-"+token+"-$(hostname)"),
		enter)
	ana.waitJS("the command's output", fmt.Sprintf(`(%s).split("\n").indexOf(%q) >= 0`, screenJS, want), 20*time.Second)
	if state := eval[string](ana, `document.querySelector("#term-state").dataset.state`); state != "connected" {
		t.Errorf("after the command the terminal is %s", state)
	}
	ana.shot("e2-terminal-output-es")

	// The page of team B's terminal is refused (see the join journey); so
	// is its websocket, asked for by hand.
	got, err := run(ana, chromedp.Evaluate[string](fmt.Sprintf(`new Promise(function (resolve) {
		var ws = new WebSocket("ws://" + location.host + "/terminal/%s/%s/box/ws?cols=80&rows=24");
		ws.onopen = function () { resolve("open"); ws.close(); };
		ws.onerror = function () { resolve("error"); };
		setTimeout(function () { resolve("timeout"); }, 10000);
	})`, x.Name, teamB), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got != "error" {
		t.Errorf("team A's trainee opening team B's terminal socket: %s, want it refused", got)
	}
}

// reportJourney: a trainee files an incident report from the team page
// and sees it listed. It returns a word of the report's summary.
func reportJourney(t *testing.T, h *harness, x testExercise) string {
	ana := h.newPerson(t, "ana", spanish, wideW, wideH)
	ana.signIn("ana")
	if !ana.has(`form[action$="/reports"]`) {
		ana.fail("the team page has no incident report form")
	}
	token := "informe-" + randomHex(3)
	summary := "Fuerza bruta contra el portal web desde 10.208.0.66 a las 10:42, T1110 (" + token + ")"
	ana.do("choosing the report's target", chromedp.SetValue(chromedp.ID("report-target"), "web"))
	ana.fill("#report-techniques", "T1110", "#report-source", "10.208.0.66", "#report-summary", summary)
	ana.shot("f1-report-form-es")
	if st := ana.submit(`form[action$="/reports"] button[type=submit]`); st != http.StatusOK {
		ana.fail("filing the report: status %d: %s", st, ana.text("main"))
	}
	if !ana.has(`main [role=status]`) {
		t.Errorf("no confirmation after filing the report: %s", ana.text("main"))
	}
	if got := ana.text(`section[aria-labelledby="reports-h"]`); !strings.Contains(got, token) || !strings.Contains(got, "T1110") {
		t.Errorf("the team's reports do not list the new one: %q", got)
	}
	ana.do("scrolling to the reports", chromedp.ScrollIntoView(chromedp.ID("reports-h")))
	ana.shot("f2-report-filed-es")
	return token
}

// reviewJourney: the instructor finds the team's report in the grading
// queue; the program manager reads the statistics, with their charts, and
// the after-action report, in English and in Spanish.
func reviewJourney(t *testing.T, h *harness, x testExercise, report string) {
	if report != "" {
		ines := h.newPerson(t, "ines", english, wideW, wideH)
		ines.signIn("ines")
		if st := ines.visit("/instruct/" + x.Name); st != http.StatusOK {
			ines.fail("GET /instruct/%s: %d", x.Name, st)
		}
		if got := ines.text("#grading"); !strings.Contains(got, report) {
			t.Errorf("the grading queue does not show the report %s: %q", report, got)
		}
		ines.do("scrolling to the grading queue", chromedp.ScrollIntoView(chromedp.ID("grading")))
		ines.shot("g1-instructor-grading-en")
	}

	mara := h.newPerson(t, "mara", english, wideW, wideH)
	mara.signIn("mara")
	if st := mara.visit("/manager/" + x.Name); st != http.StatusOK {
		mara.fail("GET /manager/%s: %d", x.Name, st)
	}
	mara.waitJS("Chart.js to load", `!!window.Chart`, 10*time.Second)
	if n := eval[int](mara, `document.querySelectorAll("[data-chart-missing]:not([hidden])").length`); n != 0 {
		t.Errorf("the manager's page says Chart.js is missing (%d notices)", n)
	}
	mara.shot("g2-manager-en")

	if st := mara.visit("/manager/" + x.Name + "/report"); st != http.StatusOK {
		mara.fail("GET /manager/%s/report: %d", x.Name, st)
	}
	mara.shot("g3-report-en")
	mara.submit(`form.lang button[value=es]`)
	if lang := eval[string](mara, "document.documentElement.lang"); lang != "es" {
		t.Errorf("after ES the report is in %q", lang)
	}
	mara.shot("g4-report-es")

	if st := mara.visit("/manager/compare"); st != http.StatusOK {
		mara.fail("GET /manager/compare: %d", st)
	}
	mara.shot("g5-compare-es")
	mara.submit(`form.lang button[value=en]`)
}

// revealJourney: an attack fired at team A is judged at once, and the
// instructor's page shows its outcome with the evidence; team A's page
// shows neither the outcome nor its points while the attack's detection
// window is open (the team could still report it), and both once it has
// closed, never the evidence.
func revealJourney(t *testing.T, h *harness, x testExercise) {
	ctx := context.Background()
	e, ok := h.dir.Engine(x.Name)
	if !ok {
		t.Fatalf("exercise %s has no engine", x.Name)
	}
	if _, err := e.Fire(ctx, teamA, "web-probe", "ines"); err != nil {
		t.Fatal(err)
	}
	var run scoreboard.Execution
	waitFor(t, "the attack's verdict", 2*time.Minute, func() bool {
		xs, err := h.store.Executions(ctx, x.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range xs {
			if ex.Team == teamA && ex.Attack == "web-probe" && ex.State == scoreboard.ExecDone {
				run = ex
				return true
			}
		}
		return false
	})
	if run.Outcome != scoreboard.OutcomeSucceeded {
		t.Fatalf("web-probe against team A: %s (%s); want it to succeed against an open range", run.Outcome, run.Reason)
	}
	// Paused, the exercise's clock stands still: the window cannot close
	// while the pages are read.
	if err := e.Pause(ctx, "ines", "reading the pages"); err != nil {
		t.Fatal(err)
	}
	clock, err := h.store.Clock(ctx, x.Name)
	if err != nil {
		t.Fatal(err)
	}
	window := run.Started.Elapsed + time.Minute
	if clock.Since.Elapsed >= window {
		t.Fatalf("the exercise reads %s, past the attack's window (%s) already: the machine was too slow for this journey", clock.Since.Elapsed, window)
	}

	ines := h.newPerson(t, "ines", english, wideW, wideH)
	ines.signIn("ines")
	if st := ines.visit("/instruct/" + x.Name); st != http.StatusOK {
		ines.fail("GET /instruct/%s: %d", x.Name, st)
	}
	if got := ines.text("main"); !strings.Contains(got, run.Run) {
		t.Errorf("the instructor's page does not show the run %s of web-probe", run.Run)
	}

	ana := h.newPerson(t, "ana", spanish, wideW, wideH)
	ana.signIn("ana")
	teamPage := "/team/" + x.Name + "/" + teamA
	if st := ana.visit(teamPage); st != http.StatusOK {
		ana.fail("GET %s: %d", teamPage, st)
	}
	for _, secret := range []string{"web-probe", run.Run} {
		if got := ana.text("main"); strings.Contains(got, secret) {
			t.Errorf("while the attack's window is open, team A's page shows %q: %q", secret, got)
		}
	}
	if got := ana.text(`section[aria-labelledby="score-h"] td.total`); got != fmt.Sprint(publicTotal(t, h, x.Name, teamA)) {
		t.Errorf("team A's total on its page %q, want the public board's", got)
	}
	ana.shot("h1-attack-not-revealed-es")

	if err := e.Resume(ctx, "ines"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the attack to be revealed to team A", 2*time.Minute, func() bool {
		evs, err := h.store.Events(ctx, x.Name, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Team == teamA && ev.Audience == scoreboard.AudienceTeam && strings.Contains(ev.Text, `"web-probe"`) {
				return true
			}
		}
		return false
	})
	if st := ana.visit(teamPage); st != http.StatusOK {
		ana.fail("GET %s: %d", teamPage, st)
	}
	events := ana.text(`section[aria-labelledby="tlog-h"]`)
	if !strings.Contains(events, `attack "web-probe" against web (T1046)`) || !strings.Contains(events, "succeeded") {
		t.Errorf("after the window, team A's events do not tell the outcome: %q", events)
	}
	points := ana.text(`section[aria-labelledby="points-h"]`)
	if !strings.Contains(points, "web-probe") {
		t.Errorf("after the window, team A's points do not show the attack's: %q", points)
	}
	if got := ana.text("main"); strings.Contains(got, "open "+"10.") || strings.Contains(got, "output matches") {
		t.Errorf("team A's page shows the attack's evidence: %q", got)
	}
	ana.do("scrolling to the events", chromedp.ScrollIntoView(chromedp.ID("tlog-h")))
	ana.shot("h2-attack-revealed-es")
}

// publicTotal is a team's total on the public board.
func publicTotal(t *testing.T, h *harness, exercise, team string) int {
	t.Helper()
	st, err := h.store.Standings(context.Background(), exercise, scoreboard.Public)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Teams {
		if ts.Team.ID == team {
			return ts.Total
		}
	}
	t.Fatalf("no team %s on the board", team)
	return 0
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting %s for %s", limit, what)
}
