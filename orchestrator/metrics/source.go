package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // the store's driver
)

// Exercise states: the state label of cordillera_exercise_state, as the
// scoreboard's clock states.
const (
	StateCreated = "created"
	StateRunning = "running"
	StatePaused  = "paused"
	StateEnded   = "ended"
)

// States lists every exercise state.
var States = []string{StateCreated, StateRunning, StatePaused, StateEnded}

// Attack outcomes: the outcome label of cordillera_attack_runs_total, as
// the scoreboard's execution outcomes.
const (
	OutcomeSucceeded     = "succeeded"
	OutcomeBlocked       = "blocked"
	OutcomeTimedOut      = "timed_out"
	OutcomeNotApplicable = "not_applicable"
	OutcomeError         = "error"
)

// Outcomes lists every attack outcome.
var Outcomes = []string{OutcomeSucceeded, OutcomeBlocked, OutcomeTimedOut, OutcomeNotApplicable, OutcomeError}

// ExerciseCounts is what the store holds of one exercise, read at scrape
// time: totals since the exercise was created, which survive restarts.
type ExerciseCounts struct {
	Exercise string
	// State is one of States.
	State string
	// Rounds counts the team rounds recorded: one per team and round
	// number with at least one check.
	Rounds int64
	// ChecksUp and ChecksDown count the checks recorded, passed and failed.
	ChecksUp, ChecksDown int64
	// Failures counts the failed checks by cause (one of Causes).
	Failures map[string]int64
	// AttackRuns counts the attack executions that have an outcome, by
	// outcome (one of Outcomes).
	AttackRuns map[string]int64
}

// Source is what the collector reads at every scrape: one ExerciseCounts
// per exercise. It must be safe for concurrent use; ctx bounds the read.
// *SQLite is the store's; tests and other stores may bring their own.
type Source interface {
	Counts(ctx context.Context) ([]ExerciseCounts, error)
}

// SourceFunc is a function as a Source.
type SourceFunc func(ctx context.Context) ([]ExerciseCounts, error)

// Counts calls f.
func (f SourceFunc) Counts(ctx context.Context) ([]ExerciseCounts, error) { return f(ctx) }

// SQLite reads the counts from the scoreboard's database file with a few
// grouped queries, on a connection of its own that is read-only (SQLite's
// mode=ro and query_only): scraping can never write to the store nor hold
// its write lock. scoreboard.Store has no method that counts without
// loading every row (CheckHistory returns every check of a team, and
// Executions every attack's output), so SQLite reads the store's tables
// (check_results, attack_executions, controls, exercises) directly; the
// package's tests run it against a real store, so a change of schema that
// breaks it fails them.
type SQLite struct {
	db *sqlx.DB
}

// OpenSQLite opens the scoreboard's database file at path (the serve
// command's --db) read-only. The file must exist: the store creates it.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("metrics: database path %q: it must be a file name without '?'", path)
	}
	params := url.Values{
		"mode":          {"ro"},
		"_query_only":   {"on"},
		"_busy_timeout": {"5000"},
	}
	db, err := sqlx.Open("sqlite3", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("metrics: open database %q: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	var n int
	if err := db.GetContext(ctx, &n, "SELECT COUNT(*) FROM exercises"); err != nil {
		db.Close()
		return nil, fmt.Errorf("metrics: database %q is not a scoreboard the metrics can read: %w", path, err)
	}
	return &SQLite{db: db}, nil
}

// Close closes the connection.
func (s *SQLite) Close() error { return s.db.Close() }

// Counts reads every exercise's counts in one read transaction, so that
// they agree with each other.
func (s *SQLite) Counts(ctx context.Context) (out []ExerciseCounts, err error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var exercises []struct {
		ID   int64          `db:"id"`
		Name string         `db:"name"`
		Last sql.NullString `db:"last"`
	}
	// The clock's state is its last control that moves it.
	if err := tx.SelectContext(ctx, &exercises, `SELECT e.id, e.name,
		(SELECT kind FROM controls c WHERE c.exercise_id = e.id AND c.kind IN ('start', 'pause', 'resume', 'end')
		 ORDER BY c.id DESC LIMIT 1) AS last
		FROM exercises e ORDER BY e.name`); err != nil {
		return nil, fmt.Errorf("metrics: exercises: %w", err)
	}
	byID := make(map[int64]*ExerciseCounts, len(exercises))
	out = make([]ExerciseCounts, len(exercises))
	for i, e := range exercises {
		state := StateCreated
		switch e.Last.String {
		case "start", "resume":
			state = StateRunning
		case "pause":
			state = StatePaused
		case "end":
			state = StateEnded
		}
		out[i] = ExerciseCounts{Exercise: e.Name, State: state, Failures: map[string]int64{}, AttackRuns: map[string]int64{}}
		byID[e.ID] = &out[i]
	}

	type group struct {
		Exercise int64  `db:"exercise_id"`
		Key      string `db:"k"`
		N        int64  `db:"n"`
	}
	each := func(what, query string, args []any, fn func(c *ExerciseCounts, key string, n int64)) error {
		var rows []group
		if err := tx.SelectContext(ctx, &rows, query, args...); err != nil {
			return fmt.Errorf("metrics: %s: %w", what, err)
		}
		for _, r := range rows {
			if c := byID[r.Exercise]; c != nil {
				fn(c, r.Key, r.N)
			}
		}
		return nil
	}
	if err := each("rounds", `SELECT exercise_id, '' AS k, COUNT(*) AS n
		FROM (SELECT DISTINCT exercise_id, team_id, round FROM check_results) GROUP BY exercise_id`, nil,
		func(c *ExerciseCounts, _ string, n int64) { c.Rounds = n }); err != nil {
		return nil, err
	}
	if err := each("checks", `SELECT exercise_id, CAST(up AS TEXT) AS k, COUNT(*) AS n
		FROM check_results GROUP BY exercise_id, up`, nil,
		func(c *ExerciseCounts, up string, n int64) {
			if up == "1" {
				c.ChecksUp = n
			} else {
				c.ChecksDown = n
			}
		}); err != nil {
		return nil, err
	}
	cause, args := causeSQL()
	if err := each("check failures", `SELECT exercise_id, `+cause+` AS k, COUNT(*) AS n
		FROM check_results WHERE up = 0 GROUP BY exercise_id, k`, args,
		func(c *ExerciseCounts, cause string, n int64) { c.Failures[cause] += n }); err != nil {
		return nil, err
	}
	if err := each("attack runs", `SELECT exercise_id, outcome AS k, COUNT(*) AS n
		FROM attack_executions WHERE outcome <> '' GROUP BY exercise_id, outcome`, nil,
		func(c *ExerciseCounts, outcome string, n int64) { c.AttackRuns[outcome] += n }); err != nil {
		return nil, err
	}
	return out, nil
}
