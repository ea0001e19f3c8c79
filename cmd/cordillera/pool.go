package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
)

// choosePool gives an exercise the address pool up and reset plan it with
// on rt (orchestrator.ChoosePool): the one it writes; the one its networks
// were made from; or, for an exercise not deployed, the first free block.
// up and reset keep no database: the pool lives in the networks' labels,
// so an exercise taken down and deployed again may get another block. With
// w, a chosen block that is not where plan shows the teams is said there.
// Without an engine (rt nil) the exercise keeps the default pool: it is
// planned only for its mistakes to be shown before the engine's error.
func choosePool(ctx context.Context, rt orchestrator.Runtime, w io.Writer) deploy.Pool {
	return func(sc *scenarios.Scenario, ex *scenarios.Exercise) error {
		if rt == nil {
			return nil
		}
		c, err := orchestrator.ChoosePool(ctx, rt, sc, ex, nil)
		if err != nil {
			return err
		}
		ex.AddressPool = c.Pool.String()
		if c.From == orchestrator.PoolFree && w != nil {
			sayPool(w, ex.Name, c.Pool)
		}
		return nil
	}
}

// sayKeptPool says which pool run chose for an exercise, as up does, and
// why it chose again.
func sayKeptPool(w io.Writer, ex *scenarios.Exercise, p *director.PoolChosen) {
	switch {
	case p == nil || !p.Now:
	case p.TakenBy != "":
		fmt.Fprintf(w, "The address pool %s kept for exercise %s is used by the network %s now, and the exercise had no range yet: its teams get their subnets from %s instead.\n",
			p.Was, ex.Name, p.TakenBy, p.Pool)
	default:
		sayPool(w, ex.Name, p.Pool)
	}
}

// sayPool tells the user that an exercise's teams are not at the addresses
// plan shows them at, and why.
func sayPool(w io.Writer, exercise string, pool netip.Prefix) {
	def := netip.MustParsePrefix(scenarios.DefaultAddressPool)
	if pool.Addr() == def.Addr() {
		return
	}
	fmt.Fprintf(w, "Exercise %s's teams get their subnets from %s, a free block of this engine's addresses: those from %s on, which plan shows, are in use. Set address_pool in the exercise to choose the range yourself.\n",
		exercise, pool, def.Addr())
}
