package scoreboard

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/cordillera-range/cordillera/scenarios"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the scoreboard's SQLite database. It is safe for concurrent use,
// also by several processes sharing the file.
type Store struct {
	db   *sqlx.DB
	path string
	// afterWrite, when set, runs after each write of a recording
	// transaction, so that the crash test can kill the process between
	// writes that belong together. It is nil outside tests.
	afterWrite func(step string)
	changes    changes
	accounts   *Accounts
}

// Open opens the database file at path, creating it if needed, and brings
// its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("database path %q: it must be a file name without '?': %w", path, ErrInvalid)
	}
	params := url.Values{
		"_journal_mode": {"WAL"},
		"_foreign_keys": {"on"},
		"_busy_timeout": {"10000"},
		// Immediate transactions take the write lock at BEGIN, so two
		// writers queue instead of failing when both try to upgrade a
		// read lock.
		"_txlock": {"immediate"},
		// A committed outcome must survive a power cut, not only a crash:
		// the engine will not record it again.
		"_synchronous": {"FULL"},
	}
	db, err := sqlx.Open("sqlite3", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	s := &Store{db: db, path: path}
	s.accounts = &Accounts{store: s}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations; their file names start with
// their version, 1, 2, 3... without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		prefix, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("migration %q: name must start with its version number", name)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies every migration the file lacks in one transaction, with
// the new schema version (PRAGMA user_version): a file is at one version or
// the next, never in between.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := len(ms)
	newer := func(version int) error {
		return fmt.Errorf("%s: database was written by a newer Cordillera (schema %d, this build knows %d); upgrade Cordillera or use another --db file: %w",
			s.path, version, latest, ErrNewerSchema)
	}
	// Read first, so that a newer file is reported as such even when it is
	// also read-only.
	var version int
	if err := s.db.GetContext(ctx, &version, "PRAGMA user_version"); err != nil {
		return s.openError(err)
	}
	if version > latest {
		return newer(version)
	}
	// The transaction writes the version even when nothing is pending:
	// SQLite opens a file it cannot write read-only without a word, and the
	// user should learn it now rather than at an exercise's first outcome.
	err = s.schemaTx(ctx, func(tx *sqlx.Tx) error {
		// Another process may have migrated since the first read.
		if err := tx.GetContext(ctx, &version, "PRAGMA user_version"); err != nil {
			return err
		}
		if version > latest {
			return newer(version)
		}
		for _, m := range ms[version:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if err := foreignKeysHold(ctx, tx); err != nil {
			return err
		}
		// PRAGMA takes no parameters; the version is an int we made.
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest))
		return err
	})
	if err == nil || errors.Is(err, ErrNewerSchema) {
		return err
	}
	return s.openError(err)
}

// schemaTx runs fn in a write transaction on one connection whose foreign
// keys are off, as SQLite requires to make a table again (a migration
// drops a table that others refer to and renames its copy in its place).
// The pragma has no effect inside a transaction, so it is set around it,
// and set back before the connection returns to the pool.
func (s *Store) schemaTx(ctx context.Context, fn func(*sqlx.Tx) error) (err error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer func() {
		if _, on := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); on != nil {
			// A connection that would write without its keys must not be reused.
			conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, on)
		}
	}()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// foreignKeysHold reports the first row a migration left referring to
// nothing; the transaction is then rolled back, and the file stays as it was.
func foreignKeysHold(ctx context.Context, tx *sqlx.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("schema upgrade left row %d of %s referring to a missing %s; the file is unchanged: report this with the file", rowid.Int64, table, parent)
	}
	return rows.Err()
}

// openError turns what SQLite says about an unusable file into what the
// user can do about it.
func (s *Store) openError(err error) error {
	var se sqlite3.Error
	switch {
	case errors.As(err, &se) && se.Code == sqlite3.ErrNotADB:
		return fmt.Errorf("%s is not a SQLite database; choose another --db file: %w", s.path, ErrInvalid)
	case errors.As(err, &se) && slices.Contains([]sqlite3.ErrNo{sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrPerm}, se.Code),
		errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot write database file %s (%v): make the file and its folder writable, or choose another --db file: %w",
			s.path, err, ErrNotWritable)
	}
	return fmt.Errorf("database %s: %w", s.path, err)
}

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.changes.bump()
	return nil
}

func (s *Store) wrote(step string) {
	if s.afterWrite != nil {
		s.afterWrite(step)
	}
}

// Times are stored as milliseconds: exact to compare, cheap to index.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func durationMS(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

func nullMS(t time.Time) sql.NullInt64 {
	return sql.NullInt64{Int64: ms(t), Valid: !t.IsZero()}
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// exerciseRow is an exercise as stored, with its scoring decoded.
type exerciseRow struct {
	ID        int64         `db:"id"`
	Name      string        `db:"name"`
	Title     string        `db:"title"`
	Scenario  string        `db:"scenario"`
	Scoring   string        `db:"scoring"`
	CreatedAt int64         `db:"created_at"`
	StartedAt sql.NullInt64 `db:"started_at"`
	EndedAt   sql.NullInt64 `db:"ended_at"`
	FrozenAt  sql.NullInt64 `db:"frozen_at"`

	cfg scenarios.Scoring
}

func (s *Store) exercise(ctx context.Context, q sqlx.QueryerContext, name string) (exerciseRow, error) {
	var ex exerciseRow
	err := sqlx.GetContext(ctx, q, &ex, "SELECT * FROM exercises WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return ex, fmt.Errorf("exercise %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return ex, fmt.Errorf("exercise %q: %w", name, err)
	}
	// Decoding onto the defaults means a field added to the scoring block
	// after the exercise was stored takes its default.
	ex.cfg = scenarios.DefaultScoring()
	if err := json.Unmarshal([]byte(ex.Scoring), &ex.cfg); err != nil {
		return ex, fmt.Errorf("exercise %q: scoring: %w", name, err)
	}
	return ex, nil
}

func (ex exerciseRow) exercise() Exercise {
	return Exercise{
		Name: ex.Name, Title: ex.Title, Scenario: ex.Scenario, Scoring: ex.cfg,
		CreatedAt: fromMS(ex.CreatedAt), StartedAt: fromNullMS(ex.StartedAt),
		EndedAt: fromNullMS(ex.EndedAt), FrozenAt: fromNullMS(ex.FrozenAt),
	}
}

type teamRow struct {
	ID         int64  `db:"id"`
	ExerciseID int64  `db:"exercise_id"`
	Key        string `db:"key"`
	Name       string `db:"name"`
	Country    string `db:"country"`
	JoinCode   string `db:"join_code"`
}

func (t teamRow) team(exercise string) Team {
	return Team{Exercise: exercise, ID: t.Key, Name: t.Name, Country: t.Country, JoinCode: t.JoinCode}
}

func (s *Store) team(ctx context.Context, q sqlx.QueryerContext, ex exerciseRow, key string) (teamRow, error) {
	var t teamRow
	err := sqlx.GetContext(ctx, q, &t, "SELECT * FROM teams WHERE exercise_id = ? AND key = ?", ex.ID, key)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("team %q in exercise %q: %w", key, ex.Name, ErrNotFound)
	}
	return t, err
}

// CreateExercise stores a new exercise, its scoring and its teams. The
// scoring is kept with the exercise so that its whole ledger is computed
// with the same rules, even if the scenario changes later.
func (s *Store) CreateExercise(ctx context.Context, ex Exercise, teams []Team) error {
	if err := required("exercise name", ex.Name); err != nil {
		return err
	}
	if c := ex.Scoring.CountryStanding; c != "sum" && c != "mean" {
		return fmt.Errorf("exercise %q: country standing %q must be \"sum\" or \"mean\": %w", ex.Name, c, ErrInvalid)
	}
	scoring, err := json.Marshal(ex.Scoring)
	if err != nil {
		return fmt.Errorf("exercise %q: scoring: %w", ex.Name, err)
	}
	if ex.CreatedAt.IsZero() {
		ex.CreatedAt = time.Now()
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO exercises (name, title, scenario, scoring, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, ex.Name, ex.Title, ex.Scenario, string(scoring), ms(ex.CreatedAt))
		if err != nil {
			return fmt.Errorf("exercise %q: %w", ex.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("exercise %q: %w", ex.Name, ErrDuplicate)
		}
		for _, t := range teams {
			t.Exercise = ex.Name
			if err := s.addTeam(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddTeam adds a team to an existing exercise.
func (s *Store) AddTeam(ctx context.Context, t Team) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error { return s.addTeam(ctx, tx, t) })
}

func (s *Store) addTeam(ctx context.Context, tx *sqlx.Tx, t Team) error {
	if err := required("team id", t.ID); err != nil {
		return err
	}
	if !scenarios.IsCountryCode(t.Country) {
		return fmt.Errorf("team %q: country %q must be an ISO 3166-1 alpha-2 code in capitals, such as CL or CO: %w", t.ID, t.Country, ErrInvalid)
	}
	ex, err := s.exercise(ctx, tx, t.Exercise)
	if err != nil {
		return err
	}
	if t.Name == "" {
		t.Name = t.ID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO teams (exercise_id, key, name, country, join_code)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (exercise_id, key) DO NOTHING`, ex.ID, t.ID, t.Name, t.Country, joinCode())
	if err != nil {
		return fmt.Errorf("team %q: %w", t.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("team %q in exercise %q: %w", t.ID, ex.Name, ErrDuplicate)
	}
	return nil
}

// joinCode makes a code trainees can type: no 0/O or 1/I to confuse.
func joinCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Exercise returns one exercise.
func (s *Store) Exercise(ctx context.Context, name string) (Exercise, error) {
	ex, err := s.exercise(ctx, s.db, name)
	if err != nil {
		return Exercise{}, err
	}
	return ex.exercise(), nil
}

// Exercises returns every exercise, the earliest started first (those not
// started yet last, by creation).
func (s *Store) Exercises(ctx context.Context) ([]Exercise, error) {
	var names []string
	err := s.db.SelectContext(ctx, &names, `SELECT name FROM exercises
		ORDER BY started_at IS NULL, started_at, created_at, name`)
	if err != nil {
		return nil, fmt.Errorf("exercises: %w", err)
	}
	exs := make([]Exercise, 0, len(names))
	for _, name := range names {
		ex, err := s.Exercise(ctx, name)
		if err != nil {
			return nil, err
		}
		exs = append(exs, ex)
	}
	return exs, nil
}

// Teams returns an exercise's teams, by id.
func (s *Store) Teams(ctx context.Context, exercise string) ([]Team, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []teamRow
	if err := s.db.SelectContext(ctx, &rows, "SELECT * FROM teams WHERE exercise_id = ? ORDER BY key", ex.ID); err != nil {
		return nil, fmt.Errorf("teams of %q: %w", exercise, err)
	}
	teams := make([]Team, len(rows))
	for i, r := range rows {
		teams[i] = r.team(exercise)
	}
	return teams, nil
}

// TeamByJoinCode returns the team a join code belongs to.
func (s *Store) TeamByJoinCode(ctx context.Context, code string) (Team, error) {
	var r struct {
		teamRow
		Exercise string `db:"exercise"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT t.*, e.name AS exercise FROM teams t
		JOIN exercises e ON e.id = t.exercise_id WHERE t.join_code = ?`, strings.ToUpper(strings.TrimSpace(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, fmt.Errorf("join code %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return Team{}, fmt.Errorf("join code: %w", err)
	}
	return r.team(r.Exercise), nil
}

// StartExercise records when an exercise started; a later call keeps the
// first time, so a restart does not move it.
func (s *Store) StartExercise(ctx context.Context, name string, at time.Time) error {
	return s.setTime(ctx, name, "UPDATE exercises SET started_at = COALESCE(started_at, ?) WHERE name = ?", at)
}

// EndExercise records when an exercise ended; a later call keeps the first
// time.
func (s *Store) EndExercise(ctx context.Context, name string, at time.Time) error {
	return s.setTime(ctx, name, "UPDATE exercises SET ended_at = COALESCE(ended_at, ?) WHERE name = ?", at)
}

func (s *Store) setTime(ctx context.Context, name, query string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, query, ms(at), name)
	if err != nil {
		return fmt.Errorf("exercise %q: %w", name, err)
	}
	s.changes.bump()
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("exercise %q: %w", name, ErrNotFound)
	}
	return nil
}

// Freeze makes the public board show the exercise as of the given time,
// which may be in the future: entries dated later keep counting in the live
// view only. Freezing again moves the cut.
func (s *Store) Freeze(ctx context.Context, name string, at time.Time) error {
	return s.setFreeze(ctx, name, nullMS(at))
}

// Unfreeze makes the public board show everything again.
func (s *Store) Unfreeze(ctx context.Context, name string) error {
	return s.setFreeze(ctx, name, sql.NullInt64{})
}

// recomputePublicBlocks sets the public columns of an exercise's series
// blocks (?1) to its buckets' public sums.
const recomputePublicBlocks = `UPDATE series_blocks SET public0 = b.public0, public1 = b.public1,
		public2 = b.public2, public3 = b.public3
	FROM (SELECT team_id, minute / 4 AS block,
			SUM(iif(minute % 4 = 0, public_points, 0)) AS public0, SUM(iif(minute % 4 = 1, public_points, 0)) AS public1,
			SUM(iif(minute % 4 = 2, public_points, 0)) AS public2, SUM(iif(minute % 4 = 3, public_points, 0)) AS public3
		FROM buckets WHERE exercise_id = ?1 GROUP BY team_id, block) AS b
	WHERE series_blocks.exercise_id = ?1 AND series_blocks.team_id = b.team_id AND series_blocks.block = b.block`

// setFreeze moves the cut and recomputes the public sums from the per-minute
// buckets: only the minute the cut falls in is read back from the ledger.
// The series blocks and the totals are then recomputed from the buckets.
func (s *Store) setFreeze(ctx context.Context, name string, frozen sql.NullInt64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, err := s.exercise(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE exercises SET frozen_at = ? WHERE id = ?", frozen, ex.ID); err != nil {
			return fmt.Errorf("freeze %q: %w", name, err)
		}
		// Entries that wait for an attack's reveal are few: they are read
		// back wherever they are.
		_, err = tx.ExecContext(ctx, `UPDATE buckets SET public_points = CASE
				WHEN ?1 IS NULL OR minute < ?1 / 60000 THEN points
				WHEN minute > ?1 / 60000 THEN 0
				ELSE (SELECT COALESCE(SUM(l.points), 0) FROM ledger l
					WHERE l.exercise_id = buckets.exercise_id AND l.team_id = buckets.team_id
					AND l.category = buckets.category AND l.at >= minute * 60000 AND l.at <= ?1)
			END - (SELECT COALESCE(SUM(ledger.points), 0) FROM ledger
				WHERE ledger.exercise_id = buckets.exercise_id AND ledger.team_id = buckets.team_id
				AND ledger.category = buckets.category AND ledger.at BETWEEN minute * 60000 AND minute * 60000 + 59999
				AND (?1 IS NULL OR ledger.at <= ?1) AND ledger.reveal_run IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = ledger.reveal_run))
			WHERE exercise_id = ?2`, frozen, ex.ID)
		if err != nil {
			return fmt.Errorf("freeze %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, recomputePublicBlocks, ex.ID); err != nil {
			return fmt.Errorf("freeze %q: %w", name, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE totals SET public_points = b.points
			FROM (SELECT team_id, category, SUM(public_points) AS points FROM buckets
				WHERE exercise_id = ?1 GROUP BY team_id, category) AS b
			WHERE totals.exercise_id = ?1 AND totals.team_id = b.team_id AND totals.category = b.category`, ex.ID)
		if err != nil {
			return fmt.Errorf("freeze %q: %w", name, err)
		}
		return nil
	})
}
