package scoreboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Controls an instructor (or the engine) gives an exercise.
const (
	ControlStart       = "start"
	ControlPause       = "pause"
	ControlResume      = "resume"
	ControlEnd         = "end"
	ControlSpeed       = "speed"
	ControlHalt        = "halt"   // the kill switch: no attack starts
	ControlUnhalt      = "unhalt" // attacks may start again
	ControlApprovalOn  = "approval_on"
	ControlApprovalOff = "approval_off"
)

// States of an exercise's clock.
const (
	ClockCreated = "created" // not started yet
	ClockRunning = "running"
	ClockPaused  = "paused"
	ClockEnded   = "ended"
)

// Control is one entry of an exercise's control log.
type Control struct {
	Kind string
	// Speed is the speed factor from this control on: exercise seconds per
	// wall second. Only a ControlSpeed changes it; elsewhere the store fills
	// in the current one.
	Speed  float64
	Author string
	Reason string
	Moment // Elapsed is filled in by the store
}

// Clock is an exercise's clock and switches, the control log folded.
type Clock struct {
	State string
	Speed float64
	// Since is the last change of state or speed: the clock reads
	// Since.Elapsed plus the wall time since Since.At times Speed while it
	// runs, and Since.Elapsed otherwise.
	Since Moment
	// Halted is the kill switch: no attack starts while it is set.
	Halted bool
	// Approval makes every attack wait for an instructor's approval.
	Approval bool
}

// Elapsed reads the exercise clock at wall time now.
func (c Clock) Elapsed(now time.Time) time.Duration {
	if c.State != ClockRunning {
		return c.Since.Elapsed
	}
	wall := now.Sub(c.Since.At)
	if wall < 0 {
		wall = 0
	}
	return c.Since.Elapsed + time.Duration(float64(wall)*c.Speed)
}

// Moment is wall time now on both clocks.
func (c Clock) Moment(now time.Time) Moment { return Moment{At: now, Elapsed: c.Elapsed(now)} }

// WallAt is the wall time at which the running clock reads elapsed.
func (c Clock) WallAt(elapsed time.Duration) time.Time {
	return c.Since.At.Add(time.Duration(float64(elapsed-c.Since.Elapsed) / c.Speed))
}

// apply folds one control into the clock, or says why it does not apply.
func (c *Clock) apply(k Control) error {
	refuse := func(what string) error {
		return fmt.Errorf("cannot %s an exercise that is %s: %w", what, c.State, ErrInvalid)
	}
	moves := func(state string) {
		c.Since = Moment{At: k.At, Elapsed: c.Elapsed(k.At)}
		c.State = state
	}
	switch k.Kind {
	case ControlStart:
		if c.State != ClockCreated {
			return refuse("start")
		}
		c.State, c.Since = ClockRunning, Moment{At: k.At}
	case ControlPause:
		if c.State != ClockRunning {
			return refuse("pause")
		}
		moves(ClockPaused)
	case ControlResume:
		if c.State != ClockPaused {
			return refuse("resume")
		}
		c.Since.At = k.At
		c.State = ClockRunning
	case ControlEnd:
		if c.State != ClockRunning && c.State != ClockPaused {
			return refuse("end")
		}
		moves(ClockEnded)
	case ControlSpeed:
		if c.State == ClockEnded {
			return refuse("change the speed of")
		}
		if k.Speed <= 0 {
			return fmt.Errorf("speed %v must be more than 0: %w", k.Speed, ErrInvalid)
		}
		moves(c.State)
		c.Speed = k.Speed
	case ControlHalt:
		c.Halted = true
	case ControlUnhalt:
		c.Halted = false
	case ControlApprovalOn:
		c.Approval = true
	case ControlApprovalOff:
		c.Approval = false
	default:
		return fmt.Errorf("unknown control %q: %w", k.Kind, ErrInvalid)
	}
	return nil
}

type controlRow struct {
	ID         int64   `db:"id"`
	ExerciseID int64   `db:"exercise_id"`
	Kind       string  `db:"kind"`
	Speed      float64 `db:"speed"`
	At         int64   `db:"at"`
	Elapsed    int64   `db:"elapsed"`
	Author     string  `db:"author"`
	Reason     string  `db:"reason"`
}

func (r controlRow) control() Control {
	return Control{Kind: r.Kind, Speed: r.Speed, Author: r.Author, Reason: r.Reason,
		Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
}

func (s *Store) controls(ctx context.Context, q sqlx.QueryerContext, ex exerciseRow) ([]Control, Clock, error) {
	var rows []controlRow
	if err := sqlx.SelectContext(ctx, q, &rows, "SELECT * FROM controls WHERE exercise_id = ? ORDER BY id", ex.ID); err != nil {
		return nil, Clock{}, err
	}
	c := Clock{State: ClockCreated, Speed: 1}
	out := make([]Control, 0, len(rows))
	for _, r := range rows {
		k := r.control()
		if err := c.apply(k); err != nil {
			return nil, Clock{}, fmt.Errorf("control %d of exercise %q: %w", r.ID, ex.Name, err)
		}
		out = append(out, k)
	}
	return out, c, nil
}

// Controls returns an exercise's control log and the clock it makes.
func (s *Store) Controls(ctx context.Context, exercise string) ([]Control, Clock, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, Clock{}, err
	}
	return s.controls(ctx, s.db, ex)
}

// Clock returns an exercise's clock.
func (s *Store) Clock(ctx context.Context, exercise string) (Clock, error) {
	_, c, err := s.Controls(ctx, exercise)
	return c, err
}

// Control appends a control to an exercise's log, if it applies to the
// exercise as it is (a paused exercise cannot be paused again), and returns
// the clock it makes. Starting and ending also set the exercise's start and
// end times.
func (s *Store) Control(ctx context.Context, exercise string, k Control) (Clock, error) {
	if k.At.IsZero() {
		return Clock{}, fmt.Errorf("control %s: time is missing: %w", k.Kind, ErrInvalid)
	}
	k.At = fromMS(ms(k.At))
	var clock Clock
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, err := s.exercise(ctx, tx, exercise)
		if err != nil {
			return err
		}
		_, c, err := s.controls(ctx, tx, ex)
		if err != nil {
			return err
		}
		if c.State != ClockCreated && k.At.Before(c.Since.At) {
			k.At = c.Since.At // a clock never runs backwards
		}
		if k.Kind != ControlSpeed {
			k.Speed = c.Speed
		}
		if err := c.apply(k); err != nil {
			return fmt.Errorf("exercise %q: %w", exercise, err)
		}
		k.Elapsed = c.Elapsed(k.At).Truncate(time.Millisecond)
		if _, err := tx.ExecContext(ctx, `INSERT INTO controls (exercise_id, kind, speed, at, elapsed, author, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ex.ID, k.Kind, k.Speed, ms(k.At), k.Elapsed.Milliseconds(), k.Author, k.Reason); err != nil {
			return err
		}
		switch k.Kind {
		case ControlStart:
			_, err = tx.ExecContext(ctx, "UPDATE exercises SET started_at = ? WHERE id = ?", ms(k.At), ex.ID)
		case ControlEnd:
			if _, err = tx.ExecContext(ctx, "UPDATE exercises SET ended_at = ? WHERE id = ?", ms(k.At), ex.ID); err != nil {
				return err
			}
			// Once it is over, every team may learn everything.
			_, err = s.reveal(ctx, tx, ex, k.Moment, true)
		}
		clock = c
		return err
	})
	return clock, err
}

// Event is one line of what happened in an exercise, as the instructors'
// live view shows it.
type Event struct {
	ID   int64
	Team string // "" for the whole exercise
	Kind string
	Text string
	// Audience is who may read it: AudiencePublic, AudienceTeam or
	// AudienceStaff. The writer decides, since only it knows whether the
	// text would tell a team what it is meant to find.
	Audience string
	Moment
}

// Who may read an event.
const (
	// AudiencePublic is everyone, the public scoreboard included.
	AudiencePublic = "public"
	// AudienceTeam is the event's team, and staff.
	AudienceTeam = "team"
	// AudienceStaff is instructors and managers only.
	AudienceStaff = "staff"
)

// Kinds of event.
const (
	EventControl = "control"
	EventAttack  = "attack"
	EventInject  = "inject"
	EventRound   = "round"
	EventEngine  = "engine"
)

func (ev *Event) normalize() error {
	var audience error
	switch {
	case ev.Audience != AudiencePublic && ev.Audience != AudienceTeam && ev.Audience != AudienceStaff:
		audience = fmt.Errorf("event audience %q must be %s, %s or %s: %w", ev.Audience, AudiencePublic, AudienceTeam, AudienceStaff, ErrInvalid)
	case ev.Audience == AudienceTeam && ev.Team == "":
		audience = fmt.Errorf("an event for a team's audience names no team: %w", ErrInvalid)
	}
	return errors.Join(required("kind", ev.Kind, "text", ev.Text), audience, ev.Moment.normalize())
}

// AddEvent appends an event to an exercise's log.
func (s *Store) AddEvent(ctx context.Context, exercise string, ev Event) (Event, error) {
	if err := ev.normalize(); err != nil {
		return Event{}, err
	}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, err := s.exercise(ctx, tx, exercise)
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, ex, &ev)
	})
	return ev, err
}

func addEvent(ctx context.Context, tx *sqlx.Tx, ex exerciseRow, ev *Event) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO events (exercise_id, team, kind, text, audience, at, elapsed) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ex.ID, ev.Team, ev.Kind, ev.Text, ev.Audience, ms(ev.At), ev.Elapsed.Milliseconds())
	if err != nil {
		return err
	}
	ev.ID, err = res.LastInsertId()
	return err
}

type eventRow struct {
	ID         int64  `db:"id"`
	ExerciseID int64  `db:"exercise_id"`
	Team       string `db:"team"`
	Kind       string `db:"kind"`
	Text       string `db:"text"`
	Audience   string `db:"audience"`
	At         int64  `db:"at"`
	Elapsed    int64  `db:"elapsed"`
}

func (r eventRow) event() Event {
	return Event{ID: r.ID, Team: r.Team, Kind: r.Kind, Text: r.Text, Audience: r.Audience,
		Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
}

// Events returns an exercise's events after the one with id after, oldest
// first, at most limit of them (0: all).
func (s *Store) Events(ctx context.Context, exercise string, after int64, limit int) ([]Event, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1
	}
	var rows []eventRow
	if err := s.db.SelectContext(ctx, &rows, "SELECT * FROM events WHERE exercise_id = ? AND id > ? ORDER BY id LIMIT ?",
		ex.ID, after, limit); err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// LastEvents returns an exercise's n latest events, oldest first.
func (s *Store) LastEvents(ctx context.Context, exercise string, n int) ([]Event, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var first sql.NullInt64
	if err := s.db.GetContext(ctx, &first, `SELECT min(id) FROM (SELECT id FROM events WHERE exercise_id = ? ORDER BY id DESC LIMIT ?)`,
		ex.ID, n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if !first.Valid {
		return nil, nil
	}
	return s.Events(ctx, exercise, first.Int64-1, n)
}

// EventReader is who reads an exercise's events: staff read all of them,
// anyone else the public ones and, for a team's member, the team's.
type EventReader struct {
	Staff bool
	Team  string
}

// LastEventsFor returns the n latest events r may read, oldest first;
// only those of team when team is set.
func (s *Store) LastEventsFor(ctx context.Context, exercise string, r EventReader, team string, n int) ([]Event, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []eventRow
	err = s.db.SelectContext(ctx, &rows, `SELECT * FROM (SELECT * FROM events
		WHERE exercise_id = ?1 AND (?2 OR audience = 'public' OR (audience = 'team' AND ?3 <> '' AND team = ?3))
		AND (?4 = '' OR team = ?4)
		ORDER BY id DESC LIMIT ?5) ORDER BY id`, ex.ID, r.Staff, r.Team, team, n)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, row := range rows {
		out[i] = row.event()
	}
	return out, nil
}

// Round is the last scorebot round recorded for a team.
type Round struct {
	Number int
	Moment
}

// LastRounds returns, per team, the last round of checks recorded: where a
// restarted engine's scorebot takes up.
func (s *Store) LastRounds(ctx context.Context, exercise string) (map[string]Round, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Team    string `db:"team"`
		Round   int    `db:"round"`
		At      int64  `db:"at"`
		Elapsed int64  `db:"elapsed"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT t.key AS team, c.round, max(c.at) AS at, max(c.elapsed) AS elapsed
		FROM check_results c JOIN teams t ON t.id = c.team_id
		WHERE c.exercise_id = ? AND c.round = (SELECT max(round) FROM check_results WHERE team_id = c.team_id)
		GROUP BY t.key, c.round`, ex.ID); err != nil {
		return nil, err
	}
	out := make(map[string]Round, len(rows))
	for _, r := range rows {
		out[r.Team] = Round{Number: r.Round, Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
	}
	return out, nil
}
