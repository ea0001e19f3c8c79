package scoreboard

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// TestSameMomentOutcomesAreKept: a wrong answer and the right one, or two
// reports, recorded by one team in the same millisecond are two outcomes,
// not one recorded twice.
func TestSameMomentOutcomesAreKept(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	when := at(20 * time.Minute)
	wrong := ChallengeSubmission{Exercise: "ex", Team: "cl1", Challenge: "addr", Answer: "10.0.0.4", Points: 40, Moment: when}
	right := wrong
	right.Answer, right.Correct = "10.0.0.5", true
	ok(t)(s.RecordSubmission(ctx, wrong))
	if got := ok(t)(s.RecordSubmission(ctx, right)); len(got.Entries) == 0 {
		t.Errorf("the right answer in the wrong one's millisecond: %+v, want it scored", got)
	}
	if _, err := s.RecordSubmission(ctx, right); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the right answer again: %v, want ErrDuplicate", err)
	}
	subs, err := s.SubmissionsOf(ctx, "ex", "cl1")
	if err != nil || len(subs) != 2 {
		t.Errorf("cl1's answers: %+v, %v; want the wrong one and the right one", subs, err)
	}

	first := IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "spraying", Moment: when}
	second := first
	second.Target, second.Summary = "hmi", "a new account on the HMI"
	ok(t)(s.RecordReport(ctx, first))
	ok(t)(s.RecordReport(ctx, second))
	if _, err := s.RecordReport(ctx, first); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the first report again: %v, want ErrDuplicate", err)
	}
	reps, err := s.ReportsOf(ctx, "ex", "cl1")
	if err != nil || len(reps) != 2 {
		t.Errorf("cl1's reports: %+v, %v; want both", reps, err)
	}
	verify(t, s)
}

// TestUpgradeToSchema9KeepsRows: the tables schema 9 makes again keep their
// rows, their ids and what refers to them, and take the new key.
func TestUpgradeToSchema9KeepsRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sqlx.Open("sqlite3", path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all[:8] {
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO exercises (id, name, title, scenario, scoring, created_at, started_at) VALUES (1, 'ex', 'Old', 'water-utility', '{}', 0, 0)`,
		`INSERT INTO teams (id, exercise_id, key, name, country, join_code) VALUES (1, 1, 'cl1', 'CSIRT Chile', 'CL', 'AAAA1111')`,
		`INSERT INTO attack_runs (id, exercise_id, team_id, run, attack, techniques, target, verdict, evidence, started_at, started_elapsed, at, elapsed)
			VALUES (1, 1, 1, 'cr-1', 'portal-bruteforce', 'T1110.003', 'portal', 'succeeded', 'found', 600000, 600000, 660000, 660000)`,
		`INSERT INTO incident_reports (id, exercise_id, team_id, target, techniques, source, summary, at, elapsed)
			VALUES (7, 1, 1, 'portal', 'T1110', '', 'spraying', 700000, 700000)`,
		`INSERT INTO detections (report_id, run_id) VALUES (7, 1)`,
		`INSERT INTO challenge_submissions (id, exercise_id, team_id, challenge, answer, correct, points, at, elapsed)
			VALUES (3, 1, 1, 'addr', '10.0.0.4', 0, 40, 800000, 800000)`,
		`PRAGMA user_version = 8`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	s := openStore(t, path)
	if reps, err := s.ReportsOf(ctx, "ex", "cl1"); err != nil || len(reps) != 1 || reps[0].ID != 7 || reps[0].Summary != "spraying" {
		t.Errorf("cl1's report after the upgrade: %+v, %v; want report 7", reps, err)
	}
	var run string
	if err := s.db.GetContext(ctx, &run, `SELECT r.run FROM detections d JOIN incident_reports i ON i.id = d.report_id
		JOIN attack_runs r ON r.id = d.run_id`); err != nil || run != "cr-1" {
		t.Errorf("report 7's detection after the upgrade: %q, %v; want run cr-1", run, err)
	}
	if subs, err := s.SubmissionsOf(ctx, "ex", "cl1"); err != nil || len(subs) != 1 || subs[0].Answer != "10.0.0.4" {
		t.Errorf("cl1's answers after the upgrade: %+v, %v; want the one answer", subs, err)
	}
	// Foreign keys are on again, on every connection the upgrade used.
	for range 3 {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO detections (report_id, run_id) VALUES (99, 99)`); err == nil {
			t.Fatal("a detection of a report that does not exist was written: foreign keys are off after the upgrade")
		}
	}
	// The same millisecond, another answer: kept under the new key.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO challenge_submissions (exercise_id, team_id, challenge, answer, correct, points, at, elapsed)
		VALUES (1, 1, 'addr', '10.0.0.5', 1, 40, 800000, 800000)`); err != nil {
		t.Errorf("another answer in the same millisecond after the upgrade: %v", err)
	}
}
