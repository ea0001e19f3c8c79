package scoreboard

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// seriesSteps are the steps the series tests ask for: the default, one
// minute, steps that are and are not multiples of a block's four minutes,
// 90 s (rounded up to two minutes), an hour and a day.
var seriesSteps = []time.Duration{0, time.Minute, 90 * time.Second, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute,
	7 * time.Minute, 8 * time.Minute, 13 * time.Minute, time.Hour, 24 * time.Hour}

// scoreSeriesFromBuckets is ScoreSeries as it was before schema 10: the
// per-minute buckets summed per step by SQLite. The tests hold the series
// blocks to it, and the benchmarks compare the two.
func scoreSeriesFromBuckets(ctx context.Context, s *Store, exercise string, view View, step time.Duration) ([]TeamSeries, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	teams, first, last, err := s.seriesSpan(ctx, ex, view)
	if err != nil {
		return nil, err
	}
	series := make([]TeamSeries, len(teams))
	index := map[int64]int{}
	for i, t := range teams {
		series[i].Team = t.Key
		index[t.ID] = i
	}
	if first > last {
		return series, nil
	}
	width := int64(math.Ceil(step.Minutes()))
	if width <= 0 {
		width = max(1, (last-first+120)/120)
	}
	first -= first % width
	n := int((last-first)/width + 1)
	rows, err := s.db.QueryContext(ctx, `SELECT team_id, (minute - ?1) / ?2 AS step, SUM(`+view.pointsColumn()+`)
		FROM buckets WHERE exercise_id = ?3 AND minute <= ?4 GROUP BY team_id, step`, first, width, ex.ID, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for i := range series {
		series[i].Points = make([]SeriesPoint, n)
	}
	for rows.Next() {
		var team, step, points int64
		if err := rows.Scan(&team, &step, &points); err != nil {
			return nil, err
		}
		series[index[team]].Points[step].Total = int(points)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ts := range series {
		sum := 0
		for i := range ts.Points {
			sum += ts.Points[i].Total
			ts.Points[i] = SeriesPoint{At: fromMS((first + int64(i+1)*width) * 60000), Total: sum}
		}
	}
	return series, nil
}

// seriesFromLedger is exercise "ex"'s score over time the long way, from
// every entry of the ledger: what a view shows of each, summed per step.
func seriesFromLedger(t *testing.T, s *Store, view View, step time.Duration) []TeamSeries {
	t.Helper()
	ctx := context.Background()
	ex, err := s.Exercise(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	teams, err := s.Teams(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	series := make([]TeamSeries, len(teams))
	index := map[string]int{}
	for i, team := range teams {
		series[i].Team = team.ID
		index[team.ID] = i
	}
	entries := ledgerEntries(t, s)
	minute := func(at time.Time) int64 { return at.UnixMilli() / 60000 }
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, e := range entries {
		first, last = min(first, minute(e.At)), max(last, minute(e.At))
	}
	if view == Public && !ex.FrozenAt.IsZero() {
		last = min(last, minute(ex.FrozenAt))
	}
	if first > last {
		return series
	}
	width := int64(math.Ceil(step.Minutes()))
	if width <= 0 {
		width = max(1, (last-first+120)/120)
	}
	first -= first % width
	n := (last-first)/width + 1
	for i := range series {
		series[i].Points = make([]SeriesPoint, n)
	}
	for _, e := range entries {
		shown := view == Live || !e.Pending && (ex.FrozenAt.IsZero() || !e.At.After(ex.FrozenAt))
		if m := minute(e.At); shown && m <= last {
			series[index[e.Team]].Points[(m-first)/width].Total += e.Points
		}
	}
	for _, ts := range series {
		sum := 0
		for i := range ts.Points {
			sum += ts.Points[i].Total
			ts.Points[i] = SeriesPoint{At: fromMS((first + int64(i+1)*width) * 60000), Total: sum}
		}
	}
	return series
}

func renderSeries(series []TeamSeries) string {
	var lines []string
	for _, ts := range series {
		ps := []string{fmt.Sprintf("%s (%d points):", ts.Team, len(ts.Points))}
		for _, p := range ts.Points {
			ps = append(ps, fmt.Sprintf("%s=%d", p.At.Format("15:04"), p.Total))
		}
		lines = append(lines, strings.Join(ps, " "))
	}
	return strings.Join(lines, "\n")
}

// seriesMismatch says how ScoreSeries differs, for each view and step,
// from the ledger summed entry by entry and from the buckets' query: ""
// when it does not.
func seriesMismatch(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, view := range []View{Live, Public} {
		for _, step := range seriesSteps {
			got, err := s.ScoreSeries(ctx, "ex", view, step)
			if err != nil {
				t.Fatal(err)
			}
			old, err := scoreSeriesFromBuckets(ctx, s, "ex", view, step)
			if err != nil {
				t.Fatal(err)
			}
			g, want, o := renderSeries(got), renderSeries(seriesFromLedger(t, s, view, step)), renderSeries(old)
			if g != want || o != want {
				out = append(out, fmt.Sprintf("%s view, step %s:\nseries blocks:\n%s\nbuckets:\n%s\nledger:\n%s", view, step, g, o, want))
			}
		}
	}
	return strings.Join(out, "\n")
}

// seriesExercise records nine hours of exercise "ex" half an hour at a
// time, calling check after each: adjustments of every size and sign at
// random moments, an attack each half hour whose defense points wait for
// its reveal, the freeze set, moved into other minutes of a block, lifted
// and set again, attacks revealed before and after the freeze's moment,
// and a last entry of no points.
func seriesExercise(t *testing.T, check func(s *Store, stage string)) *Store {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring()) // reveal after the 30-minute window
	rng := rand.New(rand.NewPCG(10, 2026))
	teams := []string{"cl1", "cl1", "cl2", "co1"}
	freeze := func(d time.Duration) {
		if err := s.Freeze(ctx, "ex", t0.Add(d)); err != nil {
			t.Fatal(err)
		}
	}
	reveal := func(d time.Duration) {
		if _, err := s.RevealDue(ctx, "ex", at(d)); err != nil {
			t.Fatal(err)
		}
	}
	for half := range 18 {
		start := time.Duration(half) * 30 * time.Minute
		for range 25 {
			points := rng.IntN(121) - 60
			if points == 0 {
				points = 1
			}
			moment := at(start + time.Duration(rng.Int64N(int64(30*time.Minute))).Truncate(time.Millisecond))
			ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: teams[rng.IntN(len(teams))], Points: points, Author: "ana", Reason: "r", Moment: moment}))
		}
		attack := start + time.Duration(rng.Int64N(int64(25*time.Minute))).Truncate(time.Second)
		run := bruteforce(teams[rng.IntN(len(teams))], []string{VerdictBlocked, VerdictSucceeded}[rng.IntN(2)],
			attack, attack+time.Duration(10+rng.IntN(170))*time.Second)
		run.Exercise = "ex"
		ok(t)(s.RecordAttackRun(ctx, run))
		switch half {
		case 3:
			freeze(2*time.Hour + 33*time.Minute + 20*time.Second) // ahead of time; its minute is the second of a block
		case 6:
			reveal(start + 30*time.Minute)
		case 8:
			freeze(3*time.Hour + 58*time.Minute + 50*time.Second) // the third minute of a block
		case 10:
			if err := s.Unfreeze(ctx, "ex"); err != nil {
				t.Fatal(err)
			}
			reveal(start + 30*time.Minute)
		case 12:
			freeze(6*time.Hour + 1*time.Minute + 5*time.Second) // the second minute of a block
		case 14:
			reveal(7 * time.Hour)
		case 17:
			reveal(10 * time.Hour) // after the freeze: revealed entries before it count, those after it do not
			insertEntry(t, s, "cl2", 0, 9*time.Hour+30*time.Second)
		}
		check(s, fmt.Sprintf("after %s", start+30*time.Minute))
	}
	return s
}

// insertEntry writes an entry straight into the ledger, as no outcome can:
// one of no points, say.
func insertEntry(t *testing.T, s *Store, team string, points int, elapsed time.Duration) {
	t.Helper()
	_, err := s.db.Exec(`INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed, cause_kind, cause_id, cause, author, reason)
		SELECT 1, id, 'adjustments', ?, ?, ?, ?, 'adjustment', 0, 'by hand', 'ana', 'r' FROM teams WHERE key = ?`,
		points, points, ms(t0.Add(elapsed)), elapsed.Milliseconds(), team)
	if err != nil {
		t.Fatal(err)
	}
}

// TestScoreSeriesMatchesTheLedger holds ScoreSeries, read from the series
// blocks, to the ledger summed entry by entry and to the buckets' query it
// replaced, for every step of seriesSteps in both views, as an exercise
// grows from minutes to nine hours through freezes and reveals.
func TestScoreSeriesMatchesTheLedger(t *testing.T) {
	seriesExercise(t, func(s *Store, stage string) {
		verify(t, s)
		if diff := seriesMismatch(t, s); diff != "" {
			t.Fatalf("%s:\n%s", stage, diff)
		}
	})
}

// TestSeriesBlocksOutOfStepAreFound: a block that does not hold what the
// buckets do shows in the series and in VerifyTotals, so that the tests
// above would see a trigger or a freeze that forgot the blocks. Minutes of
// a block past the chart's last one do not count, even in its sum.
func TestSeriesBlocksOutOfStepAreFound(t *testing.T) {
	s := seriesExercise(t, func(*Store, string) {})
	if diff := seriesMismatch(t, s); diff != "" {
		t.Fatalf("before the change:\n%s", diff)
	}
	// Past the freeze's minute, in its block: the public chart stops before.
	if _, err := s.db.Exec(`UPDATE series_blocks SET public2 = public2 + 1000, public3 = public3 + 1000
		WHERE block = (SELECT frozen_at / 60000 / 4 FROM exercises) AND (SELECT frozen_at / 60000 % 4 FROM exercises) = 1`); err != nil {
		t.Fatal(err)
	}
	if diff := seriesMismatch(t, s); diff != "" {
		t.Errorf("series after public points past the freeze changed by hand: want them unchanged:\n%s", diff)
	}
	// The last minute of cl1's first block, which its chart shows.
	if _, err := s.db.Exec(`UPDATE series_blocks SET public3 = public3 + 7 WHERE team_id = 1
		AND block = (SELECT MIN(block) FROM series_blocks WHERE team_id = 1)`); err != nil {
		t.Fatal(err)
	}
	if diff := seriesMismatch(t, s); !strings.Contains(diff, "public view, step 1m0s") || strings.Contains(diff, "live view") {
		t.Errorf("series after a public column changed by hand: want the public view to differ, the live one not:\n%s", diff)
	}
	if err := s.VerifyTotals(context.Background(), "ex"); err == nil || !strings.Contains(err.Error(), `team "cl1" minute`) ||
		!strings.Contains(err.Error(), "series blocks") {
		t.Errorf("verification said %v, want it to name cl1's minute in the series blocks", err)
	}
}

// TestScoreSeriesNoticesARevealTheBlocksMissed puts back schema 5's reveal
// trigger, which knows no series blocks: the comparison must then fail.
func TestScoreSeriesNoticesARevealTheBlocksMissed(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	ok(t)(s.RecordAttackRun(ctx, bruteforceIn("cl1", VerdictBlocked, 10*time.Minute)))
	ok(t)(s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl2", Points: 5, Author: "ana", Reason: "r", Moment: at(30 * time.Minute)}))
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	schema5 := all[4].sql
	trigger := schema5[strings.Index(schema5, "CREATE TRIGGER reveals_public"):]
	if _, err := s.db.Exec("DROP TRIGGER reveals_public; " + trigger); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevealDue(ctx, "ex", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if diff := seriesMismatch(t, s); !strings.Contains(diff, "public view") {
		t.Errorf("series after a reveal the blocks missed: want the public view to differ from the ledger, got %q", diff)
	}
	if err := s.VerifyTotals(ctx, "ex"); err == nil || !strings.Contains(err.Error(), "series blocks 50 (0 public)") {
		t.Errorf("verification said %v, want it to find cl1's revealed minute missing from the blocks", err)
	}
}

// TestUpgradeFillsSeriesBlocks: a file of schema 9 gets its series blocks
// from its buckets, a freeze, a reveal and an entry still waiting for one
// included.
func TestUpgradeFillsSeriesBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sqlx.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all[:9] {
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	frozen := ms(t0.Add(21*time.Minute + 30*time.Second))
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO exercises (id, name, title, scenario, scoring, created_at, started_at, frozen_at)
			VALUES (1, 'ex', 'Old', 'water-utility', '{}', %d, %d, %d)`, ms(t0), ms(t0), frozen),
		`INSERT INTO teams (id, exercise_id, key, name, country, join_code) VALUES (1, 1, 'cl1', 'CSIRT Chile', 'CL', 'AAAA1111'),
			(2, 1, 'co1', 'colCERT', 'CO', 'BBBB2222')`,
		fmt.Sprintf(`INSERT INTO attack_runs (id, exercise_id, team_id, run, attack, techniques, target, verdict, evidence, started_at, started_elapsed, at, elapsed)
			VALUES (1, 1, 1, 'cr-1', 'portal-bruteforce', 'T1110.003', 'portal', 'blocked', '', %[1]d, 0, %[1]d, 0),
			(2, 1, 2, 'cr-2', 'portal-bruteforce', 'T1110.003', 'portal', 'succeeded', '', %[1]d, 0, %[1]d, 0)`, ms(t0)),
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i := range 60 {
		run := []string{"NULL", "1", "2"}[i%3]
		elapsed := time.Duration(i) * 37 * time.Second
		if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed, cause_kind, cause_id, cause, author, reason, reveal_run)
			VALUES (1, %d, '%s', %d, %[3]d, %d, %d, 'adjustment', 0, 'by hand', 'ana', 'r', %s)`,
			1+i%2, []string{"defense", "adjustments"}[i%4/2], i-20, ms(t0.Add(elapsed)), elapsed.Milliseconds(), run)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO reveals (run_id, exercise_id, at, elapsed) VALUES (1, 1, %d, 0); PRAGMA user_version = 9`, ms(t0))); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s := openStore(t, path)
	verify(t, s)
	if diff := seriesMismatch(t, s); diff != "" {
		t.Fatalf("series after the upgrade:\n%s", diff)
	}
}
