package scoreboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// ScenarioSource is a scenario uploaded or edited in the web interface: one
// HCL file.
type ScenarioSource struct {
	Name      string
	Source    string
	Author    string
	UpdatedAt time.Time
}

// ExerciseSource is what an exercise was made from: its exercise file and
// where its scenario was found ("library:NAME", "uploaded:NAME" or a
// folder on disk), so that a restarted server takes it up again.
type ExerciseSource struct {
	Exercise  string
	Source    string
	Scenario  string
	Author    string
	CreatedAt time.Time
	// Copy, when set on saving, is the complete source of the scenario,
	// stored with the exercise file in one transaction (see ScenarioCopy).
	Copy *scenarios.Source
}

type scenarioSourceRow struct {
	Name      string `db:"name"`
	Source    string `db:"source"`
	Author    string `db:"author"`
	UpdatedAt int64  `db:"updated_at"`
}

func (r scenarioSourceRow) source() ScenarioSource {
	return ScenarioSource{Name: r.Name, Source: r.Source, Author: r.Author, UpdatedAt: fromMS(r.UpdatedAt)}
}

// SaveScenarioSource stores an uploaded scenario, replacing an earlier one
// of the same name.
func (s *Store) SaveScenarioSource(ctx context.Context, src ScenarioSource) error {
	if src.Name == "" {
		return errors.New("scenario source: no name")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO scenario_sources (name, source, author, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET source = excluded.source, author = excluded.author, updated_at = excluded.updated_at`,
		src.Name, src.Source, src.Author, ms(src.UpdatedAt))
	return err
}

// ScenarioSourceByName returns an uploaded scenario, or ErrNotFound.
func (s *Store) ScenarioSourceByName(ctx context.Context, name string) (ScenarioSource, error) {
	var r scenarioSourceRow
	err := s.db.GetContext(ctx, &r, "SELECT name, source, author, updated_at FROM scenario_sources WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return ScenarioSource{}, fmt.Errorf("uploaded scenario %q: %w", name, ErrNotFound)
	}
	return r.source(), err
}

// ScenarioSources lists the uploaded scenarios by name.
func (s *Store) ScenarioSources(ctx context.Context) ([]ScenarioSource, error) {
	var rows []scenarioSourceRow
	if err := s.db.SelectContext(ctx, &rows, "SELECT name, source, author, updated_at FROM scenario_sources ORDER BY name"); err != nil {
		return nil, err
	}
	out := make([]ScenarioSource, len(rows))
	for i, r := range rows {
		out[i] = r.source()
	}
	return out, nil
}

// SaveExerciseSource records what an exercise was made from, with the
// copy of its scenario when src.Copy is set. An exercise is made once: a
// second save of the same name is ErrDuplicate, and stores nothing.
func (s *Store) SaveExerciseSource(ctx context.Context, src ExerciseSource) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO exercise_sources (exercise, source, scenario, author, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, src.Exercise, src.Source, src.Scenario, src.Author, ms(src.CreatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("exercise %q: %w", src.Exercise, ErrDuplicate)
		}
		if src.Copy == nil {
			return nil
		}
		return saveScenarioCopy(ctx, tx, ScenarioCopy{Exercise: src.Exercise, Ref: src.Scenario, Source: src.Copy, CopiedAt: src.CreatedAt})
	})
}

// ExerciseSources lists what every exercise made by a server was made
// from, oldest first.
func (s *Store) ExerciseSources(ctx context.Context) ([]ExerciseSource, error) {
	var rows []struct {
		Exercise  string `db:"exercise"`
		Source    string `db:"source"`
		Scenario  string `db:"scenario"`
		Author    string `db:"author"`
		CreatedAt int64  `db:"created_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, "SELECT exercise, source, scenario, author, created_at FROM exercise_sources ORDER BY created_at, exercise"); err != nil {
		return nil, err
	}
	out := make([]ExerciseSource, len(rows))
	for i, r := range rows {
		out[i] = ExerciseSource{Exercise: r.Exercise, Source: r.Source, Scenario: r.Scenario, Author: r.Author, CreatedAt: fromMS(r.CreatedAt)}
	}
	return out, nil
}

// AcquireLease makes holder the one engine of an exercise until expires,
// if no other holder's lease is still running at now. It renews a lease
// the holder has. It reports whether holder has the lease, and if not who
// does.
func (s *Store) AcquireLease(ctx context.Context, exercise, holder string, now, expires time.Time) (bool, string, error) {
	var got bool
	var other string
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var cur struct {
			Holder  string `db:"holder"`
			Expires int64  `db:"expires_at"`
		}
		err := tx.GetContext(ctx, &cur, "SELECT holder, expires_at FROM engine_leases WHERE exercise = ?", exercise)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case cur.Holder != holder && cur.Expires > ms(now):
			other = cur.Holder
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO engine_leases (exercise, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (exercise) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
			exercise, holder, ms(expires))
		got = err == nil
		return err
	})
	return got, other, err
}

// ReleaseLease lets go of holder's lease, so that another engine may take
// the exercise up at once.
func (s *Store) ReleaseLease(ctx context.Context, exercise, holder string) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM engine_leases WHERE exercise = ? AND holder = ?", exercise, holder)
	return err
}

// ServiceStatus returns the latest check of every team's services: by team
// id, then by "host/service".
func (s *Store) ServiceStatus(ctx context.Context, exercise string) (map[string]map[string]CheckResult, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []checkRow
	err = s.db.SelectContext(ctx, &rows, `SELECT t.key AS team, c.host, c.service, c.round, c.up, c.detail, c.at, c.elapsed
		FROM check_results c JOIN teams t ON t.id = c.team_id
		WHERE c.exercise_id = ? AND c.round = (SELECT max(round) FROM check_results l
			WHERE l.exercise_id = c.exercise_id AND l.team_id = c.team_id AND l.host = c.host AND l.service = c.service)`, ex.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]CheckResult{}
	for _, r := range rows {
		if out[r.Team] == nil {
			out[r.Team] = map[string]CheckResult{}
		}
		out[r.Team][r.Host+"/"+r.Service] = r.result(exercise)
	}
	return out, nil
}
