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
func (a *Accounts) CreateUser(ctx context.Context, u User) error {
	if err := required("user name", u.Name, "password hash", u.PasswordHash); err != nil {
		return err
	}
	if u.Role != RoleInstructor && u.Role != RoleManager && u.Role != RoleTrainee {
		return fmt.Errorf("user %q: role %q must be %s, %s or %s: %w", u.Name, u.Role, RoleInstructor, RoleManager, RoleTrainee, ErrInvalid)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	return a.store.tx(ctx, func(tx *sqlx.Tx) error {
		teamID, err := a.userTeam(ctx, tx, u)
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
func (a *Accounts) userTeam(ctx context.Context, tx *sqlx.Tx, u User) (sql.NullInt64, error) {
	if u.Team == "" {
		return sql.NullInt64{}, nil
	}
	if u.Role != RoleTrainee {
		return sql.NullInt64{}, fmt.Errorf("user %q: only trainees belong to a team, not a %s: %w", u.Name, u.Role, ErrInvalid)
	}
	ex, err := a.store.exercise(ctx, tx, u.Exercise)
	if err != nil {
		return sql.NullInt64{}, err
	}
	t, err := a.store.team(ctx, tx, ex, u.Team)
	return sql.NullInt64{Int64: t.ID, Valid: true}, err
}

// UserByName returns a user.
func (a *Accounts) UserByName(ctx context.Context, name string) (User, error) {
	u, _, err := a.userWhere(ctx, "u.name = ?", name)
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
func (a *Accounts) userWhere(ctx context.Context, where string, args ...any) (User, int64, error) {
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
	err := a.store.db.GetContext(ctx, &r, `SELECT u.id, u.name, u.display_name, u.role, u.password_hash, u.language, u.created_at,
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

// SetUserTeam puts a trainee in a team, or in none when team is empty,
// whatever team they were in: the operator's setting (demo accounts), kept
// nowhere. Trainees join with JoinTeam; instructors move them with
// MoveTrainee, which keeps the move.
func (a *Accounts) SetUserTeam(ctx context.Context, name, exercise, team string) error {
	return a.store.tx(ctx, func(tx *sqlx.Tx) error {
		var role string
		err := tx.GetContext(ctx, &role, "SELECT role FROM users WHERE name = ?", name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		teamID, err := a.userTeam(ctx, tx, User{Name: name, Role: role, Exercise: exercise, Team: team})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE users SET team_id = ? WHERE name = ?", teamID, name)
		return err
	})
}

// ErrInTeam refuses a trainee who is in a team a join by code into another:
// once in a team, moving is an instructor's act (MoveTrainee).
var ErrInTeam = fmt.Errorf("already in a team: %w", ErrConflict)

// traineeTeam reads a user's role and current team in tx.
func traineeTeam(ctx context.Context, tx *sqlx.Tx, name string) (role, exercise, team string, err error) {
	var r struct {
		Role     string         `db:"role"`
		Exercise sql.NullString `db:"exercise"`
		Team     sql.NullString `db:"team"`
	}
	err = tx.GetContext(ctx, &r, `SELECT u.role, e.name AS exercise, t.key AS team
		FROM users u LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN exercises e ON e.id = t.exercise_id
		WHERE u.name = ?`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", "", "", fmt.Errorf("user %q: %w", name, err)
	}
	return r.Role, r.Exercise.String, r.Team.String, nil
}

// JoinTeam puts a trainee in a team by its join code: one in no team yet
// joins, one already in that team stays, and one in another team is
// refused with ErrInTeam. This is the rule of every route a trainee takes;
// SetUserTeam is the operator's, and MoveTrainee the instructor's.
func (a *Accounts) JoinTeam(ctx context.Context, name, exercise, team string) error {
	return a.store.tx(ctx, func(tx *sqlx.Tx) error {
		role, curEx, curTeam, err := traineeTeam(ctx, tx, name)
		if err != nil {
			return err
		}
		if role != RoleTrainee {
			return fmt.Errorf("user %q: only trainees join teams, not a %s: %w", name, role, ErrInvalid)
		}
		if curTeam != "" {
			if curEx == exercise && curTeam == team {
				return nil
			}
			return fmt.Errorf("user %q is in team %q of exercise %q; an instructor moves trainees between teams: %w", name, curTeam, curEx, ErrInTeam)
		}
		teamID, err := a.userTeam(ctx, tx, User{Name: name, Role: role, Exercise: exercise, Team: team})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE users SET team_id = ? WHERE name = ?", teamID, name)
		return err
	})
}

// TeamMove is an instructor's move of a trainee from one team to another,
// as it is kept. Empty Team (or FromTeam) is no team.
type TeamMove struct {
	ID                     int64
	Trainee                string
	FromExercise, FromTeam string
	Exercise, Team         string
	Author, Reason         string
	At                     time.Time
}

// MoveTrainee moves a trainee into a team, or out of every team when Team
// is empty, and keeps the move with its author and reason. It returns the
// move as kept, From filled in.
func (a *Accounts) MoveTrainee(ctx context.Context, m TeamMove) (TeamMove, error) {
	if err := required("trainee", m.Trainee, "author", m.Author, "reason", m.Reason); err != nil {
		return m, err
	}
	if m.Team == "" {
		m.Exercise = ""
	}
	if m.At.IsZero() {
		m.At = time.Now()
	}
	err := a.store.tx(ctx, func(tx *sqlx.Tx) error {
		role, curEx, curTeam, err := traineeTeam(ctx, tx, m.Trainee)
		if err != nil {
			return err
		}
		if role != RoleTrainee {
			return fmt.Errorf("user %q is a %s: only trainees are in teams: %w", m.Trainee, role, ErrInvalid)
		}
		m.FromExercise, m.FromTeam = curEx, curTeam
		if curEx == m.Exercise && curTeam == m.Team {
			return fmt.Errorf("trainee %q is already in team %q of exercise %q: %w", m.Trainee, m.Team, m.Exercise, ErrInvalid)
		}
		teamID, err := a.userTeam(ctx, tx, User{Name: m.Trainee, Role: role, Exercise: m.Exercise, Team: m.Team})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET team_id = ? WHERE name = ?", teamID, m.Trainee); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO team_moves (trainee, from_exercise, from_team, to_exercise, to_team, author, reason, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.Trainee, m.FromExercise, m.FromTeam, m.Exercise, m.Team, m.Author, m.Reason, ms(m.At))
		if err != nil {
			return err
		}
		m.ID, err = res.LastInsertId()
		return err
	})
	return m, err
}

// TeamMoves returns the moves into or out of an exercise's teams, newest
// first.
func (a *Accounts) TeamMoves(ctx context.Context, exercise string) ([]TeamMove, error) {
	var rows []struct {
		ID           int64  `db:"id"`
		Trainee      string `db:"trainee"`
		FromExercise string `db:"from_exercise"`
		FromTeam     string `db:"from_team"`
		ToExercise   string `db:"to_exercise"`
		ToTeam       string `db:"to_team"`
		Author       string `db:"author"`
		Reason       string `db:"reason"`
		At           int64  `db:"at"`
	}
	if err := a.store.db.SelectContext(ctx, &rows, `SELECT * FROM team_moves WHERE from_exercise = ? OR to_exercise = ?
		ORDER BY id DESC`, exercise, exercise); err != nil {
		return nil, err
	}
	out := make([]TeamMove, len(rows))
	for i, r := range rows {
		out[i] = TeamMove{ID: r.ID, Trainee: r.Trainee, FromExercise: r.FromExercise, FromTeam: r.FromTeam,
			Exercise: r.ToExercise, Team: r.ToTeam, Author: r.Author, Reason: r.Reason, At: fromMS(r.At)}
	}
	return out, nil
}

// Trainees returns the trainees of an exercise's teams and those in no
// team, by name: the ones an instructor may move into its teams.
func (a *Accounts) Trainees(ctx context.Context, exercise string) ([]User, error) {
	var rows []struct {
		Name        string         `db:"name"`
		DisplayName string         `db:"display_name"`
		Exercise    sql.NullString `db:"exercise"`
		Team        sql.NullString `db:"team"`
	}
	if err := a.store.db.SelectContext(ctx, &rows, `SELECT u.name, u.display_name, e.name AS exercise, t.key AS team
		FROM users u LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN exercises e ON e.id = t.exercise_id
		WHERE u.role = ? AND (u.team_id IS NULL OR e.name = ?) ORDER BY u.name`, RoleTrainee, exercise); err != nil {
		return nil, err
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = User{Name: r.Name, DisplayName: r.DisplayName, Role: RoleTrainee, Exercise: r.Exercise.String, Team: r.Team.String}
	}
	return out, nil
}
