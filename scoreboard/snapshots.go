package scoreboard

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// ScenarioCopy is the complete source of an exercise's scenario, copied
// when the exercise was made. Every plan of the exercise comes from it, and
// with the plan every point value: the scoring block, and the points of
// each attack, inject, challenge and hint.
type ScenarioCopy struct {
	Exercise string
	// Ref is where the scenario was copied from: "library:NAME",
	// "uploaded:NAME" or a folder on disk.
	Ref    string
	Source *scenarios.Source
	// Late is true for an exercise made before copies were kept: its copy
	// was made from what the scenario was when it was first taken up again.
	Late     bool
	CopiedAt time.Time
}

// SaveScenarioCopy stores the copy of an exercise's scenario. A copy is made
// once: a second one for the same exercise is ErrDuplicate, and the first
// stays.
func (s *Store) SaveScenarioCopy(ctx context.Context, c ScenarioCopy) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error { return saveScenarioCopy(ctx, tx, c) })
}

func saveScenarioCopy(ctx context.Context, tx *sqlx.Tx, c ScenarioCopy) error {
	if c.Exercise == "" || c.Source == nil {
		return fmt.Errorf("scenario copy: no exercise or no source: %w", ErrInvalid)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO scenario_copies (exercise, ref, dir, digest, late, copied_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.Exercise, c.Ref, c.Source.Dir, c.Source.Digest(), c.Late, ms(c.CopiedAt))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("scenario copy of exercise %q: %w", c.Exercise, ErrDuplicate)
	}
	for name, f := range c.Source.Files {
		data := f.Data
		if data == nil {
			data = []byte{}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO scenario_copy_files (exercise, path, mode, data) VALUES (?, ?, ?, ?)",
			c.Exercise, name, int64(f.Mode), data); err != nil {
			return err
		}
	}
	for dir, hash := range c.Source.Contexts {
		if _, err := tx.ExecContext(ctx, "INSERT INTO scenario_copy_contexts (exercise, context, hash) VALUES (?, ?, ?)",
			c.Exercise, dir, hash); err != nil {
			return err
		}
	}
	return nil
}

// ScenarioCopy returns the copy of an exercise's scenario, or ErrNotFound
// when the exercise has none (it was made before copies were kept). A copy
// whose files no longer match the digest they were stored with is an error.
func (s *Store) ScenarioCopy(ctx context.Context, exercise string) (ScenarioCopy, error) {
	var c ScenarioCopy
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var row struct {
			Ref      string `db:"ref"`
			Dir      string `db:"dir"`
			Digest   string `db:"digest"`
			Late     bool   `db:"late"`
			CopiedAt int64  `db:"copied_at"`
		}
		err := tx.GetContext(ctx, &row, "SELECT ref, dir, digest, late, copied_at FROM scenario_copies WHERE exercise = ?", exercise)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("scenario copy of exercise %q: %w", exercise, ErrNotFound)
		}
		if err != nil {
			return err
		}
		src := &scenarios.Source{Dir: row.Dir, Files: map[string]scenarios.SourceFile{}, Contexts: map[string]string{}}
		var files []struct {
			Path string `db:"path"`
			Mode int64  `db:"mode"`
			Data []byte `db:"data"`
		}
		if err := tx.SelectContext(ctx, &files, "SELECT path, mode, data FROM scenario_copy_files WHERE exercise = ?", exercise); err != nil {
			return err
		}
		for _, f := range files {
			src.Files[f.Path] = scenarios.SourceFile{Mode: fs.FileMode(f.Mode), Data: f.Data}
		}
		var contexts []struct {
			Context string `db:"context"`
			Hash    string `db:"hash"`
		}
		if err := tx.SelectContext(ctx, &contexts, "SELECT context, hash FROM scenario_copy_contexts WHERE exercise = ?", exercise); err != nil {
			return err
		}
		for _, k := range contexts {
			src.Contexts[k.Context] = k.Hash
		}
		if got := src.Digest(); got != row.Digest {
			return fmt.Errorf("scenario copy of exercise %q: its files hash to %.12s, not %.12s as stored: the database is damaged", exercise, got, row.Digest)
		}
		c = ScenarioCopy{Exercise: exercise, Ref: row.Ref, Source: src, Late: row.Late, CopiedAt: fromMS(row.CopiedAt)}
		return nil
	})
	return c, err
}

// CheckScoring checks that the scoring stored with an exercise is want,
// the scoring block of the scenario copy its plans come from. The copy is
// the one place every point value comes from; the stored scoring is derived
// from it when the exercise is stored (CreateExercise), and kept because
// the rules read it in the transaction that writes each entry. The two can
// differ only for an exercise made before copies were kept whose scenario
// has changed since, and the error says so. An exercise not stored yet
// passes.
func (s *Store) CheckScoring(ctx context.Context, exercise string, want scenarios.Scoring) error {
	ex, err := s.Exercise(ctx, exercise)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if diff := scoringDiff(want, ex.Scoring); len(diff) > 0 {
		return fmt.Errorf("exercise %q was made with another scoring block than its scenario has now (%s): put back the scenario it was made from, or make a new exercise",
			exercise, strings.Join(diff, "; "))
	}
	return nil
}

// scoringDiff lists the fields where the scenario's scoring (now) and the
// exercise's stored one differ, as "attack.blocked is 50, was 75".
func scoringDiff(now, was scenarios.Scoring) []string {
	a, b := flatScoring(now), flatScoring(was)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%s is %s, was %s", k, a[k], cmp.Or(b[k], "unset")))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s is unset, was %s", k, b[k]))
		}
	}
	return out
}

// flatScoring is a scoring as the store keeps it, decoded onto the
// defaults as the store reads it, by the JSON path of each value.
func flatScoring(s scenarios.Scoring) map[string]string {
	var v any
	if err := json.Unmarshal([]byte(canonicalScoring(s)), &v); err != nil {
		return map[string]string{"": canonicalScoring(s)}
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			for k, x := range m {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x)
			}
			return
		}
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
	walk("", v)
	return out
}

// canonicalScoring writes a scoring as the store keeps it, decoded onto the
// defaults as the store reads it, so that equal scorings compare equal.
func canonicalScoring(s scenarios.Scoring) string {
	b, _ := json.Marshal(s)
	c := scenarios.DefaultScoring()
	if err := json.Unmarshal(b, &c); err != nil {
		return string(b)
	}
	b, _ = json.Marshal(c)
	return string(b)
}
