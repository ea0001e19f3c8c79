package main

import (
	"context"
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
func choosePool(ctx context.Context, rt orchestrator.Runtime, w io.Writer, p *printer) deploy.Pool {
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
			sayPool(w, p, ex.Name, c.Pool)
		}
		return nil
	}
}

// sayKeptPool says which pool run chose for an exercise, as up does, and
// why it chose again.
func sayKeptPool(w io.Writer, p *printer, ex *scenarios.Exercise, c *director.PoolChosen) {
	switch {
	case c == nil || !c.Now:
	case c.TakenBy != "":
		p.line(w, "pool.taken", c.Was.String(), ex.Name, c.TakenBy, c.Pool.String())
	default:
		sayPool(w, p, ex.Name, c.Pool)
	}
}

// sayPool tells the user that an exercise's teams are not at the addresses
// plan shows them at, and why.
func sayPool(w io.Writer, p *printer, exercise string, pool netip.Prefix) {
	def := netip.MustParsePrefix(scenarios.DefaultAddressPool)
	if pool.Addr() == def.Addr() {
		return
	}
	p.line(w, "pool.free", exercise, pool.String(), def.Addr().String())
}
