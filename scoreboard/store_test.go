package scoreboard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

func openStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newExercise opens a fresh file with exercise "ex": teams cl1 and cl2 of
// Chile, co1 of Colombia.
func newExercise(t testing.TB, cfg scenarios.Scoring) *Store {
	t.Helper()
	s := openStore(t, filepath.Join(t.TempDir(), "cordillera.db"))
	err := s.CreateExercise(context.Background(), Exercise{Name: "ex", Title: "Test", Scenario: "water-utility", Scoring: cfg, CreatedAt: t0},
		[]Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}, {ID: "cl2", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ok returns what a recording wrote, failing the test on an error:
// ok(t)(s.RecordCheck(...)).
func ok(t testing.TB) func(Recorded, error) Recorded {
	return func(r Recorded, err error) Recorded {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func ledgerEntries(t testing.TB, s *Store) []Entry {
	t.Helper()
	var all []Entry
	if err := s.Ledger(context.Background(), "ex", func(e Entry) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

func verify(t testing.TB, s *Store) {
	t.Helper()
	if err := s.VerifyTotals(context.Background(), "ex"); err != nil {
		t.Fatal(err)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "cordillera.db")
	s := openStore(t, path)
	var version int
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Get(&version, "PRAGMA user_version"); err != nil || version != len(all) {
		t.Fatalf("schema version %d (%v), want %d", version, err, len(all))
	}
	var mode string
	if err := s.db.Get(&mode, "PRAGMA journal_mode"); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q (%v), want wal", mode, err)
	}
	openStore(t, path) // a second handle, and migrating again, are fine

	newer := filepath.Join(dir, "newer.db")
	raw, err := sqlx.Open("sqlite3", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	garbage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		err        error
		message    string
	}{
		{"newer schema", newer, ErrNewerSchema, fmt.Sprintf("%s: database was written by a newer Cordillera (schema 99, this build knows %d); upgrade Cordillera or use another --db file", newer, len(all))},
		{"missing folder", filepath.Join(dir, "missing", "x.db"), ErrNotWritable, "cannot write database file " + filepath.Join(dir, "missing", "x.db")},
		{"a folder", dir, ErrNotWritable, "cannot write database file " + dir},
		{"not a database", garbage, ErrInvalid, garbage + " is not a SQLite database; choose another --db file"},
		{"query in the name", path + "?mode=ro", ErrInvalid, "it must be a file name without '?'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.path)
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, tc.err) || !strings.Contains(fmt.Sprint(err), tc.message) {
				t.Errorf("error %v, want %v saying %q", err, tc.err, tc.message)
			}
		})
	}

	t.Run("read-only", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root can write any file")
		}
		file := filepath.Join(t.TempDir(), "ro.db")
		openStore(t, file).Close()
		os.Chmod(file, 0o444)
		folder := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(folder, 0o755)
		openStore(t, filepath.Join(folder, "x.db")).Close()
		os.Remove(filepath.Join(folder, "x.db-wal"))
		os.Remove(filepath.Join(folder, "x.db-shm"))
		os.Chmod(folder, 0o555)
		t.Cleanup(func() { os.Chmod(folder, 0o755) })
		for _, path := range []string{file, filepath.Join(folder, "x.db"), filepath.Join(folder, "new.db")} {
			_, err := Open(ctx, path)
			if !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want ErrNotWritable naming %s", err, path)
			}
		}
	})
}

func TestCreateExercise(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	noCountryStanding := scenarios.DefaultScoring()
	noCountryStanding.CountryStanding = ""
	for _, tc := range []struct {
		name  string
		ex    Exercise
		teams []Team
		err   error
	}{
		{"exists", Exercise{Name: "ex", Scoring: scenarios.DefaultScoring()}, nil, ErrDuplicate},
		{"no name", Exercise{Scoring: scenarios.DefaultScoring()}, nil, ErrInvalid},
		{"zero scoring", Exercise{Name: "zero"}, nil, ErrInvalid},
		{"no country standing", Exercise{Name: "zero", Scoring: noCountryStanding}, nil, ErrInvalid},
		{"lower-case country", Exercise{Name: "b", Scoring: scenarios.DefaultScoring()}, []Team{{ID: "x", Country: "cl"}}, ErrInvalid},
		{"unknown country", Exercise{Name: "b", Scoring: scenarios.DefaultScoring()}, []Team{{ID: "x", Country: "XX"}}, ErrInvalid},
		{"team twice", Exercise{Name: "b", Scoring: scenarios.DefaultScoring()}, []Team{{ID: "x", Country: "CL"}, {ID: "x", Country: "CO"}}, ErrDuplicate},
		{"team without id", Exercise{Name: "b", Scoring: scenarios.DefaultScoring()}, []Team{{Country: "CL"}}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateExercise(ctx, tc.ex, tc.teams); !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
	if _, err := s.Exercise(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed creation left exercise b behind: %v", err)
	}
	ex, err := s.Exercise(ctx, "ex")
	if err != nil || ex.Scoring.Attack.Succeeded != -100 || !ex.CreatedAt.Equal(t0) {
		t.Fatalf("exercise %+v (%v): want its scoring and creation time back", ex, err)
	}
	if err := s.AddTeam(ctx, Team{Exercise: "ex", ID: "pe1", Name: "PeCERT", Country: "PE"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTeam(ctx, Team{Exercise: "nope", ID: "pe1", Country: "PE"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("team of an unknown exercise: %v", err)
	}
	teams, err := s.Teams(ctx, "ex")
	if err != nil || len(teams) != 4 || teams[3].Name != "PeCERT" || teams[0].Name != "CSIRT Chile" || teams[1].Name != "cl2" || len(teams[2].JoinCode) != 8 {
		t.Fatalf("teams %+v (%v): want 4 teams, named or by id, with join codes", teams, err)
	}
	joined, err := s.TeamByJoinCode(ctx, " "+strings.ToLower(teams[2].JoinCode))
	if err != nil || joined.ID != "co1" || joined.Exercise != "ex" {
		t.Errorf("join code gave %+v (%v), want co1", joined, err)
	}
	if _, err := s.TeamByJoinCode(ctx, "NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown join code: %v", err)
	}
}

// outcomes records one of every kind of outcome for team cl1, each with a
// ledger entry.
func outcomes(s *Store) []func() (Recorded, error) {
	ctx := context.Background()
	s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)})
	s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "ok", Moment: at(35 * time.Minute)})
	return []func() (Recorded, error){
		func() (Recorded, error) {
			return s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: 1, Up: true, Moment: at(30 * time.Second)})
		},
		func() (Recorded, error) {
			return s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute))
		},
		func() (Recorded, error) {
			return s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "spraying", Moment: at(12 * time.Minute)})
		},
		func() (Recorded, error) {
			return s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 50, Author: "ana", Moment: at(40 * time.Minute)})
		},
		func() (Recorded, error) {
			return s.RecordSubmission(ctx, ChallengeSubmission{Exercise: "ex", Team: "cl1", Challenge: "addr", Answer: "10.0.0.5", Correct: true, Points: 40, Moment: at(20 * time.Minute)})
		},
		func() (Recorded, error) {
			return s.RecordHint(ctx, HintTaken{Exercise: "ex", Team: "cl1", Challenge: "addr", Cost: -1, Moment: at(15 * time.Minute)})
		},
		func() (Recorded, error) {
			return s.RecordReset(ctx, HostReset{Exercise: "ex", Team: "cl1", Host: "portal", Author: "ana", Moment: at(16 * time.Minute)})
		},
		func() (Recorded, error) {
			return s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl1", Points: 5, Author: "ana", Reason: "tidy report", Key: "form-1", Moment: at(50 * time.Minute)})
		},
	}
}

func bruteforceIn(team, verdict string, start time.Duration) AttackRun {
	run := bruteforce(team, verdict, start, start+time.Minute)
	run.Exercise = "ex"
	return run
}

func TestRecordingTwiceScoresOnce(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	for i, record := range outcomes(s) {
		first, err := record()
		if err != nil || first.ID == 0 || len(first.Entries) == 0 {
			t.Fatalf("outcome %d: %+v, %v: want an id and entries", i, first, err)
		}
		before := len(ledgerEntries(t, s))
		again, err := record()
		if !errors.Is(err, ErrDuplicate) || again.ID != 0 || len(again.Entries) != 0 {
			t.Errorf("outcome %d again: %+v, %v: want ErrDuplicate and nothing", i, again, err)
		}
		if after := len(ledgerEntries(t, s)); after != before {
			t.Errorf("outcome %d again: ledger grew from %d to %d entries", i, before, after)
		}
	}
	verify(t, s)
	if _, err := s.RecordIndicator(context.Background(), SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: "10.0.0.5", Moment: at(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordIndicator(context.Background(), SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: " 10.0.0.5", Moment: at(2 * time.Minute)}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("sharing the same indicator again: %v, want ErrDuplicate", err)
	}
}

func TestRecordedEntriesAreWhatIsRead(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	var recorded []Entry
	for _, record := range outcomes(s) {
		recorded = append(recorded, ok(t)(record()).Entries...)
	}
	read := ledgerEntries(t, s)
	if fmt.Sprintf("%+v", recorded) != fmt.Sprintf("%+v", read) {
		t.Errorf("recorded:\n%+v\nread back:\n%+v", recorded, read)
	}
}

func TestRecordingRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "notice", Subject: "FYI", Moment: at(time.Minute)}))
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Expects: true, Points: 50, Moment: at(time.Minute)}))
	check := CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: 1, Moment: at(0)}
	with := func(f func(*CheckResult)) CheckResult { c := check; f(&c); return c }
	run := bruteforceIn("cl1", VerdictBlocked, time.Minute)
	runWith := func(f func(*AttackRun)) AttackRun { r := run; f(&r); return r }
	indicator := func(kind, value string) error {
		_, err := s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "cl1", Kind: kind, Value: value, Moment: at(0)})
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		got  func() error
	}{
		{"unknown exercise", ErrNotFound, func() error {
			_, err := s.RecordCheck(ctx, with(func(c *CheckResult) { c.Exercise = "nope" }))
			return err
		}},
		{"unknown team", ErrNotFound, func() error { _, err := s.RecordCheck(ctx, with(func(c *CheckResult) { c.Team = "pe1" })); return err }},
		{"no host", ErrInvalid, func() error { _, err := s.RecordCheck(ctx, with(func(c *CheckResult) { c.Host = "" })); return err }},
		{"no time", ErrInvalid, func() error {
			_, err := s.RecordCheck(ctx, with(func(c *CheckResult) { c.At = time.Time{} }))
			return err
		}},
		{"negative exercise time", ErrInvalid, func() error {
			_, err := s.RecordCheck(ctx, with(func(c *CheckResult) { c.Elapsed = -time.Second }))
			return err
		}},
		{"unknown verdict", ErrInvalid, func() error {
			_, err := s.RecordAttackRun(ctx, runWith(func(r *AttackRun) { r.Verdict = "maybe" }))
			return err
		}},
		{"run ends before it starts", ErrInvalid, func() error {
			_, err := s.RecordAttackRun(ctx, runWith(func(r *AttackRun) { r.Ended = at(0) }))
			return err
		}},
		{"run without id", ErrInvalid, func() error { _, err := s.RecordAttackRun(ctx, runWith(func(r *AttackRun) { r.ID = "" })); return err }},
		{"empty report", ErrInvalid, func() error {
			_, err := s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Moment: at(0)})
			return err
		}},
		{"unknown indicator kind", ErrInvalid, func() error { return indicator("email", "a@b.c") }},
		{"IPv6 given as IPv4", ErrInvalid, func() error { return indicator(IndicatorIPv4, "fe80::1") }},
		{"not an address", ErrInvalid, func() error { return indicator(IndicatorIPv4, "10.0.0") }},
		{"URL without host", ErrInvalid, func() error { return indicator(IndicatorURL, "portal/login") }},
		{"domain with a quote", ErrInvalid, func() error { return indicator(IndicatorDomain, "evil'.example") }},
		{"short hash", ErrInvalid, func() error { return indicator(IndicatorSHA256, "abcd") }},
		{"answer to an inject never delivered", ErrNotFound, func() error {
			_, err := s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl2", Inject: "press", Moment: at(2 * time.Minute)})
			return err
		}},
		{"answer to an inject that asks none", ErrInvalid, func() error {
			_, err := s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "notice", Moment: at(2 * time.Minute)})
			return err
		}},
		{"grade of no answer", ErrNotFound, func() error {
			_, err := s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 50, Author: "ana", Moment: at(3 * time.Minute)})
			return err
		}},
		{"grade over 100", ErrInvalid, func() error {
			_, err := s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 120, Author: "ana", Moment: at(3 * time.Minute)})
			return err
		}},
		{"negative grade", ErrInvalid, func() error {
			_, err := s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: -5, Author: "ana", Moment: at(3 * time.Minute)})
			return err
		}},
		{"grade without author", ErrInvalid, func() error {
			_, err := s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: 5, Moment: at(3 * time.Minute)})
			return err
		}},
		{"negative inject points", ErrInvalid, func() error {
			_, err := s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "x", Points: -1, Moment: at(0)})
			return err
		}},
		{"negative challenge points", ErrInvalid, func() error {
			_, err := s.RecordSubmission(ctx, ChallengeSubmission{Exercise: "ex", Team: "cl1", Challenge: "c", Points: -1, Moment: at(0)})
			return err
		}},
		{"hint cost below -1", ErrInvalid, func() error {
			_, err := s.RecordHint(ctx, HintTaken{Exercise: "ex", Team: "cl1", Challenge: "c", Cost: -2, Moment: at(0)})
			return err
		}},
		{"adjustment without reason", ErrInvalid, func() error {
			_, err := s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl1", Points: 10, Author: "ana", Moment: at(0)})
			return err
		}},
		{"adjustment of an unknown team", ErrNotFound, func() error {
			_, err := s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "zz", Points: 10, Author: "ana", Reason: "r", Moment: at(0)})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.got(); !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
	if n := len(ledgerEntries(t, s)); n != 0 {
		t.Errorf("bad input wrote %d entries", n)
	}
}

func TestLedgerIsAppendOnly(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordAttackRun(context.Background(), bruteforceIn("cl1", VerdictSucceeded, time.Minute)))
	for _, q := range []string{"UPDATE ledger SET points = 100", "DELETE FROM ledger"} {
		if _, err := s.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse", q, err)
		}
	}
	if e := ledgerEntries(t, s); len(e) != 1 || e[0].Points != -100 {
		t.Errorf("ledger %+v changed", e)
	}
}

func TestVerifyTotalsFindsTampering(t *testing.T) {
	ctx := context.Background()
	cfg := scenarios.DefaultScoring()
	cfg.Reveal = scenarios.RevealLive
	s := newExercise(t, cfg)
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, time.Minute)))
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("co1", VerdictSucceeded, time.Minute)))
	verify(t, s)
	for _, q := range []string{
		"UPDATE totals SET points = points + 1 WHERE category = 'defense' AND team_id = 1",
		"UPDATE buckets SET public_points = 0 WHERE team_id = 3",
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	err := s.VerifyTotals(ctx, "ex")
	for _, want := range []string{
		`team "cl1" defense: ledger has 50 points (50 public) in 1 entries, totals 51 (50 public)`,
		`team "co1" defense: ledger has -100 points (-100 public) in 1 entries, buckets -100 (0 public)`,
	} {
		if !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("verification said %v, want it to say %s", err, want)
		}
	}
}

func TestSLACountsFailuresInARow(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	// Rounds recorded out of order still count the failures before them.
	ups := map[int]bool{1: true, 2: false, 3: false, 4: false, 5: false, 6: false, 7: true, 8: false, 9: false, 10: false, 11: false}
	order := []int{1, 2, 3, 5, 4, 6, 7, 8, 9, 10, 11}
	var total int
	for _, round := range order {
		r := ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "ssh", Round: round, Up: ups[round], Moment: at(time.Duration(round) * 30 * time.Second)}))
		for _, e := range r.Entries {
			total += e.Points
		}
	}
	// +1 for rounds 1 and 7; −5 for round 5 (recorded after 2, 3 but before 4:
	// two failures before it), 6 (four before) and 11 (three before).
	if want := 2 - 5 - 5; total != want {
		t.Errorf("availability %d, want %d", total, want)
	}
	// Another service's failures are its own.
	r := ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: 12, Moment: at(6 * time.Minute)}))
	if len(r.Entries) != 0 {
		t.Errorf("first failure of another service scored %+v", r.Entries)
	}
}

func TestDetectionWhicheverArrivesFirst(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	// co1 shares an indicator before the attacks on Chile's teams.
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: "10.66.0.5", Attack: "portal-bruteforce", Moment: at(5 * time.Minute)}))
	// A Chilean indicator earns nothing from Chilean teams.
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "cl2", Kind: IndicatorDomain, Value: "Evil.Example", Techniques: []string{"T1110"}, Moment: at(5 * time.Minute)}))

	// Run first, then the report: blocked earns defense and cooperation; the
	// report earns detection, and no second cooperation credit.
	r := ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute)))
	checkEntries(t, r.Entries, "defense +50: attack portal-bruteforce blocked at 00:11:00 against portal (raw 50)\n"+
		"cooperation +20: indicator 1 (ipv4-addr 10.66.0.5) shared at 00:05:00 helped cl1 block attack portal-bruteforce at 00:11:00 (raw 20)")
	rep := ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "spraying", Moment: at(16 * time.Minute)}))
	checkEntries(t, rep.Entries, fmt.Sprintf("detection +36: report %d at 00:16:00 detected attack portal-bruteforce against portal, 6m0s after it started (raw 36)", rep.ID))
	again := ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "still spraying", Moment: at(17 * time.Minute)}))
	checkEntries(t, again.Entries, "")

	// Report first, while the run is under way: matched when the verdict
	// comes, dated then, and cooperation for the detection.
	rep = ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl2", Target: "portal", Techniques: []string{"T1110.003"}, Summary: "spraying", Moment: at(10*time.Minute + 30*time.Second)}))
	checkEntries(t, rep.Entries, "")
	r = ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl2", VerdictSucceeded, 10*time.Minute)))
	checkEntries(t, r.Entries, "defense −100: attack portal-bruteforce succeeded at 00:11:00 against portal (raw -100)\n"+
		fmt.Sprintf("detection +40: report %d at 00:10:30 detected attack portal-bruteforce against portal, 30s after it started (raw 40)\n", rep.ID)+
		"cooperation +20: indicator 1 (ipv4-addr 10.66.0.5) shared at 00:05:00 helped cl2 detect attack portal-bruteforce at 00:11:00 (raw 20)")
	if d := r.Entries[1]; d.Team != "cl2" || d.CauseKind != CauseReport || d.CauseID != rep.ID || d.Moment != at(11*time.Minute) {
		t.Errorf("detection entry %+v: want cl2's, caused by report %d, dated at the verdict", d, rep.ID)
	}
	if c := r.Entries[2]; c.Team != "co1" || c.CauseKind != CauseCooperation || c.CauseID != 1 {
		t.Errorf("cooperation entry %+v: want co1's, caused by indicator 1", c)
	}

	ev, err := s.Evidence(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	var matched []string
	for _, rep := range ev.Reports {
		matched = append(matched, rep.Team+"→"+rep.Run)
	}
	if got, want := strings.Join(matched, " "), "cl2→run-cl2-10m0s cl1→run-cl1-10m0s cl1→"; got != want {
		t.Errorf("reports matched %s, want %s", got, want)
	}
	if ev.Indicators[1].Value != "evil.example" || ev.Indicators[0].Country != "CO" {
		t.Errorf("indicators %+v: want the domain in lower case and the sharer's country", ev.Indicators)
	}
	verify(t, s)
}

func TestInjectGrading(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: "ex", Team: "cl1", Inject: "press", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "statement", Moment: at(55 * time.Minute)}))
	if _, err := s.RecordInjectResponse(ctx, InjectResponse{Exercise: "ex", Team: "cl1", Inject: "press", Body: "second thoughts", Moment: at(56 * time.Minute)}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second answer: %v, want ErrDuplicate", err)
	}
	grade := func(p int) (Recorded, error) {
		return s.GradeInjectResponse(ctx, InjectGrade{Exercise: "ex", Team: "cl1", Inject: "press", Percent: p, Author: "ana", Moment: at(time.Hour)})
	}
	checkEntries(t, ok(t)(grade(60)).Entries, "injects +15: inject press answered at 00:55:00, graded 60% by ana, late by 5m0s (−50%) (raw 15)")
	if _, err := grade(60); !errors.Is(err, ErrDuplicate) {
		t.Errorf("same grade again: %v, want ErrDuplicate", err)
	}
	checkEntries(t, ok(t)(grade(100)).Entries, "injects +10: inject press regraded from 60% to 100% by ana (raw 10)")
	b, err := s.TeamBreakdown(ctx, "ex", "cl1", EntryQuery{})
	if err != nil || b.Categories[scenarios.CategoryInjects] != 25 {
		t.Errorf("injects total %d (%v), want 25: half of 50 for a late answer", b.Categories[scenarios.CategoryInjects], err)
	}
}

func TestChallengeSubmissions(t *testing.T) {
	ctx := context.Background()
	cfg := scenarios.DefaultScoring()
	cfg.Challenges.FirstSolveBonus = 10
	s := newExercise(t, cfg)
	answer := func(team string, correct bool, elapsed time.Duration) (Recorded, error) {
		return s.RecordSubmission(ctx, ChallengeSubmission{Exercise: "ex", Team: team, Challenge: "addr", Answer: "x", Correct: correct, Points: 40, Moment: at(elapsed)})
	}
	for i := range 5 {
		checkEntries(t, ok(t)(answer("cl1", false, 20*time.Minute+time.Duration(i)*time.Second)).Entries, "")
	}
	if _, err := answer("cl1", true, 20*time.Minute+30*time.Second); !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "try again in 30s") {
		t.Errorf("sixth answer within a minute: %v, want ErrRateLimited saying when to retry", err)
	}
	checkEntries(t, ok(t)(answer("co1", true, 20*time.Minute+40*time.Second)).Entries,
		"challenges +40: challenge addr solved at 00:20:40 (raw 40)\nchallenges +10: challenge addr solved at 00:20:40, the first team to solve it (raw 10)")
	checkEntries(t, ok(t)(answer("cl1", true, 21*time.Minute)).Entries, "challenges +40: challenge addr solved at 00:21:00 (raw 40)")
	if _, err := answer("cl1", true, 22*time.Minute); !errors.Is(err, ErrDuplicate) {
		t.Errorf("solving again: %v, want ErrDuplicate", err)
	}
	var stored int
	s.db.Get(&stored, "SELECT COUNT(*) FROM challenge_submissions")
	if stored != 7 {
		t.Errorf("%d submissions stored, want 7: refused ones are not", stored)
	}
}

func TestStandings(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		method string
		want   string
	}{
		{"sum", "1 CL 100 (2 teams); 1 CO 100 (1 teams)"},
		{"mean", "1 CO 100 (1 teams); 2 CL 50 (2 teams)"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			cfg := scenarios.DefaultScoring()
			cfg.CountryStanding = tc.method
			s := newExercise(t, cfg)
			// co1 100, cl1 50 and cl2 0 in another order of categories;
			// ties share a rank.
			ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "co1", Points: 100, Author: "ana", Reason: "r", Moment: at(0)}))
			ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, time.Minute)))
			ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl2", Category: "defense", Points: 50, Author: "ana", Reason: "r", Moment: at(0)}))
			ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl2", Points: -50, Author: "ana", Reason: "r", Moment: at(0)}))
			ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl2", Points: 50, Author: "ana", Reason: "r", Moment: at(0)}))
			st, err := s.Standings(ctx, "ex", Live)
			if err != nil {
				t.Fatal(err)
			}
			var teams, countries []string
			for _, ts := range st.Teams {
				teams = append(teams, fmt.Sprintf("%d %s %d (defense %d, adjustments %d)", ts.Rank, ts.Team.ID, ts.Total, ts.Categories["defense"], ts.Categories["adjustments"]))
			}
			for _, c := range st.Countries {
				countries = append(countries, fmt.Sprintf("%d %s %g (%d teams)", c.Rank, c.Country, c.Total, c.Teams))
			}
			if got, want := strings.Join(teams, "; "), "1 co1 100 (defense 0, adjustments 100); 2 cl1 50 (defense 50, adjustments 0); 2 cl2 50 (defense 50, adjustments 0)"; got != want {
				t.Errorf("teams %s\nwant  %s", got, want)
			}
			if got := strings.Join(countries, "; "); got != tc.want {
				t.Errorf("countries %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFreeze(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	adjust := func(points int, elapsed time.Duration) {
		ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl1", Points: points, Author: "ana", Reason: "r", Moment: at(elapsed)}))
	}
	total := func(view View) int {
		st, err := s.Standings(ctx, "ex", view)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range st.Teams {
			if ts.Team.ID == "cl1" {
				b, err := s.TeamBreakdown(ctx, "ex", "cl1", EntryQuery{View: view})
				if err != nil {
					t.Fatal(err)
				}
				sum := 0
				for _, e := range b.Entries {
					sum += e.Points
				}
				series, err := s.ScoreSeries(ctx, "ex", view, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				last := series[0].Points[len(series[0].Points)-1].Total
				if b.Total != ts.Total || sum != ts.Total || last != ts.Total {
					t.Fatalf("%s view: standings %d, breakdown %d, its entries %d, series %d: want them equal", view, ts.Total, b.Total, sum, last)
				}
				return ts.Total
			}
		}
		t.Fatal("cl1 missing")
		return 0
	}
	expect := func(live, public int) {
		t.Helper()
		if l, p := total(Live), total(Public); l != live || p != public {
			t.Errorf("live %d public %d, want %d and %d", l, p, live, public)
		}
		verify(t, s)
	}
	adjust(1, time.Minute)
	adjust(2, 10*time.Minute+10*time.Second)
	expect(3, 3)

	// A freeze set ahead of time takes effect when its time comes.
	if err := s.Freeze(ctx, "ex", t0.Add(10*time.Minute+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	adjust(4, 10*time.Minute+20*time.Second) // same minute as the freeze, before it
	adjust(8, 10*time.Minute+40*time.Second) // same minute, after it
	adjust(16, 30*time.Minute)
	expect(31, 7)

	// Moving the freeze recomputes the public board, across minutes too.
	if err := s.Freeze(ctx, "ex", t0.Add(10*time.Minute+15*time.Second)); err != nil {
		t.Fatal(err)
	}
	expect(31, 3)
	if err := s.Freeze(ctx, "ex", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expect(31, 31)
	if err := s.Freeze(ctx, "ex", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	expect(31, 1)
	st, _ := s.Standings(ctx, "ex", Public)
	if !st.FrozenAt.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("public standings frozen at %v", st.FrozenAt)
	}
	if err := s.Unfreeze(ctx, "ex"); err != nil {
		t.Fatal(err)
	}
	expect(31, 31)
	if err := s.Freeze(ctx, "nope", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("freezing an unknown exercise: %v", err)
	}
}

func TestBreakdownPages(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	// 250 entries, several sharing a time, recorded out of time order.
	for i := range 250 {
		ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: i, Up: true,
			Moment: at(time.Duration((i*7)%50) * time.Second)}))
	}
	seen := map[int64]bool{}
	var last Entry
	q := EntryQuery{Limit: 100}
	for page := 0; ; page++ {
		b, err := s.TeamBreakdown(ctx, "ex", "cl1", q)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{100, 100, 50}[page]; len(b.Entries) != want || b.Total != 250 {
			t.Fatalf("page %d: %d entries, total %d; want %d and 250", page, len(b.Entries), b.Total, want)
		}
		for _, e := range b.Entries {
			if seen[e.ID] {
				t.Fatalf("entry %d on two pages", e.ID)
			}
			seen[e.ID] = true
			if last.ID != 0 && (e.At.After(last.At) || e.At.Equal(last.At) && e.ID > last.ID) {
				t.Fatalf("entry %d (%v) after %d (%v): want newest first", e.ID, e.At, last.ID, last.At)
			}
			last = e
		}
		if b.Next == "" {
			break
		}
		q.Before = b.Next
	}
	if len(seen) != 250 {
		t.Errorf("pages showed %d entries, want 250", len(seen))
	}
	if _, err := s.TeamBreakdown(ctx, "ex", "cl1", EntryQuery{Before: "yesterday"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
	if _, err := s.TeamBreakdown(ctx, "ex", "pe1", EntryQuery{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown team: %v", err)
	}
}

func TestScoreSeries(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	for _, a := range []struct {
		team    string
		points  int
		elapsed time.Duration
	}{{"cl1", 10, 30 * time.Second}, {"cl1", 5, 2*time.Minute + 5*time.Second}, {"co1", -20, 3 * time.Minute}, {"cl1", 1, 6 * time.Minute}} {
		ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: a.team, Points: a.points, Author: "ana", Reason: "r", Moment: at(a.elapsed)}))
	}
	render := func(step time.Duration) string {
		series, err := s.ScoreSeries(ctx, "ex", Live, step)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, ts := range series {
			var ps []string
			for _, p := range ts.Points {
				ps = append(ps, fmt.Sprintf("%s=%d", p.At.Sub(t0), p.Total))
			}
			lines = append(lines, ts.Team+": "+strings.Join(ps, " "))
		}
		return strings.Join(lines, "\n")
	}
	if got, want := render(time.Minute), "cl1: 1m0s=10 2m0s=10 3m0s=15 4m0s=15 5m0s=15 6m0s=15 7m0s=16\n"+
		"cl2: 1m0s=0 2m0s=0 3m0s=0 4m0s=0 5m0s=0 6m0s=0 7m0s=0\n"+
		"co1: 1m0s=0 2m0s=0 3m0s=0 4m0s=-20 5m0s=-20 6m0s=-20 7m0s=-20"; got != want {
		t.Errorf("per minute:\n%s\nwant:\n%s", got, want)
	}
	if got, want := render(150*time.Second), "cl1: 3m0s=15 6m0s=15 9m0s=16\ncl2: 3m0s=0 6m0s=0 9m0s=0\nco1: 3m0s=0 6m0s=-20 9m0s=-20"; got != want {
		t.Errorf("per 3 minutes:\n%s\nwant:\n%s", got, want)
	}
	empty := newExercise(t, scenarios.DefaultScoring())
	series, err := empty.ScoreSeries(ctx, "ex", Live, 0)
	if err != nil || len(series) != 3 || len(series[0].Points) != 0 {
		t.Errorf("empty exercise: %+v (%v), want three empty series", series, err)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	for _, u := range []User{
		{Name: "ana", Role: RoleInstructor, PasswordHash: "$2a$10$x", CreatedAt: t0},
		{Name: "pm", Role: RoleManager, PasswordHash: "$2a$10$y"},
		{Name: "joaquin", DisplayName: "Joaquín", Role: RoleTrainee, PasswordHash: "$2a$10$z", Exercise: "ex", Team: "cl1"},
	} {
		if err := s.Accounts().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		user User
		err  error
	}{
		{"taken name", User{Name: "ana", Role: RoleManager, PasswordHash: "h"}, ErrDuplicate},
		{"unknown role", User{Name: "bob", Role: "admin", PasswordHash: "h"}, ErrInvalid},
		{"no hash", User{Name: "bob", Role: RoleManager}, ErrInvalid},
		{"instructor in a team", User{Name: "bob", Role: RoleInstructor, PasswordHash: "h", Exercise: "ex", Team: "cl1"}, ErrInvalid},
		{"unknown team", User{Name: "bob", Role: RoleTrainee, PasswordHash: "h", Exercise: "ex", Team: "zz"}, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Accounts().CreateUser(ctx, tc.user); !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
	u, err := s.Accounts().UserByName(ctx, "joaquin")
	if err != nil || u.DisplayName != "Joaquín" || u.Team != "cl1" || u.Exercise != "ex" || u.PasswordHash != "$2a$10$z" {
		t.Fatalf("user %+v (%v)", u, err)
	}
	if err := s.Accounts().SetUserTeam(ctx, "joaquin", "ex", "co1"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Accounts().UserByName(ctx, "joaquin"); u.Team != "co1" {
		t.Errorf("team %q after moving, want co1", u.Team)
	}
	if err := s.Accounts().SetUserTeam(ctx, "joaquin", "", ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Accounts().UserByName(ctx, "joaquin"); u.Team != "" {
		t.Errorf("team %q after leaving, want none", u.Team)
	}
	if err := s.Accounts().SetUserTeam(ctx, "ana", "ex", "cl1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("putting an instructor in a team: %v", err)
	}
	if _, err := s.Accounts().UserByName(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if a, _ := s.Accounts().UserByName(ctx, "ana"); !a.CreatedAt.Equal(t0) || a.Role != RoleInstructor {
		t.Errorf("instructor %+v", a)
	}
}
