package scoreboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// AddressPool returns the address pool kept for an exercise (see
// ClaimAddressPool), or ErrNotFound when none is.
func (s *Store) AddressPool(ctx context.Context, exercise string) (string, error) {
	var pool string
	err := s.db.GetContext(ctx, &pool, "SELECT pool FROM address_pools WHERE exercise = ?", exercise)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("address pool of exercise %q: %w", exercise, ErrNotFound)
	}
	return pool, err
}

// ClaimAddressPool keeps the address pool of an exercise: choose is given
// the pool kept for it ("" when none is) and the pools kept for every other
// exercise that has not ended, to keep out of, and returns the pool to keep
// (the kept one, most often). It runs in the transaction that stores its
// answer, so that two processes on one database never choose the same pool
// for two exercises. changed says that the pool kept is not the one that
// was.
func (s *Store) ClaimAddressPool(ctx context.Context, exercise string, at time.Time, choose func(kept string, others []string) (string, error)) (pool string, changed bool, err error) {
	if exercise == "" {
		return "", false, fmt.Errorf("address pool: no exercise: %w", ErrInvalid)
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		var kept string
		err := tx.GetContext(ctx, &kept, "SELECT pool FROM address_pools WHERE exercise = ?", exercise)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// An ended exercise's ranges are usually down; if they are not,
		// their networks are on the engine, which the chooser reads too.
		var others []string
		if err := tx.SelectContext(ctx, &others, `SELECT p.pool FROM address_pools p
			WHERE p.exercise <> ? AND NOT EXISTS (SELECT 1 FROM exercises e WHERE e.name = p.exercise AND e.ended_at IS NOT NULL)
			ORDER BY p.pool`, exercise); err != nil {
			return err
		}
		if pool, err = choose(kept, others); err != nil {
			return err
		}
		if pool == "" {
			return fmt.Errorf("address pool of exercise %q: none was chosen: %w", exercise, ErrInvalid)
		}
		if pool == kept {
			return nil
		}
		changed = true
		_, err = tx.ExecContext(ctx, `INSERT INTO address_pools (exercise, pool, chosen_at) VALUES (?, ?, ?)
			ON CONFLICT (exercise) DO UPDATE SET pool = excluded.pool, chosen_at = excluded.chosen_at`, exercise, pool, ms(at))
		return err
	})
	if err != nil {
		return "", false, err
	}
	return pool, changed, nil
}
