package director

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// PoolChosen says which address pool an exercise kept in a store is
// planned with, when it is not the one the exercise writes.
type PoolChosen struct {
	Pool netip.Prefix
	// Now is true when the pool was chosen by this call and kept; false
	// when it was kept already.
	Now bool
	// Tentative is true when there is no engine to choose a free block
	// on and none is kept: the exercise is planned with the default pool
	// until it is planned with an engine (it cannot be deployed before).
	Tentative bool
	// Was is the pool kept before, when it was chosen again because the
	// network TakenBy took it before the exercise was deployed.
	Was     netip.Prefix
	TakenBy string
}

// keepPool gives ex, an exercise kept in the store and planned on sc, its
// address pool: the one it writes; the one the store keeps for it; or one
// chosen now on rt (orchestrator.ChoosePool, keeping out of the pools the
// store keeps for the other exercises not ended) and kept, so that every
// later plan of the exercise, after a restart too, has the same addresses.
// A kept pool that a network not of the exercise has taken before the
// exercise was deployed is chosen again.
// Without an engine and with no pool kept, ex keeps the default pool and
// nothing is kept. It returns nil when the exercise writes its pool or its
// scenario takes nothing from one.
func keepPool(ctx context.Context, store *scoreboard.Store, rt orchestrator.Runtime, sc *scenarios.Scenario, ex *scenarios.Exercise, now time.Time) (*PoolChosen, error) {
	if ex.AddressPoolSet || scenarios.PoolBits(sc, len(ex.Teams)) == 0 {
		return nil, nil
	}
	if rt == nil {
		pool, err := store.AddressPool(ctx, ex.Name)
		if errors.Is(err, scoreboard.ErrNotFound) {
			return &PoolChosen{Pool: netip.MustParsePrefix(ex.AddressPool), Tentative: true}, nil
		}
		if err != nil {
			return nil, err
		}
		return usePool(ex, pool, false)
	}
	var was netip.Prefix
	var takenBy string
	pool, chosen, err := store.ClaimAddressPool(ctx, ex.Name, now, func(kept string, others []string) (string, error) {
		if p, err := netip.ParsePrefix(kept); err == nil {
			// Kept before the exercise was deployed, the pool may have
			// been taken since by what does not share this store (an
			// up, another database's exercise): it is chosen again
			// then, as no range was made from it.
			by, err := orchestrator.PoolTakenBy(ctx, rt, ex.Name, p)
			if err != nil || by == "" {
				return kept, err
			}
			was, takenBy = p, by
		}
		var reserved []netip.Prefix
		for _, o := range others {
			if p, err := netip.ParsePrefix(o); err == nil {
				reserved = append(reserved, p)
			}
		}
		c, err := orchestrator.ChoosePool(ctx, rt, sc, ex, reserved)
		if err != nil {
			return "", err
		}
		return c.Pool.String(), nil
	})
	if errors.Is(err, orchestrator.ErrNoFreePool) {
		return nil, poolError{err}
	}
	if err != nil {
		return nil, err
	}
	c, err := usePool(ex, pool, chosen)
	if c != nil && chosen {
		c.Was, c.TakenBy = was, takenBy
	}
	return c, err
}

func usePool(ex *scenarios.Exercise, pool string, now bool) (*PoolChosen, error) {
	p, err := netip.ParsePrefix(pool)
	if err != nil {
		return nil, fmt.Errorf("exercise %q: the address pool kept for it, %q, is not one: the database is damaged", ex.Name, pool)
	}
	ex.AddressPool = p.String()
	return &PoolChosen{Pool: p, Now: now}, nil
}

// poolError is an exercise for which no address pool is free: a mistake
// the instructor can fix (take down an exercise that is over, or write an
// address_pool), not a failure of the server.
type poolError struct{ err error }

func (e poolError) Error() string { return e.err.Error() }
func (e poolError) Unwrap() error { return e.err }

func (e poolError) Is(target error) bool { return target == ErrInvalid }

// logPool says which address pool an exercise is planned with, when
// Cordillera chose it.
func (d *Director) logPool(ex *scenarios.Exercise, p *PoolChosen) {
	switch {
	case p == nil:
	case p.Tentative:
		d.log.Info("address pool not chosen yet: the exercise is planned with the default pool until an engine is reachable",
			"exercise", ex.Name, "pool", p.Pool)
	case p.Now && p.TakenBy != "":
		d.log.Warn("address pool chosen again: another network took the one kept before the exercise was deployed",
			"exercise", ex.Name, "pool", p.Pool, "was", p.Was, "taken_by", p.TakenBy)
	case p.Now:
		d.log.Info("address pool chosen", "exercise", ex.Name, "pool", p.Pool)
	}
}

// poolTaken says how to fix a deployment that met a network in the address
// pool Cordillera chose for the exercise: what took it came after the pool
// was chosen, and the exercise, planned from that pool when it was made or
// taken up, gets a free one when it is planned again with no range.
func poolTaken(x *Exercise, err error) error {
	if !errors.Is(err, orchestrator.ErrSubnetTaken) || x.Spec.AddressPoolSet {
		return err
	}
	return fmt.Errorf("%w; the address pool of exercise %s was chosen free before its ranges were made, and another network has taken part of it since: tear its ranges down, then restart cordillera serve, which chooses the exercise a free pool", err, x.Name)
}
