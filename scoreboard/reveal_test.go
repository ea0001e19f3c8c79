package scoreboard

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// board is one view's standings, a team a line: key total and the
// categories that are not zero.
func board(t *testing.T, s *Store, view View) string {
	t.Helper()
	st, err := s.Standings(context.Background(), "ex", view)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ts := range st.Teams {
		line := fmt.Sprintf("%s %d", ts.Team.ID, ts.Total)
		for _, c := range Categories {
			if ts.Categories[c] != 0 {
				line += fmt.Sprintf(" %s=%d", c, ts.Categories[c])
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "; ")
}

// entries lists what a view's breakdown of a team explains.
func entries(t *testing.T, s *Store, team string, view View) string {
	t.Helper()
	b, err := s.TeamBreakdown(context.Background(), "ex", team, EntryQuery{View: view})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range b.Entries {
		line := e.String()
		if e.Pending {
			line += " (pending)"
		}
		out = append(out, line)
	}
	return strings.Join(out, "; ")
}

// attackWithDetectionAndCooperation records what an attack brings three
// teams: colCERT shares the attacker's address, CSIRT Chile blocks the
// attack at 00:10 and reports it at 00:12.
func attackWithDetectionAndCooperation(t *testing.T, s *Store) {
	ctx := context.Background()
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: "10.66.0.5",
		Attack: "portal-bruteforce", Moment: at(5 * time.Minute)}))
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute)))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"},
		Source: "10.66.0.5", Summary: "spraying", Moment: at(12 * time.Minute)}))
}

func TestRevealAfterTheDetectionWindow(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring()) // reveal after the 30-minute window
	attackWithDetectionAndCooperation(t, s)
	verify(t, s)

	const full = "cl1 89 defense=50 detection=39; co1 20 cooperation=20; cl2 0"
	if got := board(t, s, Live); got != full {
		t.Errorf("live board %q, want %q", got, full)
	}
	if got, want := board(t, s, Public), "cl1 0; cl2 0; co1 0"; got != want {
		t.Errorf("public board before the window closed: %q, want %q", got, want)
	}
	if got := entries(t, s, "cl1", Public); got != "" {
		t.Errorf("cl1's public entries before the window closed: %q, want none", got)
	}
	if got, want := entries(t, s, "cl1", Live), "+39: report 1 at 00:12:00 detected attack portal-bruteforce against portal, 2m0s after it started (pending); "+
		"+50: attack portal-bruteforce blocked at 00:11:00 against portal (pending)"; got != want {
		t.Errorf("cl1's live entries: %q, want %q", got, want)
	}
	if reps, err := s.ReportsOf(ctx, "ex", "cl1"); err != nil || len(reps) != 1 || reps[0].Run != "" {
		t.Errorf("cl1's report before the window closed: %+v, %v; want it not shown matched", reps, err)
	}

	// 00:39:59: the window opened at 00:10 has not closed yet.
	if evs, err := s.RevealDue(ctx, "ex", at(40*time.Minute-time.Second)); err != nil || len(evs) != 0 {
		t.Fatalf("reveal before the window closed: %+v, %v; want nothing", evs, err)
	}
	evs, err := s.RevealDue(ctx, "ex", at(40*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, ev := range evs {
		said = append(said, ev.Audience+" "+ev.Team+" "+ev.Kind+": "+ev.Text)
	}
	if got, want := strings.Join(said, "\n"), strings.Join([]string{
		`team cl1 attack: attack "portal-bruteforce" against portal (T1110.003) at 00:10:00 was blocked: +50 defense, +39 detection. It is shown now that its detection window has closed.`,
		`team co1 attack: an indicator you shared helped team cl1 against attack "portal-bruteforce": +20 cooperation. It is shown now that its detection window has closed.`,
	}, "\n"); got != want {
		t.Errorf("reveal events:\n%s\nwant:\n%s", got, want)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Text, "scripted") || ev.ID == 0 {
			t.Errorf("event %+v: want it stored, and without the evidence", ev)
		}
	}
	verify(t, s)
	if got := board(t, s, Public); got != full {
		t.Errorf("public board after the window closed: %q, want %q", got, full)
	}
	if got := entries(t, s, "cl1", Public); strings.Contains(got, "pending") || strings.Count(got, "+") != 2 {
		t.Errorf("cl1's public entries after the window closed: %q, want both, shown", got)
	}
	if reps, _ := s.ReportsOf(ctx, "ex", "cl1"); len(reps) != 1 || reps[0].Run != "run-cl1-10m0s" {
		t.Errorf("cl1's report after the window closed: %+v; want it matched", reps)
	}
	if again, err := s.RevealDue(ctx, "ex", at(time.Hour)); err != nil || len(again) != 0 {
		t.Errorf("second reveal: %+v, %v; want nothing: a run is revealed once", again, err)
	}
}

func TestRevealAndFreeze(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	attackWithDetectionAndCooperation(t, s)
	// Frozen at 00:11:30: the defense points and the cooperation the block
	// earned (00:11) count on the public board once revealed, the
	// detection (00:12) never does.
	if err := s.Freeze(ctx, "ex", t0.Add(11*time.Minute+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	if got, want := board(t, s, Public), "cl1 0; cl2 0; co1 0"; got != want {
		t.Errorf("frozen public board before the reveal: %q, want %q", got, want)
	}
	if _, err := s.RevealDue(ctx, "ex", at(45*time.Minute)); err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	if got, want := board(t, s, Public), "cl1 50 defense=50; co1 20 cooperation=20; cl2 0"; got != want {
		t.Errorf("frozen public board after the reveal: %q, want %q", got, want)
	}
	// Moving the freeze recomputes the public sums; revealed entries count.
	if err := s.Unfreeze(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	if got, want := board(t, s, Public), "cl1 89 defense=50 detection=39; co1 20 cooperation=20; cl2 0"; got != want {
		t.Errorf("public board unfrozen: %q, want %q", got, want)
	}
}

func TestFreezeKeepsPendingEntriesHidden(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	attackWithDetectionAndCooperation(t, s)
	for _, cut := range []time.Duration{11 * time.Minute, 12*time.Minute + 30*time.Second, time.Hour} {
		if err := s.Freeze(ctx, "ex", t0.Add(cut)); err != nil {
			t.Fatal(err)
		}
		verify(t, s)
		if got, want := board(t, s, Public), "cl1 0; cl2 0; co1 0"; got != want {
			t.Errorf("public board frozen at %s before the reveal: %q, want %q", cut, got, want)
		}
	}
}

func TestRevealAtTheEnd(t *testing.T) {
	ctx := context.Background()
	cfg := scenarios.DefaultScoring()
	cfg.Reveal = scenarios.RevealEnd
	s := newExercise(t, cfg)
	if _, err := s.Control(ctx, "ex", Control{Kind: ControlStart, Author: "ana", Moment: Moment{At: t0}}); err != nil {
		t.Fatal(err)
	}
	attackWithDetectionAndCooperation(t, s)
	if evs, err := s.RevealDue(ctx, "ex", at(2*time.Hour)); err != nil || len(evs) != 0 {
		t.Fatalf("reveal long after the window: %+v, %v; want nothing before the end", evs, err)
	}
	if got, want := board(t, s, Public), "cl1 0; cl2 0; co1 0"; got != want {
		t.Errorf("public board before the end: %q, want %q", got, want)
	}
	if _, err := s.Control(ctx, "ex", Control{Kind: ControlEnd, Author: "ana", Moment: Moment{At: t0.Add(2 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	verify(t, s)
	if got, want := board(t, s, Public), "cl1 89 defense=50 detection=39; co1 20 cooperation=20; cl2 0"; got != want {
		t.Errorf("public board after the end: %q, want %q", got, want)
	}
	evs, err := s.LastEvents(ctx, "ex", 10)
	if err != nil || len(evs) != 2 || evs[0].Team != "cl1" || evs[0].Audience != AudienceTeam ||
		!strings.HasSuffix(evs[0].Text, "It is shown now that the exercise has ended.") {
		t.Errorf("events at the end: %+v, %v; want the outcome told to cl1 and co1", evs, err)
	}
}

func TestRevealLive(t *testing.T) {
	ctx := context.Background()
	cfg := scenarios.DefaultScoring()
	cfg.Reveal = scenarios.RevealLive
	s := newExercise(t, cfg)
	attackWithDetectionAndCooperation(t, s)
	verify(t, s)
	if got, want := board(t, s, Public), board(t, s, Live); got != want {
		t.Errorf("public board %q, want the live one %q", got, want)
	}
	if evs, err := s.RevealDue(ctx, "ex", at(time.Hour)); err != nil || len(evs) != 0 {
		t.Errorf("reveal: %+v, %v; want nothing: nothing waits", evs, err)
	}
}

func TestEventAudiences(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	for _, tc := range []struct {
		ev   Event
		want string // "" when it is stored
	}{
		{Event{Kind: EventControl, Text: "exercise started", Audience: AudiencePublic, Moment: at(0)}, ""},
		{Event{Team: "cl1", Kind: EventInject, Text: "inject delivered", Audience: AudienceTeam, Moment: at(0)}, ""},
		{Event{Team: "cl1", Kind: EventAttack, Text: "attack started", Audience: AudienceStaff, Moment: at(0)}, ""},
		{Event{Kind: EventAttack, Text: "no audience", Moment: at(0)}, `event audience "" must be public, team or staff`},
		{Event{Kind: EventAttack, Text: "a team's, of no team", Audience: AudienceTeam, Moment: at(0)}, "names no team"},
	} {
		_, err := s.AddEvent(ctx, "ex", tc.ev)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("AddEvent(%q): %v, want %q", tc.ev.Text, err, tc.want)
		}
	}
	evs, err := s.Events(ctx, "ex", 0, 0)
	if err != nil || len(evs) != 3 || evs[0].Audience != AudiencePublic || evs[1].Audience != AudienceTeam || evs[2].Audience != AudienceStaff {
		t.Errorf("events read back: %+v, %v; want their audiences", evs, err)
	}
	for _, tc := range []struct {
		reader EventReader
		team   string
		n      int
		want   string
	}{
		{EventReader{}, "", 10, "exercise started"},
		{EventReader{Team: "cl1"}, "", 10, "exercise started, inject delivered"},
		{EventReader{Team: "co1"}, "", 10, "exercise started"},
		{EventReader{Team: "cl1"}, "cl1", 10, "inject delivered"},
		{EventReader{Staff: true}, "", 10, "exercise started, inject delivered, attack started"},
		{EventReader{Staff: true}, "", 2, "inject delivered, attack started"},
		{EventReader{Staff: true}, "co1", 10, ""},
	} {
		evs, err := s.LastEventsFor(ctx, "ex", tc.reader, tc.team, tc.n)
		var got []string
		for _, ev := range evs {
			got = append(got, ev.Text)
		}
		if err != nil || strings.Join(got, ", ") != tc.want {
			t.Errorf("LastEventsFor(%+v, %q, %d) = %q, %v; want %q", tc.reader, tc.team, tc.n, got, err, tc.want)
		}
	}
}

// TestAnAttackJudgedAfterTheEndIsRevealed: an attack still running when
// the exercise ends is judged after the end, which revealed everything
// else; it is revealed at once, with its event.
func TestAnAttackJudgedAfterTheEndIsRevealed(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	if _, err := s.Control(ctx, "ex", Control{Kind: ControlStart, Author: "ana", Moment: Moment{At: t0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Control(ctx, "ex", Control{Kind: ControlEnd, Author: "engine", Moment: Moment{At: t0.Add(10*time.Minute + 30*time.Second)}}); err != nil {
		t.Fatal(err)
	}
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictSucceeded, 10*time.Minute)))
	verify(t, s)
	if got, want := board(t, s, Public), "cl2 0; co1 0; cl1 -100 defense=-100"; got != want {
		t.Errorf("public board: %q, want %q", got, want)
	}
	evs, err := s.LastEvents(ctx, "ex", 1)
	if err != nil || len(evs) != 1 || evs[0].Team != "cl1" || !strings.Contains(evs[0].Text, "succeeded: −100 defense. It is shown now that the exercise has ended.") {
		t.Errorf("last event: %+v, %v; want the outcome told to cl1", evs, err)
	}
}

// TestUpgradeKeepsJudgedAttacksShown: a database from before reveals
// existed showed every attack as it was judged; after the upgrade those
// stay shown (points, a report's match), and nothing is announced again.
func TestUpgradeKeepsJudgedAttacksShown(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sqlx.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all[:4] { // the schema before reveals
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO exercises (id, name, title, scenario, scoring, created_at, started_at) VALUES (1, 'ex', 'Old', 'water-utility', '{}', 0, 0)`,
		`INSERT INTO teams (id, exercise_id, key, name, country, join_code) VALUES (1, 1, 'cl1', 'CSIRT Chile', 'CL', 'AAAA1111')`,
		`INSERT INTO attack_runs (id, exercise_id, team_id, run, attack, techniques, target, verdict, evidence, started_at, started_elapsed, at, elapsed)
			VALUES (1, 1, 1, 'cr-1', 'portal-bruteforce', 'T1110.003', 'portal', 'succeeded', 'found', 600000, 600000, 660000, 660000)`,
		`INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed, cause_kind, cause_id, cause, author, reason)
			VALUES (1, 1, 'defense', -100, -100, 660000, 660000, 'attack_run', 1, 'attack portal-bruteforce succeeded', '', '')`,
		`INSERT INTO incident_reports (id, exercise_id, team_id, target, techniques, source, summary, at, elapsed)
			VALUES (1, 1, 1, 'portal', 'T1110', '', 'spraying', 700000, 700000)`,
		`INSERT INTO detections (report_id, run_id) VALUES (1, 1)`,
		`PRAGMA user_version = 4`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	s := openStore(t, path)
	if err := s.VerifyTotals(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	st, err := s.Standings(ctx, "ex", Public)
	if err != nil || len(st.Teams) != 1 || st.Teams[0].Total != -100 {
		t.Errorf("public standings after the upgrade: %+v, %v; want cl1 at -100, as before", st.Teams, err)
	}
	if reps, err := s.ReportsOf(ctx, "ex", "cl1"); err != nil || len(reps) != 1 || reps[0].Run != "cr-1" {
		t.Errorf("cl1's report after the upgrade: %+v, %v; want it still matched", reps, err)
	}
	if evs, err := s.RevealDue(ctx, "ex", at(2*time.Hour)); err != nil || len(evs) != 0 {
		t.Errorf("reveal after the upgrade: %+v, %v; want nothing told again", evs, err)
	}
}
