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

// ClaimAddressPool returns the address pool kept for an exercise, or keeps
// the one choose returns and returns it, with chosen true. choose is given
// the pools kept for every other exercise that has not ended, to keep out
// of; it runs in the transaction that stores its answer, so that two
// processes on one database never choose the same pool for two exercises.
func (s *Store) ClaimAddressPool(ctx context.Context, exercise string, at time.Time, choose func(others []string) (string, error)) (pool string, chosen bool, err error) {
	if exercise == "" {
		return "", false, fmt.Errorf("address pool: no exercise: %w", ErrInvalid)
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &pool, "SELECT pool FROM address_pools WHERE exercise = ?", exercise)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
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
		if pool, err = choose(others); err != nil {
			return err
		}
		if pool == "" {
			return fmt.Errorf("address pool of exercise %q: none was chosen: %w", exercise, ErrInvalid)
		}
		chosen = true
		_, err = tx.ExecContext(ctx, "INSERT INTO address_pools (exercise, pool, chosen_at) VALUES (?, ?, ?)", exercise, pool, ms(at))
		return err
	})
	if err != nil {
		return "", false, err
	}
	return pool, chosen, nil
}
