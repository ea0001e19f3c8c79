package scoreboard

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// View is whose board is read.
type View int

const (
	// Live is everything recorded: what instructors see.
	Live View = iota
	// Public stops at the exercise's freeze, if any: what trainees see.
	Public
)

func (v View) String() string {
	if v == Public {
		return "public"
	}
	return "live"
}

// pointsColumn is the totals and buckets column a view reads.
func (v View) pointsColumn() string {
	if v == Public {
		return "public_points"
	}
	return "points"
}

// TeamStanding is one team's place and points.
type TeamStanding struct {
	Rank       int
	Team       Team // without its join code: standings are public
	Total      int
	Categories map[string]int
}

// CountryStanding is one country's place and points, the sum or the mean of
// its teams' as the scenario says.
type CountryStanding struct {
	Rank       int
	Country    string
	Teams      int
	Total      float64
	Categories map[string]float64
}

// Standings is the board of an exercise, best first. Tied teams share a
// rank (1, 2, 2, 4).
type Standings struct {
	Exercise string
	View     View
	// FrozenAt is the freeze the public view stops at; zero when live or
	// not frozen.
	FrozenAt time.Time
	// CountryStanding is "sum" or "mean".
	CountryStanding string
	Teams           []TeamStanding
	Countries       []CountryStanding
}

// Standings reads an exercise's board from the running totals: its cost
// depends on the number of teams, not on the length of the ledger.
func (s *Store) Standings(ctx context.Context, exercise string, view View) (Standings, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return Standings{}, err
	}
	var rows []struct {
		Key      string         `db:"key"`
		Name     string         `db:"name"`
		Country  string         `db:"country"`
		Category sql.NullString `db:"category"`
		Points   sql.NullInt64  `db:"points"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT t.key, t.name, t.country, tt.category, tt.`+view.pointsColumn()+` AS points
		FROM teams t LEFT JOIN totals tt ON tt.exercise_id = t.exercise_id AND tt.team_id = t.id
		WHERE t.exercise_id = ?`, ex.ID)
	if err != nil {
		return Standings{}, fmt.Errorf("standings of %q: %w", exercise, err)
	}
	st := Standings{Exercise: ex.Name, View: view, CountryStanding: ex.cfg.CountryStanding}
	if view == Public {
		st.FrozenAt = fromNullMS(ex.FrozenAt)
	}
	byTeam := map[string]*TeamStanding{}
	for _, r := range rows {
		ts := byTeam[r.Key]
		if ts == nil {
			ts = &TeamStanding{Team: Team{Exercise: ex.Name, ID: r.Key, Name: r.Name, Country: r.Country}, Categories: zeroCategories[int]()}
			byTeam[r.Key] = ts
		}
		if r.Category.Valid {
			ts.Categories[r.Category.String] += int(r.Points.Int64)
			ts.Total += int(r.Points.Int64)
		}
	}
	for _, ts := range byTeam {
		st.Teams = append(st.Teams, *ts)
	}
	slices.SortFunc(st.Teams, func(a, b TeamStanding) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Team.ID, b.Team.ID))
	})
	for i := range st.Teams {
		st.Teams[i].Rank = rank(i, func(j int) float64 { return float64(st.Teams[j].Total) })
	}
	st.Countries = countryStandings(st.Teams, ex.cfg.CountryStanding)
	return st, nil
}

func zeroCategories[N int | float64]() map[string]N {
	m := make(map[string]N, len(Categories))
	for _, c := range Categories {
		m[c] = 0
	}
	return m
}

// rank gives the i-th of a list sorted best first its competition rank.
func rank(i int, total func(int) float64) int {
	if i > 0 && total(i) == total(i-1) {
		return rank(i-1, total)
	}
	return i + 1
}

func countryStandings(teams []TeamStanding, method string) []CountryStanding {
	byCountry := map[string]*CountryStanding{}
	for _, t := range teams {
		cs := byCountry[t.Team.Country]
		if cs == nil {
			cs = &CountryStanding{Country: t.Team.Country, Categories: zeroCategories[float64]()}
			byCountry[t.Team.Country] = cs
		}
		cs.Teams++
		cs.Total += float64(t.Total)
		for c, p := range t.Categories {
			cs.Categories[c] += float64(p)
		}
	}
	var out []CountryStanding
	for _, cs := range byCountry {
		if method == "mean" {
			cs.Total = round2(cs.Total / float64(cs.Teams))
			for c, p := range cs.Categories {
				cs.Categories[c] = round2(p / float64(cs.Teams))
			}
		}
		out = append(out, *cs)
	}
	slices.SortFunc(out, func(a, b CountryStanding) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Country, b.Country))
	})
	for i := range out {
		out[i].Rank = rank(i, func(j int) float64 { return out[j].Total })
	}
	return out
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// EntryQuery pages through a team's entries, newest first.
type EntryQuery struct {
	View View
	// Limit is the page size: 100 when zero, at most 1000.
	Limit int
	// Before is the Next of the previous page; empty for the first.
	Before string
}

// Breakdown explains one team's score: its totals by category and its
// entries, newest first, one page at a time.
type Breakdown struct {
	Team       Team
	Total      int
	Categories map[string]int
	Entries    []Entry
	// Next fetches the following (older) page; empty after the last one.
	Next string
}

type ledgerRow struct {
	ID         int64  `db:"id"`
	ExerciseID int64  `db:"exercise_id"`
	TeamID     int64  `db:"team_id"`
	Team       string `db:"team"`
	Category   string `db:"category"`
	Points     int    `db:"points"`
	RawPoints  int    `db:"raw_points"`
	At         int64  `db:"at"`
	Elapsed    int64  `db:"elapsed"`
	CauseKind  string `db:"cause_kind"`
	CauseID    int64  `db:"cause_id"`
	Cause      string `db:"cause"`
	Author     string `db:"author"`
	Reason     string `db:"reason"`
	// RevealRun and Pending: see Entry.Pending. Pending is selected as
	// pendingColumn.
	RevealRun sql.NullInt64 `db:"reveal_run"`
	Pending   bool          `db:"pending"`
}

// pendingColumn says whether a ledger row still waits for its attack's
// reveal.
const pendingColumn = `(ledger.reveal_run IS NOT NULL AND NOT EXISTS
	(SELECT 1 FROM reveals r WHERE r.run_id = ledger.reveal_run)) AS pending`

func (r ledgerRow) entry(exercise string) Entry {
	return Entry{
		ID: r.ID, Exercise: exercise, Team: r.Team, Category: r.Category, Points: r.Points, RawPoints: r.RawPoints,
		Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}, CauseKind: r.CauseKind, CauseID: r.CauseID,
		Cause: r.Cause, Author: r.Author, Reason: r.Reason, Pending: r.Pending,
	}
}

// TeamBreakdown reads one team's totals and a page of its entries. Both
// come from indexes, so a page costs the same at any ledger length.
func (s *Store) TeamBreakdown(ctx context.Context, exercise, team string, q EntryQuery) (Breakdown, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return Breakdown{}, err
	}
	t, err := s.team(ctx, s.db, ex, team)
	if err != nil {
		return Breakdown{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	// (at, id) pages are stable while entries are added: a new entry never
	// shifts the ones already shown.
	where, args := "exercise_id = ? AND team_id = ?", []any{ex.ID, t.ID}
	if q.View == Public && ex.FrozenAt.Valid {
		where, args = where+" AND at <= ?", append(args, ex.FrozenAt.Int64)
	}
	if q.View == Public {
		where += " AND NOT pending"
	}
	if q.Before != "" {
		at, id, err := parseCursor(q.Before)
		if err != nil {
			return Breakdown{}, err
		}
		where, args = where+" AND (at, id) < (?, ?)", append(args, at, id)
	}
	var rows []ledgerRow
	err = s.db.SelectContext(ctx, &rows, `SELECT *, ? AS team, `+pendingColumn+` FROM ledger WHERE `+where+` ORDER BY at DESC, id DESC LIMIT ?`,
		append(append([]any{t.Key}, args...), limit+1)...)
	if err != nil {
		return Breakdown{}, fmt.Errorf("entries of team %q: %w", team, err)
	}
	b := Breakdown{Team: Team{Exercise: ex.Name, ID: t.Key, Name: t.Name, Country: t.Country}, Categories: zeroCategories[int]()}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		b.Next = fmt.Sprintf("%d.%d", last.At, last.ID)
	}
	for _, r := range rows {
		b.Entries = append(b.Entries, r.entry(ex.Name))
	}
	var totals []struct {
		Category string `db:"category"`
		Points   int    `db:"points"`
	}
	err = s.db.SelectContext(ctx, &totals, `SELECT category, `+q.View.pointsColumn()+` AS points FROM totals
		WHERE exercise_id = ? AND team_id = ?`, ex.ID, t.ID)
	if err != nil {
		return Breakdown{}, fmt.Errorf("totals of team %q: %w", team, err)
	}
	for _, c := range totals {
		b.Categories[c.Category] += c.Points
		b.Total += c.Points
	}
	return b, nil
}

func parseCursor(c string) (at, id int64, err error) {
	a, i, ok := strings.Cut(c, ".")
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("page cursor %q: %w", c, ErrInvalid)
	}
	return at, id, nil
}

// Ledger calls fn with every entry of an exercise, in the order they were
// written, without loading them all at once.
func (s *Store) Ledger(ctx context.Context, exercise string, fn func(Entry) error) error {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT ledger.*, t.key AS team, `+pendingColumn+` FROM ledger JOIN teams t ON t.id = ledger.team_id
		WHERE ledger.exercise_id = ? ORDER BY ledger.id`, ex.ID)
	if err != nil {
		return fmt.Errorf("ledger of %q: %w", exercise, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ledgerRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("ledger of %q: %w", exercise, err)
		}
		if err := fn(r.entry(ex.Name)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// categorySums is a team's sums in a category, as the ledger, the totals or the
// buckets have them.
type categorySums struct {
	Team     int64  `db:"team_id"`
	Category string `db:"category"`
	Points   int64  `db:"points"`
	Public   int64  `db:"public_points"`
	Entries  int64  `db:"entries"`
}

// VerifyTotals recomputes an exercise's running totals and per-minute
// buckets from the ledger, and its series blocks from the buckets, and
// reports every difference. They are kept by triggers in the same
// transaction as each entry, so a difference means the file was changed by
// hand.
func (s *Store) VerifyTotals(ctx context.Context, exercise string) error {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return err
	}
	// One transaction, so that the ledger and what derives from it are read
	// at one moment: an outcome recorded between two reads would look like
	// a difference. (Transactions take the write lock: writers wait the few
	// milliseconds this takes.)
	var ledger, totals, buckets map[categorySums]categorySums
	var blocks []blockDifference
	var teams []teamRow
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		read := func(query string, args ...any) (map[categorySums]categorySums, error) {
			var rows []categorySums
			if err := tx.SelectContext(ctx, &rows, query, args...); err != nil {
				return nil, fmt.Errorf("verify %q: %w", exercise, err)
			}
			m := map[categorySums]categorySums{}
			for _, r := range rows {
				m[categorySums{Team: r.Team, Category: r.Category}] = r
			}
			return m, nil
		}
		var err error
		ledger, err = read(`SELECT team_id, category, SUM(points) AS points,
				SUM(CASE WHEN (?1 IS NULL OR at <= ?1) AND NOT pending THEN points ELSE 0 END) AS public_points, COUNT(*) AS entries
			FROM (SELECT *, `+pendingColumn+` FROM ledger WHERE exercise_id = ?2) GROUP BY team_id, category`, ex.FrozenAt, ex.ID)
		if err != nil {
			return err
		}
		if totals, err = read(`SELECT team_id, category, points, public_points, entries FROM totals WHERE exercise_id = ?`, ex.ID); err != nil {
			return err
		}
		// Buckets count no entries: -1 tells the comparison to skip the count.
		buckets, err = read(`SELECT team_id, category, SUM(points) AS points, SUM(public_points) AS public_points, -1 AS entries
			FROM buckets WHERE exercise_id = ? GROUP BY team_id, category`, ex.ID)
		if err != nil {
			return err
		}
		if blocks, err = blockDifferences(ctx, tx, ex.ID); err != nil {
			return fmt.Errorf("verify %q: %w", exercise, err)
		}
		if err := tx.SelectContext(ctx, &teams, "SELECT * FROM teams WHERE exercise_id = ?", ex.ID); err != nil {
			return fmt.Errorf("verify %q: %w", exercise, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	keys := map[int64]string{}
	for _, t := range teams {
		keys[t.ID] = t.Key
	}
	var errs []error
	for _, derived := range []struct {
		name string
		m    map[categorySums]categorySums
	}{{"totals", totals}, {"buckets", buckets}} {
		for k := range joinKeys(ledger, derived.m) {
			l, d := ledger[k], derived.m[k]
			if l.Points != d.Points || l.Public != d.Public || (d.Entries >= 0 && l.Entries != d.Entries) {
				errs = append(errs, fmt.Errorf("team %q %s: ledger has %d points (%d public) in %d entries, %s %d (%d public)",
					keys[k.Team], k.Category, l.Points, l.Public, l.Entries, derived.name, d.Points, d.Public))
			}
		}
	}
	for _, d := range blocks {
		errs = append(errs, d.err(keys[d.Team]))
	}
	if len(errs) > 0 {
		return fmt.Errorf("exercise %q: running totals differ from the ledger: %w", exercise, errors.Join(errs...))
	}
	return nil
}

func joinKeys[K comparable, V any](a, b map[K]V) map[K]bool {
	keys := map[K]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
