package scoreboard

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// blockMinutes is how many minutes a row of series_blocks holds, each in
// columns of its own (migrations/0010_series_blocks.sql).
const blockMinutes = 4

// blockColumns is what a row of series_blocks gives a view's chart: each
// minute's sum or, when the steps are whole blocks, the block's sum; in the
// last block (?3), only the minutes up to the chart's last (?4, its place
// in the block).
func (v View) blockColumns(wholeBlocks bool) string {
	c := "points"
	if v == Public {
		c = "public"
	}
	if !wholeBlocks {
		return fmt.Sprintf("%[1]s0, %[1]s1, %[1]s2, %[1]s3", c)
	}
	return fmt.Sprintf(`CASE WHEN block < ?3 THEN %[1]s0 + %[1]s1 + %[1]s2 + %[1]s3
		ELSE %[1]s0 + iif(?4 >= 1, %[1]s1, 0) + iif(?4 >= 2, %[1]s2, 0) + iif(?4 >= 3, %[1]s3, 0) END`, c)
}

// SeriesPoint is a team's total at the end of a step.
type SeriesPoint struct {
	At    time.Time
	Total int
}

// TeamSeries is a team's score over time.
type TeamSeries struct {
	Team   string
	Points []SeriesPoint
}

// ScoreSeries reads every team's cumulative score over time, in steps of
// whole minutes (step is rounded up; zero picks a step that gives at most
// 120 points). All teams share the same steps, from the first minute with an
// entry to the last one, or to the freeze in the public view. It reads the
// series blocks, a row per team and four minutes with each minute's sum,
// never the ledger: any step, and the last minute wherever it falls in a
// block, adds up exactly what the per-minute buckets hold.
func (s *Store) ScoreSeries(ctx context.Context, exercise string, view View, step time.Duration) ([]TeamSeries, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	fail := func(err error) ([]TeamSeries, error) { return nil, fmt.Errorf("score series of %q: %w", exercise, err) }
	teams, first, last, err := s.seriesSpan(ctx, ex, view)
	if err != nil {
		return fail(err)
	}
	series := make([]TeamSeries, len(teams))
	index := map[int64]int{}
	for i, t := range teams {
		series[i].Team = t.Key
		index[t.ID] = i
	}
	if first > last {
		return series, nil
	}
	width := int64(math.Ceil(step.Minutes()))
	if width <= 0 {
		width = max(1, (last-first+120)/120)
	}
	first -= first % width
	n := int((last-first)/width + 1)
	for i := range series {
		series[i].Points = make([]SeriesPoint, n)
	}
	if err := s.readBlocks(ctx, ex.ID, view, first, last, width, func(team int64) []SeriesPoint {
		if i, ok := index[team]; ok {
			return series[i].Points
		}
		return nil // a team added since its span was read
	}); err != nil {
		return fail(err)
	}
	for _, ts := range series {
		sum := 0
		for i := range ts.Points {
			sum += ts.Points[i].Total
			ts.Points[i] = SeriesPoint{At: fromMS((first + int64(i+1)*width) * 60000), Total: sum}
		}
	}
	return series, nil
}

type seriesTeam struct {
	ID    int64         `db:"id"`
	Key   string        `db:"key"`
	First sql.NullInt64 `db:"first"`
	Last  sql.NullInt64 `db:"last"`
}

// seriesSpan reads an exercise's teams, by key, and the first and last
// minute of the view's chart; first > last when there is nothing to chart.
func (s *Store) seriesSpan(ctx context.Context, ex exerciseRow, view View) (teams []seriesTeam, first, last int64, err error) {
	// One seek per team and end: the buckets' key starts with the team.
	err = s.db.SelectContext(ctx, &teams, `SELECT t.id, t.key,
			(SELECT MIN(minute) FROM buckets b WHERE b.exercise_id = t.exercise_id AND b.team_id = t.id) AS first,
			(SELECT MAX(minute) FROM buckets b WHERE b.exercise_id = t.exercise_id AND b.team_id = t.id) AS last
		FROM teams t WHERE t.exercise_id = ? ORDER BY t.key`, ex.ID)
	if err != nil {
		return nil, 0, 0, err
	}
	first, last = math.MaxInt64, math.MinInt64
	for _, t := range teams {
		if t.First.Valid {
			first, last = min(first, t.First.Int64), max(last, t.Last.Int64)
		}
	}
	if view == Public && ex.FrozenAt.Valid {
		last = min(last, ex.FrozenAt.Int64/60000)
	}
	return teams, first, last, nil
}

// readBlocks adds to the steps of each team's points (of width minutes,
// the first starting at minute first) the view's series blocks up to minute
// last. One row per team, its blocks as text: 100 rows cross from SQLite to
// Go rather than 12,000, which is where most of the time went. When the
// steps are whole blocks, a block's sum is all a step needs of it.
func (s *Store) readBlocks(ctx context.Context, exercise int64, view View, first, last, width int64, points func(team int64) []SeriesPoint) error {
	wholeBlocks := width%blockMinutes == 0
	args := []any{exercise, first / blockMinutes, last / blockMinutes}
	if wholeBlocks {
		args = append(args, last%blockMinutes)
	}
	// A range of the blocks' key per team, in its order: a GROUP BY over
	// the exercise's blocks would sort them first.
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, (SELECT group_concat(concat_ws(' ', block, `+view.blockColumns(wholeBlocks)+`), ' ')
			FROM series_blocks b WHERE b.exercise_id = t.exercise_id AND b.team_id = t.id AND b.block BETWEEN ?2 AND ?3)
		FROM teams t WHERE t.exercise_id = ?1`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team int64
		var blocks sql.NullString
		if err := rows.Scan(&team, &blocks); err != nil {
			return err
		}
		if err := addBlocks(points(team), blocks.String, wholeBlocks, first, last, width); err != nil {
			return err
		}
	}
	return rows.Err()
}

// addBlocks adds to each step's total the minutes of blocks, a team's
// "block m0 m1 m2 m3 block m0 ..." as readBlocks selects them, that fall
// from minute first to minute last; or a team's "block sum block sum ..."
// when the steps are whole blocks.
func addBlocks(points []SeriesPoint, blocks string, wholeBlocks bool, first, last, width int64) error {
	group := 1 + blockMinutes
	if wholeBlocks {
		group = 2
	}
	fields := 0
	var block int64
	for blocks != "" && points != nil {
		var field string
		field, blocks, _ = strings.Cut(blocks, " ")
		v, err := strconv.Atoi(field)
		if err != nil {
			return fmt.Errorf("series block: %w", err)
		}
		k := fields % group
		fields++
		if k == 0 {
			block = int64(v)
			continue
		}
		// A block's sum goes to the step of its first minute.
		if m := block*blockMinutes + int64(k-1); m >= first && m <= last {
			points[(m-first)/width].Total += v
		}
	}
	if fields%group != 0 {
		return fmt.Errorf("series blocks end in the middle of a block: %d fields", fields)
	}
	return nil
}

// blockDifference is a minute of a team whose series blocks do not hold
// what its buckets do.
type blockDifference struct {
	Team          int64 `db:"team_id"`
	Minute        int64 `db:"minute"`
	BucketsPoints int64 `db:"buckets_points"`
	BucketsPublic int64 `db:"buckets_public"`
	BlocksPoints  int64 `db:"blocks_points"`
	BlocksPublic  int64 `db:"blocks_public"`
}

func (d blockDifference) err(team string) error {
	return fmt.Errorf("team %q minute %s: buckets have %d points (%d public), series blocks %d (%d public)",
		team, fromMS(d.Minute*60000).Format("2006-01-02 15:04"), d.BucketsPoints, d.BucketsPublic, d.BlocksPoints, d.BlocksPublic)
}

// blockDifferences compares an exercise's series blocks with its buckets,
// minute by minute.
func blockDifferences(ctx context.Context, q sqlx.QueryerContext, exercise int64) ([]blockDifference, error) {
	var ds []blockDifference
	err := sqlx.SelectContext(ctx, q, &ds, `SELECT team_id, minute,
			SUM(bp) AS buckets_points, SUM(bq) AS buckets_public, SUM(sp) AS blocks_points, SUM(sq) AS blocks_public
		FROM (SELECT team_id, minute, points AS bp, public_points AS bq, 0 AS sp, 0 AS sq FROM buckets WHERE exercise_id = ?1
			UNION ALL SELECT team_id, block * 4, 0, 0, points0, public0 FROM series_blocks WHERE exercise_id = ?1
			UNION ALL SELECT team_id, block * 4 + 1, 0, 0, points1, public1 FROM series_blocks WHERE exercise_id = ?1
			UNION ALL SELECT team_id, block * 4 + 2, 0, 0, points2, public2 FROM series_blocks WHERE exercise_id = ?1
			UNION ALL SELECT team_id, block * 4 + 3, 0, 0, points3, public3 FROM series_blocks WHERE exercise_id = ?1)
		GROUP BY team_id, minute HAVING SUM(bp) <> SUM(sp) OR SUM(bq) <> SUM(sq)
		ORDER BY team_id, minute`, exercise)
	return ds, err
}
