package scoreboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// RecordCheck records a scorebot check and scores it.
func (s *Store) RecordCheck(ctx context.Context, c CheckResult) (Recorded, error) {
	what := fmt.Sprintf("check %s/%s round %d of team %q", c.Host, c.Service, c.Round, c.Team)
	if err := errors.Join(required("host", c.Host, "service", c.Service), c.normalize()); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, c.Exercise, c.Team, what, func(r *recording) error { return r.check(c) })
}

// RecordRound records a team's round, every check of it, and scores it,
// all in one transaction: the round lands whole or not at all. A check
// already recorded (a replay after a crash) is left as it is and not
// counted; recording the same round twice writes nothing the second time.
// Every result must be of the exercise, team and round given.
func (s *Store) RecordRound(ctx context.Context, exercise, team string, round int, results []CheckResult) (Recorded, int, error) {
	what := fmt.Sprintf("round %d of team %q", round, team)
	results = slices.Clone(results)
	for i := range results {
		c := &results[i]
		if c.Exercise != exercise || c.Team != team || c.Round != round {
			return Recorded{}, 0, fmt.Errorf("%s: check %s/%s is of %q team %q round %d", what, c.Host, c.Service, c.Exercise, c.Team, c.Round)
		}
		if err := errors.Join(required("host", c.Host, "service", c.Service), c.normalize()); err != nil {
			return Recorded{}, 0, fmt.Errorf("%s: check %s/%s: %w", what, c.Host, c.Service, err)
		}
	}
	recorded := 0
	out, err := s.record(ctx, exercise, team, what, func(r *recording) error {
		recorded = 0
		for _, c := range results {
			switch err := r.check(c); {
			case errors.Is(err, ErrDuplicate):
			case err != nil:
				return fmt.Errorf("check %s/%s: %w", c.Host, c.Service, err)
			default:
				recorded++
			}
		}
		return nil
	})
	return out, recorded, err
}

// check records one check and its entries.
func (r *recording) check(c CheckResult) error {
	if _, err := r.insert(`INSERT INTO check_results (exercise_id, team_id, host, service, round, up, detail, at, elapsed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ex.ID, r.team.ID, c.Host, c.Service, c.Round, c.Up, c.Detail, ms(c.At), c.Elapsed.Milliseconds()); err != nil {
		return err
	}
	// Only as many earlier rounds as the SLA allows matter.
	var ups []bool
	err := r.tx.SelectContext(r.ctx, &ups, `SELECT up FROM check_results
		WHERE exercise_id = ? AND team_id = ? AND host = ? AND service = ? AND round < ?
		ORDER BY round DESC LIMIT ?`,
		r.ex.ID, r.team.ID, c.Host, c.Service, c.Round, r.ex.cfg.Availability.SLAFailures)
	if err != nil {
		return err
	}
	failures := 0
	for failures < len(ups) && !ups[failures] {
		failures++
	}
	return r.add(AvailabilityEntries(r.ex.cfg, c, failures))
}

// CheckHistory returns every check recorded for a team, round by round.
func (s *Store) CheckHistory(ctx context.Context, exercise, team string) ([]CheckResult, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	t, err := s.team(ctx, s.db, ex, team)
	if err != nil {
		return nil, err
	}
	var rows []checkRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT ? AS team, host, service, round, up, detail, at, elapsed
		FROM check_results WHERE exercise_id = ? AND team_id = ? ORDER BY round, host, service`, team, ex.ID, t.ID); err != nil {
		return nil, err
	}
	out := make([]CheckResult, len(rows))
	for i, r := range rows {
		out[i] = r.result(exercise)
	}
	return out, nil
}

// checkRow is a row of check_results with its team's key.
type checkRow struct {
	Team    string `db:"team"`
	Host    string `db:"host"`
	Service string `db:"service"`
	Round   int    `db:"round"`
	Up      bool   `db:"up"`
	Detail  string `db:"detail"`
	At      int64  `db:"at"`
	Elapsed int64  `db:"elapsed"`
}

func (r checkRow) result(exercise string) CheckResult {
	return CheckResult{Exercise: exercise, Team: r.Team, Host: r.Host, Service: r.Service, Round: r.Round, Up: r.Up, Detail: r.Detail,
		Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
}
