package scoreboard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// Benchmarks read an exercise of 100 teams whose ledger holds 10^4, 10^5
// or 10^6 entries spread over eight hours, frozen after seven. Seeding a
// file takes a while, so each size is seeded once per run and shared.
//
//	go test ./scoreboard -run '^$' -bench . -benchtime 200x

var (
	benchDir   string
	benchFiles sync.Map // entries → *benchFile
)

type benchFile struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

const benchTeams = 100

var benchSizes = []int{10_000, 100_000, 1_000_000}

// benchStore opens the shared file seeded with n entries.
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	v, _ := benchFiles.LoadOrStore(n, &benchFile{})
	f := v.(*benchFile)
	f.once.Do(func() { f.path, f.err = seedBench(n) })
	if f.err != nil {
		b.Fatal(f.err)
	}
	return openStore(b, f.path)
}

// seedBench writes n entries straight into the ledger, in one transaction
// with one prepared statement: the triggers keep totals and buckets as they
// do for recorded outcomes.
func seedBench(n int) (string, error) {
	ctx := context.Background()
	if benchDir == "" {
		dir, err := os.MkdirTemp("", "cordillera-bench-")
		if err != nil {
			return "", err
		}
		benchDir = dir
	}
	path := filepath.Join(benchDir, fmt.Sprintf("ledger-%d.db", n))
	s, err := Open(ctx, path)
	if err != nil {
		return "", err
	}
	defer s.Close()
	var teams []Team
	for i := range benchTeams {
		teams = append(teams, Team{ID: fmt.Sprintf("team-%03d", i), Country: []string{"CL", "CO", "PE", "AR"}[i%4]})
	}
	if err := s.CreateExercise(ctx, Exercise{Name: "bench", Scoring: scenarios.DefaultScoring(), CreatedAt: t0}, teams); err != nil {
		return "", err
	}
	if err := s.Freeze(ctx, "bench", t0.Add(7*time.Hour)); err != nil {
		return "", err
	}
	// Most entries are checks passed, as in a real exercise; one in 25 is of
	// another category, losing points one time in three.
	others := []string{"defense", "detection", "injects", "challenges", "cooperation", "penalties"}
	span := 8 * time.Hour
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed,
				cause_kind, cause_id, cause, author, reason)
			SELECT 1, id, ?, ?, ?, ?, ?, 'check', ?, ?, '', '' FROM teams WHERE key = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range n {
			elapsed := time.Duration(float64(span) * float64(i) / float64(n))
			category, points := "availability", 1
			if j := i / benchTeams; j%25 == 0 {
				category, points = others[j/25%len(others)], []int{50, 40, -100}[j/25%3]
			}
			if _, err := stmt.ExecContext(ctx, category, points, points, ms(t0.Add(elapsed)), elapsed.Milliseconds(),
				i, fmt.Sprintf("check portal/http passed in round %d at %s", i/benchTeams, clock(elapsed)), teams[i%benchTeams].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	_, err = s.db.ExecContext(ctx, "ANALYZE")
	return path, err
}

// latencies runs op b.N times and reports the median and 99th percentile
// of its latency, which matter more to an interactive page than the mean.
func latencies(b *testing.B, op func(i int) error) {
	b.Helper()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	reportLatencies(b, "", took)
}

// reportLatencies reports the median and 99th percentile of took, their
// units named after prefix.
func reportLatencies(b *testing.B, prefix string, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), prefix+"p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), prefix+"p99-µs")
}

func forSizes(b *testing.B, bench func(b *testing.B, s *Store)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) { bench(b, benchStore(b, n)) })
	}
}

func BenchmarkStandings(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		latencies(b, func(i int) error {
			_, err := s.Standings(context.Background(), "bench", View(i%2))
			return err
		})
	})
}

func BenchmarkTeamBreakdown(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		latencies(b, func(i int) error {
			br, err := s.TeamBreakdown(context.Background(), "bench", fmt.Sprintf("team-%03d", i%benchTeams), EntryQuery{View: View(i % 2), Limit: 100})
			if err == nil && len(br.Entries) == 0 {
				err = fmt.Errorf("empty page")
			}
			return err
		})
	})
}

func BenchmarkScoreSeries(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		latencies(b, func(i int) error {
			_, err := s.ScoreSeries(context.Background(), "bench", Live, 0)
			return err
		})
	})
}

// BenchmarkScoreSeriesFromBuckets is BenchmarkScoreSeries with the query
// of schema 9, which summed the per-minute buckets.
func BenchmarkScoreSeriesFromBuckets(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		latencies(b, func(i int) error {
			_, err := scoreSeriesFromBuckets(context.Background(), s, "bench", Live, 0)
			return err
		})
	})
}

// BenchmarkScoreSeriesSideBySide reads the 10⁶-entry chart from the series
// blocks and from the buckets in turn, which goes first alternating, so
// that both see the same machine; at the default step and at others, the
// public and live views alternating. It reports each one's latency
// (blocks-, buckets-) and the ratio of their medians.
func BenchmarkScoreSeriesSideBySide(b *testing.B) {
	ctx := context.Background()
	read := []func(s *Store, view View, step time.Duration) error{
		func(s *Store, view View, step time.Duration) error {
			_, err := s.ScoreSeries(ctx, "bench", view, step)
			return err
		},
		func(s *Store, view View, step time.Duration) error {
			_, err := scoreSeriesFromBuckets(ctx, s, "bench", view, step)
			return err
		},
	}
	for _, step := range []time.Duration{0, time.Minute, 7 * time.Minute, time.Hour} {
		b.Run(fmt.Sprintf("entries=1000000/step=%s", step), func(b *testing.B) {
			s := benchStore(b, 1_000_000)
			took := [2][]time.Duration{}
			b.ResetTimer()
			for i := range b.N {
				for j := range 2 {
					k := (i + j) % 2
					start := time.Now()
					if err := read[k](s, View(i/2%2), step); err != nil {
						b.Fatal(err)
					}
					took[k] = append(took[k], time.Since(start))
				}
			}
			b.StopTimer()
			reportLatencies(b, "blocks-", took[0])
			reportLatencies(b, "buckets-", took[1])
			b.ReportMetric(float64(took[0][len(took[0])/2])/float64(took[1][len(took[1])/2]), "p50-ratio")
		})
	}
}

// BenchmarkLedgerTrigger writes b.N entries of 100 teams straight into the
// ledger, in one transaction, with schema 10's trigger (totals, buckets and series
// blocks) and with schema 9's (totals and buckets): what keeping the series
// blocks costs each entry.
func BenchmarkLedgerTrigger(b *testing.B) {
	all, err := migrations()
	if err != nil {
		b.Fatal(err)
	}
	schema5 := all[4].sql // schema 9's trigger is schema 5's
	schema9 := schema5[strings.Index(schema5, "CREATE TRIGGER ledger_running_totals"):strings.Index(schema5, "-- A reveal adds")]
	for _, schema := range []int{10, 9} {
		b.Run(fmt.Sprintf("schema=%d", schema), func(b *testing.B) {
			ctx := context.Background()
			s := openStore(b, filepath.Join(b.TempDir(), "trigger.db"))
			var teams []Team
			for i := range benchTeams {
				teams = append(teams, Team{ID: fmt.Sprintf("team-%03d", i), Country: "CL"})
			}
			if err := s.CreateExercise(ctx, Exercise{Name: "ex", Scoring: scenarios.DefaultScoring(), CreatedAt: t0}, teams); err != nil {
				b.Fatal(err)
			}
			if schema == 9 {
				if _, err := s.db.Exec("DROP TRIGGER ledger_running_totals; " + schema9); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			err := s.tx(ctx, func(tx *sqlx.Tx) error {
				stmt, err := tx.PrepareContext(ctx, `INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed,
					cause_kind, cause_id, cause, author, reason) VALUES (1, ?, 'availability', 1, 1, ?, ?, 'check', ?, '', '', '')`)
				if err != nil {
					return err
				}
				defer stmt.Close()
				for i := range b.N {
					elapsed := time.Duration(i) * 30 * time.Millisecond // 2,000 a minute, the teams in turn
					if _, err := stmt.ExecContext(ctx, 1+i%benchTeams, ms(t0.Add(elapsed)), elapsed.Milliseconds(), i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

func BenchmarkRecordCheck(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		round := int(time.Now().UnixNano() % 1e9) // a fresh outcome each run
		latencies(b, func(i int) error {
			_, err := s.RecordCheck(context.Background(), CheckResult{Exercise: "bench", Team: fmt.Sprintf("team-%03d", i%benchTeams),
				Host: "portal", Service: "http", Round: round + i, Up: true, Moment: at(8 * time.Hour)})
			return err
		})
	})
}

// BenchmarkTeamBreakdownOldest reads the oldest page of a team's
// explanation, reached by keyset paging, to show that a page deep in the
// ledger costs what the newest one does (BenchmarkTeamBreakdown). The
// cursors are found once, outside the timing, for ten teams.
func BenchmarkTeamBreakdownOldest(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		var cursors []string
		for t := range 10 {
			team, before := fmt.Sprintf("team-%03d", t), ""
			for {
				br, err := s.TeamBreakdown(ctx, "bench", team, EntryQuery{View: Live, Limit: 100, Before: before})
				if err != nil {
					b.Fatal(err)
				}
				if br.Next == "" {
					break // before leads to this page, the oldest
				}
				before = br.Next
			}
			cursors = append(cursors, before)
		}
		latencies(b, func(i int) error {
			br, err := s.TeamBreakdown(ctx, "bench", fmt.Sprintf("team-%03d", i%10), EntryQuery{View: Live, Limit: 100, Before: cursors[i%10]})
			if err == nil && len(br.Entries) == 0 {
				err = fmt.Errorf("empty page")
			}
			return err
		})
	})
}

// BenchmarkStandingsWhileRecording reads the whole board while another
// goroutine records passed checks as fast as it can, as a scorebot at full
// tilt would: SQLite in WAL mode lets readers go on while one writer
// writes. It also reports how many checks were recorded per second
// meanwhile (writes/s).
func BenchmarkStandingsWhileRecording(b *testing.B) {
	forSizes(b, func(b *testing.B, s *Store) {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var written int
		var werr error
		round := int(time.Now().UnixNano()%1e9) + 1e9 // apart from BenchmarkRecordCheck's
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				_, err := s.RecordCheck(ctx, CheckResult{Exercise: "bench", Team: fmt.Sprintf("team-%03d", i%benchTeams),
					Host: "portal", Service: "http", Round: round + i, Up: true, Moment: at(8 * time.Hour)})
				if err != nil {
					if ctx.Err() == nil {
						werr = err
					}
					return
				}
				written++
			}
		}()
		start := time.Now()
		latencies(b, func(i int) error {
			_, err := s.Standings(context.Background(), "bench", View(i%2))
			return err
		})
		cancel()
		wg.Wait()
		if werr != nil {
			b.Fatal(werr)
		}
		b.ReportMetric(float64(written)/time.Since(start).Seconds(), "writes/s")
	})
}
