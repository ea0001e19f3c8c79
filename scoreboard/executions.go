package scoreboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Triggers of an attack execution.
const (
	TriggerTimeline = "timeline" // at its time, or after its parent
	TriggerManual   = "manual"   // an instructor fired it
)

// States of an attack execution.
const (
	ExecApproval    = "approval" // due, waiting for an instructor's approval
	ExecApproved    = "approved"
	ExecRunning     = "running"
	ExecDone        = "done"
	ExecSkipped     = "skipped"     // an instructor, or its parent's outcome, said not to run it
	ExecMissed      = "missed"      // the exercise ended before it could run
	ExecInterrupted = "interrupted" // the engine stopped while it ran: it is not run again
)

// Outcomes of an attack execution. Succeeded, blocked and not applicable
// are the verdicts the ledger scores; a timed-out run that left no evidence
// is scored as blocked, and an error as not applicable.
const (
	OutcomeSucceeded     = VerdictSucceeded
	OutcomeBlocked       = VerdictBlocked
	OutcomeTimedOut      = "timed_out"
	OutcomeNotApplicable = VerdictNotApplicable
	OutcomeError         = "error"
)

// Execution is one run of one attack against one team, from the moment it
// is due to its outcome.
type Execution struct {
	ID             int64 // set by the store
	Exercise, Team string
	Attack         string
	Trigger        string
	// Due is the exercise time it was due at, Jitter included.
	Due    time.Duration
	Jitter time.Duration
	State  string
	// Run is the correlation id, set when it starts.
	Run     string
	Outcome string
	// Reason is the evidence behind the outcome, or why it did not run.
	Reason string
	// Output is what the attack's commands printed.
	Output         string
	Started, Ended Moment // zero until they happen
	Author         string // who fired, approved or skipped it by hand
}

type executionRow struct {
	ID             int64         `db:"id"`
	ExerciseID     int64         `db:"exercise_id"`
	TeamID         int64         `db:"team_id"`
	Team           string        `db:"team"`
	Attack         string        `db:"attack"`
	Trigger        string        `db:"trigger"`
	Due            int64         `db:"due"`
	Jitter         int64         `db:"jitter"`
	State          string        `db:"state"`
	Run            string        `db:"run"`
	Outcome        string        `db:"outcome"`
	Reason         string        `db:"reason"`
	Output         string        `db:"output"`
	StartedAt      sql.NullInt64 `db:"started_at"`
	StartedElapsed sql.NullInt64 `db:"started_elapsed"`
	EndedAt        sql.NullInt64 `db:"ended_at"`
	EndedElapsed   sql.NullInt64 `db:"ended_elapsed"`
	Author         string        `db:"author"`
}

func (r executionRow) execution(exercise string) Execution {
	moment := func(at, elapsed sql.NullInt64) Moment {
		if !at.Valid {
			return Moment{}
		}
		return Moment{At: fromMS(at.Int64), Elapsed: durationMS(elapsed.Int64)}
	}
	return Execution{
		ID: r.ID, Exercise: exercise, Team: r.Team, Attack: r.Attack, Trigger: r.Trigger,
		Due: durationMS(r.Due), Jitter: durationMS(r.Jitter), State: r.State, Run: r.Run,
		Outcome: r.Outcome, Reason: r.Reason, Output: r.Output,
		Started: moment(r.StartedAt, r.StartedElapsed), Ended: moment(r.EndedAt, r.EndedElapsed),
		Author: r.Author,
	}
}

func nullElapsed(m Moment) sql.NullInt64 {
	return sql.NullInt64{Int64: m.Elapsed.Milliseconds(), Valid: !m.At.IsZero()}
}

// MaxOutput is how much of an attack's output an execution keeps: the
// head, where tools say what they are doing, and the tail, where they say
// what they found.
const MaxOutput = 64 << 10

func clip(s string) string {
	if len(s) <= MaxOutput {
		return s
	}
	half := MaxOutput / 2
	return s[:half] + fmt.Sprintf("\n[… %d bytes left out …]\n", len(s)-MaxOutput) + s[len(s)-half:]
}

func (e *Execution) check() error {
	err := required("team", e.Team, "attack", e.Attack, "trigger", e.Trigger, "state", e.State)
	if err == nil && e.Trigger != TriggerTimeline && e.Trigger != TriggerManual {
		err = fmt.Errorf("trigger %q must be %s or %s: %w", e.Trigger, TriggerTimeline, TriggerManual, ErrInvalid)
	}
	if err != nil {
		return err
	}
	e.Output = clip(e.Output)
	for _, m := range []*Moment{&e.Started, &e.Ended} {
		if !m.At.IsZero() {
			if err := m.normalize(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrAlreadyRan means an instructor fired an attack that has already run
// against the team, without saying to fire it again: a re-fire scores the
// team again. The error is an *AlreadyRanError, which says how many times.
var ErrAlreadyRan = fmt.Errorf("the attack has already run against the team: %w", ErrConflict)

// AlreadyRanError is ErrAlreadyRan with the attack, the team and the
// number of its executions that count (Ran).
type AlreadyRanError struct {
	Team, Attack string
	Runs         int
}

func (e *AlreadyRanError) Error() string {
	return fmt.Sprintf("attack %q has already run against team %q (%d×): firing it again scores the team again", e.Attack, e.Team, e.Runs)
}

func (e *AlreadyRanError) Unwrap() error { return ErrAlreadyRan }

// notRan are the states of executions that did not run and never will.
var notRan = [...]string{ExecSkipped, ExecMissed}

// Ran says whether an execution ran, runs or is to run: every one but
// those skipped and those the exercise's end missed. Firing the attack
// again after one of these is a re-fire, and the team is scored again.
func (e Execution) Ran() bool { return !slices.Contains(notRan[:], e.State) }

// AddFired stores an instructor's firing of an attack against a team (e
// has the manual trigger) and returns its id and how many executions of
// that attack against the team had Ran before. When one had, it is a
// re-fire: stored only when again says so, else an *AlreadyRanError. The
// count and the insert are one transaction, so two instructors firing at
// once (or one double submit) cannot both fire an attack the first time.
func (s *Store) AddFired(ctx context.Context, e Execution, again bool) (id int64, before int, err error) {
	what := fmt.Sprintf("attack %q of team %q", e.Attack, e.Team)
	if e.Trigger != TriggerManual {
		return 0, 0, fmt.Errorf("%s: a fired execution has trigger %s, not %q: %w", what, TriggerManual, e.Trigger, ErrInvalid)
	}
	if err := e.check(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", what, err)
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, t, err := s.executionTeam(ctx, tx, e)
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &before, `SELECT COUNT(*) FROM attack_executions
			WHERE exercise_id = ? AND team_id = ? AND attack = ? AND state NOT IN (?, ?)`,
			ex.ID, t.ID, e.Attack, notRan[0], notRan[1]); err != nil {
			return err
		}
		if before > 0 && !again {
			return &AlreadyRanError{Team: e.Team, Attack: e.Attack, Runs: before}
		}
		id, err = insertExecution(ctx, tx, ex.ID, t.ID, e)
		return err
	})
	if err != nil {
		var ar *AlreadyRanError
		if errors.As(err, &ar) {
			return 0, before, err
		}
		return 0, 0, fmt.Errorf("%s: %w", what, err)
	}
	return id, before, nil
}

// AddExecution stores a new execution and returns its id. A timeline
// execution of an attack the team already has one of is ErrDuplicate:
// whoever stored the first owns it, which is how an attack is never fired
// twice.
func (s *Store) AddExecution(ctx context.Context, e Execution) (int64, error) {
	what := fmt.Sprintf("attack %q of team %q", e.Attack, e.Team)
	if err := e.check(); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var id int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, t, err := s.executionTeam(ctx, tx, e)
		if err != nil {
			return err
		}
		id, err = insertExecution(ctx, tx, ex.ID, t.ID, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return id, nil
}

// executionTeam finds the exercise and the team an execution is of.
func (s *Store) executionTeam(ctx context.Context, tx *sqlx.Tx, e Execution) (exerciseRow, teamRow, error) {
	ex, err := s.exercise(ctx, tx, e.Exercise)
	if err != nil {
		return ex, teamRow{}, err
	}
	t, err := s.team(ctx, tx, ex, e.Team)
	return ex, t, err
}

// insertExecution writes an execution; a second timeline one of an attack
// and team is ErrDuplicate (the table's unique index).
func insertExecution(ctx context.Context, tx *sqlx.Tx, exerciseID, teamID int64, e Execution) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO attack_executions (exercise_id, team_id, attack, trigger, due, jitter,
			state, run, outcome, reason, output, started_at, started_elapsed, ended_at, ended_elapsed, author)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		exerciseID, teamID, e.Attack, e.Trigger, e.Due.Milliseconds(), e.Jitter.Milliseconds(), e.State, e.Run, e.Outcome,
		e.Reason, e.Output, nullMS(e.Started.At), nullElapsed(e.Started), nullMS(e.Ended.At), nullElapsed(e.Ended), e.Author)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrDuplicate
	}
	return res.LastInsertId()
}

// UpdateExecution moves an execution on: its state, run, outcome, output
// and times. from is the state it must be in, so that two hands (the
// engine and an instructor) never both move it: otherwise ErrConflict.
func (s *Store) UpdateExecution(ctx context.Context, e Execution, from string) error {
	what := fmt.Sprintf("attack %q of team %q", e.Attack, e.Team)
	if err := e.check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE attack_executions SET state = ?, run = ?, outcome = ?, reason = ?, output = ?,
			started_at = ?, started_elapsed = ?, ended_at = ?, ended_elapsed = ?, author = ?
		WHERE id = ? AND state = ?`,
		e.State, e.Run, e.Outcome, e.Reason, e.Output, nullMS(e.Started.At), nullElapsed(e.Started),
		nullMS(e.Ended.At), nullElapsed(e.Ended), e.Author, e.ID, from)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.changes.bump()
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s is no longer %s: %w", what, from, ErrConflict)
	}
	return nil
}

// Executions returns an exercise's attack executions in the order they
// were stored.
func (s *Store) Executions(ctx context.Context, exercise string) ([]Execution, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []executionRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT e.*, t.key AS team FROM attack_executions e
		JOIN teams t ON t.id = e.team_id WHERE e.exercise_id = ? ORDER BY e.id`, ex.ID); err != nil {
		return nil, err
	}
	out := make([]Execution, len(rows))
	for i, r := range rows {
		out[i] = r.execution(exercise)
	}
	return out, nil
}

// Execution returns one execution by id.
func (s *Store) Execution(ctx context.Context, exercise string, id int64) (Execution, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return Execution{}, err
	}
	var r executionRow
	err = s.db.GetContext(ctx, &r, `SELECT e.*, t.key AS team FROM attack_executions e
		JOIN teams t ON t.id = e.team_id WHERE e.exercise_id = ? AND e.id = ?`, ex.ID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Execution{}, fmt.Errorf("attack execution %d of exercise %q: %w", id, exercise, ErrNotFound)
	}
	if err != nil {
		return Execution{}, err
	}
	return r.execution(exercise), nil
}
