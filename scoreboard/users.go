package scoreboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// CreateUser stores a new user. A trainee may name their team right away.
func (s *Store) CreateUser(ctx context.Context, u User) error {
	if err := required("user name", u.Name, "password hash", u.PasswordHash); err != nil {
		return err
	}
	if u.Role != RoleInstructor && u.Role != RoleManager && u.Role != RoleTrainee {
		return fmt.Errorf("user %q: role %q must be %s, %s or %s: %w", u.Name, u.Role, RoleInstructor, RoleManager, RoleTrainee, ErrInvalid)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		teamID, err := s.userTeam(ctx, tx, u)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, display_name, role, password_hash, team_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			u.Name, u.DisplayName, u.Role, u.PasswordHash, teamID, ms(u.CreatedAt))
		if err != nil {
			return fmt.Errorf("user %q: %w", u.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %q: %w", u.Name, ErrDuplicate)
		}
		return nil
	})
}

// userTeam resolves a user's team; only trainees have one.
func (s *Store) userTeam(ctx context.Context, tx *sqlx.Tx, u User) (sql.NullInt64, error) {
	if u.Team == "" {
		return sql.NullInt64{}, nil
	}
	if u.Role != RoleTrainee {
		return sql.NullInt64{}, fmt.Errorf("user %q: only trainees belong to a team, not a %s: %w", u.Name, u.Role, ErrInvalid)
	}
	ex, err := s.exercise(ctx, tx, u.Exercise)
	if err != nil {
		return sql.NullInt64{}, err
	}
	t, err := s.team(ctx, tx, ex, u.Team)
	return sql.NullInt64{Int64: t.ID, Valid: true}, err
}

// UserByName returns a user.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, _, err := s.userWhere(ctx, "u.name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// userWhere reads the one user a condition on users u selects, with its
// row id; sql.ErrNoRows when there is none.
func (s *Store) userWhere(ctx context.Context, where string, args ...any) (User, int64, error) {
	var r struct {
		ID           int64          `db:"id"`
		Name         string         `db:"name"`
		DisplayName  string         `db:"display_name"`
		Role         string         `db:"role"`
		PasswordHash string         `db:"password_hash"`
		Language     string         `db:"language"`
		CreatedAt    int64          `db:"created_at"`
		Exercise     sql.NullString `db:"exercise"`
		Team         sql.NullString `db:"team"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT u.id, u.name, u.display_name, u.role, u.password_hash, u.language, u.created_at,
			e.name AS exercise, t.key AS team
		FROM users u LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN exercises e ON e.id = t.exercise_id
		WHERE `+where, args...)
	if err != nil {
		return User{}, 0, err
	}
	return User{
		Name: r.Name, DisplayName: r.DisplayName, Role: r.Role, PasswordHash: r.PasswordHash, Language: r.Language,
		Exercise: r.Exercise.String, Team: r.Team.String, CreatedAt: fromMS(r.CreatedAt),
	}, r.ID, nil
}

// SetUserTeam puts a trainee in a team, or in none when team is empty.
func (s *Store) SetUserTeam(ctx context.Context, name, exercise, team string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var role string
		err := tx.GetContext(ctx, &role, "SELECT role FROM users WHERE name = ?", name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		teamID, err := s.userTeam(ctx, tx, User{Name: name, Role: role, Exercise: exercise, Team: team})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE users SET team_id = ? WHERE name = ?", teamID, name)
		return err
	})
}
