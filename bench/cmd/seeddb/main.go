// Command seeddb writes a scoreboard database for the web benchmark
// (bench/web.sh): exercise "bench" of 100 teams in four countries, started,
// frozen after seven of its eight hours, with N ledger entries spread evenly
// over them, mixed as in scoreboard/bench_test.go (24 in 25 availability
// points, the rest across the other categories, one in three negative).
//
//	seeddb -db FILE [-entries 100000] [-teams 100]
//
// The exercise is made through the store; the entries go straight into the
// ledger in one transaction, and the store's triggers keep the totals, the
// per-minute buckets and the four-minute series blocks as they do for
// recorded outcomes.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func main() {
	db := flag.String("db", "", "database `file` to create (must not exist)")
	entries := flag.Int("entries", 100_000, "ledger `entries`")
	teams := flag.Int("teams", 100, "`teams`")
	flag.Parse()
	if err := seed(*db, *entries, *teams); err != nil {
		fmt.Fprintln(os.Stderr, "seeddb:", err)
		os.Exit(1)
	}
}

func seed(path string, n, nteams int) error {
	if path == "" {
		return fmt.Errorf("-db is required")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists", path)
	}
	ctx := context.Background()
	start := time.Now()
	t0 := start.Add(-8 * time.Hour).Truncate(time.Minute)
	s, err := scoreboard.Open(ctx, path)
	if err != nil {
		return err
	}
	var ts []scoreboard.Team
	for i := range nteams {
		ts = append(ts, scoreboard.Team{ID: fmt.Sprintf("team-%03d", i), Name: fmt.Sprintf("Equipo %d", i+1), Country: []string{"CL", "CO", "PE", "AR"}[i%4]})
	}
	err = s.CreateExercise(ctx, scoreboard.Exercise{Name: "bench", Title: "Web benchmark", Scenario: "water-utility",
		Scoring: scenarios.DefaultScoring(), CreatedAt: t0}, ts)
	if err == nil {
		err = s.Freeze(ctx, "bench", t0.Add(7*time.Hour))
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	d, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer d.Close()
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO ledger (exercise_id, team_id, category, points, raw_points, at, elapsed,
			cause_kind, cause_id, cause, author, reason)
		SELECT teams.exercise_id, teams.id, ?, ?, ?, ?, ?, 'check', ?, ?, '', '' FROM teams
		JOIN exercises ON exercises.id = teams.exercise_id WHERE exercises.name = 'bench' AND teams.key = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	others := []string{"defense", "detection", "injects", "challenges", "cooperation", "penalties"}
	span := 8 * time.Hour
	for i := range n {
		elapsed := time.Duration(float64(span) * float64(i) / float64(n))
		category, points := "availability", 1
		if j := i / nteams; j%25 == 0 {
			category, points = others[j/25%len(others)], []int{50, 40, -100}[j/25%3]
		}
		if _, err := stmt.ExecContext(ctx, category, points, points, t0.Add(elapsed).UnixMilli(), elapsed.Milliseconds(),
			i, fmt.Sprintf("check portal/http passed in round %d", i/nteams), ts[i%nteams].ID); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	fmt.Printf("seeded %s: %d teams, %d ledger entries, in %s\n", path, nteams, n, time.Since(start).Round(100*time.Millisecond))
	return nil
}
