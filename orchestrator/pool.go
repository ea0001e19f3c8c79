package orchestrator

// Address pools of several exercises on one engine: each exercise that
// writes no address_pool gets a block of its own, chosen free of every
// network on the engine and kept by a label on its networks.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/cordillera-range/cordillera/scenarios"
)

// AutoPoolRange is where Cordillera chooses the address pools of exercises
// that write none: half of 10.0.0.0/8, away from Docker's own default
// pools (172.17.0.0/16 and up, 192.168.0.0/16). The search starts at
// 10.160.0.0, the first address of scenarios.DefaultAddressPool, so that an
// exercise alone on an engine has the addresses exercises always had.
var AutoPoolRange = netip.MustParsePrefix("10.128.0.0/9")

// PoolFrom says where an exercise's address pool comes from.
type PoolFrom int

const (
	// PoolWritten: the exercise writes address_pool.
	PoolWritten PoolFrom = iota
	// PoolUnused: the scenario writes every network's subnet, so it takes
	// nothing from a pool; the exercise keeps the default.
	PoolUnused
	// PoolKept: the exercise's networks on the engine were made from it.
	PoolKept
	// PoolFree: chosen now, the first block of AutoPoolRange that no
	// network on the engine and no other exercise's pool overlaps.
	PoolFree
)

// PoolChoice is the address pool an exercise is planned with, and where
// it comes from.
type PoolChoice struct {
	Pool netip.Prefix
	From PoolFrom
}

// ErrNoFreePool: no block of addresses big enough for the exercise is
// free. The error is a *NoFreePoolError or a *PoolTooSmallError.
var ErrNoFreePool = errors.New("no free address pool")

// NoFreePoolError says that every block of AutoPoolRange big enough for an
// exercise overlaps a network on the engine or another exercise's pool.
type NoFreePoolError struct {
	Exercise string
	Teams    int
	// Bits is the prefix length of the block the teams need.
	Bits int
}

func (e *NoFreePoolError) Error() string {
	need := fmt.Sprintf("exercise %q needs a /%d of addresses for its %s", e.Exercise, e.Bits, teams(e.Teams))
	if e.Bits < AutoPoolRange.Bits() {
		return fmt.Sprintf("%s, more than the %s Cordillera chooses address pools from: set address_pool in the exercise to a range of /%d or wider that no network on the engine uses",
			need, AutoPoolRange, e.Bits)
	}
	return fmt.Sprintf("%s, and every /%d of %s overlaps a network on the engine or another exercise's address pool: take down the ranges of an exercise that is over (cordillera down NAME), or set address_pool in the exercise to a range of /%d or wider that no network on the engine uses",
		need, e.Bits, AutoPoolRange, e.Bits)
}

// Is makes errors.Is(err, ErrNoFreePool) hold.
func (e *NoFreePoolError) Is(target error) bool { return target == ErrNoFreePool }

// PoolTooSmallError says that an exercise has more teams than the pool its
// networks were made from holds, and that the pool cannot grow where it is.
type PoolTooSmallError struct {
	Exercise string
	Pool     netip.Prefix
	// Holds is how many teams of the scenario the pool holds; Teams how
	// many the exercise has.
	Holds, Teams int
}

func (e *PoolTooSmallError) Error() string {
	return fmt.Sprintf("the networks of exercise %q were made from the address pool %s, which holds %s of its scenario, and it has %s now; the addresses beside the pool are in use: take its ranges down (cordillera down %s) and deploy it again, so that a pool big enough is chosen, or set address_pool in the exercise",
		e.Exercise, e.Pool, teams(e.Holds), teams(e.Teams), e.Exercise)
}

// Is makes errors.Is(err, ErrNoFreePool) hold.
func (e *PoolTooSmallError) Is(target error) bool { return target == ErrNoFreePool }

func teams(n int) string {
	if n == 1 {
		return "1 team"
	}
	return fmt.Sprintf("%d teams", n)
}

// ChoosePool decides the address pool the exercise is planned with on the
// engine: the one it writes; else, when it has networks on the engine, the
// one they were made from (their LabelPool; networks made before pools
// were labelled came from scenarios.DefaultAddressPool), so that its
// teams keep their addresses, widened where it is when the exercise has
// more teams than it holds; else the first block of AutoPoolRange, from
// 10.160.0.0 on, big enough for its teams (scenarios.PoolBits) that
// overlaps no network on the engine, no other exercise's pool (their
// LabelPool) and none of reserved: the pools that exercises kept elsewhere
// (a store) hold before their networks exist.
//
// Only the engine's networks are read, so it works the same on any
// runtime. Two deployments choosing at the same moment, from two
// processes that share no store, may choose the same block: the second
// then fails with a *SubnetTakenError, and chooses another once its
// networks are taken down.
func ChoosePool(ctx context.Context, rt Runtime, sc *scenarios.Scenario, ex *scenarios.Exercise, reserved []netip.Prefix) (PoolChoice, error) {
	if ex.AddressPoolSet {
		p, err := netip.ParsePrefix(ex.AddressPool)
		if err != nil {
			return PoolChoice{}, fmt.Errorf("exercise %q: address pool %q: %w", ex.Name, ex.AddressPool, err)
		}
		return PoolChoice{Pool: p, From: PoolWritten}, nil
	}
	bits := scenarios.PoolBits(sc, len(ex.Teams))
	if bits == 0 {
		return PoolChoice{Pool: netip.MustParsePrefix(scenarios.DefaultAddressPool), From: PoolUnused}, nil
	}
	nets, err := rt.ListNetworks(ctx, nil)
	if err != nil {
		return PoolChoice{}, fmt.Errorf("exercise %q: choosing its address pool: list networks: %w", ex.Name, err)
	}
	taken := slices.Clone(reserved)
	var kept []netip.Prefix
	for _, n := range nets {
		pool, labelled := labelledPool(n)
		if n.Labels[LabelExercise] == ex.Name && n.Labels[LabelRole] == string(RoleNetwork) {
			if !labelled {
				// Made before pools were labelled, from the default
				// pool: its first block big enough for the teams
				// places every team where the whole pool did, and
				// keeps the rest of it for other exercises.
				def := netip.MustParsePrefix(scenarios.DefaultAddressPool)
				pool = netip.PrefixFrom(def.Addr(), max(bits, def.Bits()))
			}
			kept = append(kept, pool)
			continue
		}
		if n.Subnet.IsValid() {
			taken = append(taken, n.Subnet)
		}
		if labelled {
			taken = append(taken, pool)
		}
	}
	if len(kept) > 0 {
		return keptPool(ex, scenarios.TeamShare(sc), kept, bits, taken)
	}
	if bits < AutoPoolRange.Bits() {
		return PoolChoice{}, &NoFreePoolError{Exercise: ex.Name, Teams: len(ex.Teams), Bits: bits}
	}
	start := netip.PrefixFrom(netip.MustParsePrefix(scenarios.DefaultAddressPool).Addr(), bits).Masked()
	blocks := 1 << (bits - AutoPoolRange.Bits())
	first := blockIndex(start)
	for i := range blocks {
		p := nthBlock((first+i)%blocks, bits)
		if !overlapsAny(p, taken) {
			return PoolChoice{Pool: p, From: PoolFree}, nil
		}
	}
	return PoolChoice{}, &NoFreePoolError{Exercise: ex.Name, Teams: len(ex.Teams), Bits: bits}
}

// keptPool is the pool the exercise's networks were made from (the widest,
// should they say more than one), widened where it starts when the
// exercise has more teams than it holds and the addresses beside it are
// free, so that no team moves.
func keptPool(ex *scenarios.Exercise, share int, kept []netip.Prefix, bits int, taken []netip.Prefix) (PoolChoice, error) {
	pool := slices.MinFunc(kept, func(a, b netip.Prefix) int {
		if a.Bits() != b.Bits() {
			return a.Bits() - b.Bits()
		}
		return a.Addr().Compare(b.Addr())
	})
	if pool.Bits() <= bits {
		return PoolChoice{Pool: pool, From: PoolKept}, nil
	}
	wide := netip.PrefixFrom(pool.Addr(), bits).Masked()
	if wide.Addr() == pool.Addr() && !overlapsAny(wide, taken) {
		return PoolChoice{Pool: wide, From: PoolKept}, nil
	}
	holds := (1 << (24 - pool.Bits())) / share
	return PoolChoice{}, &PoolTooSmallError{Exercise: ex.Name, Pool: pool, Holds: holds, Teams: len(ex.Teams)}
}

// labelledPool is the pool a network says it was made from, if it says.
func labelledPool(n Network) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(n.Labels[LabelPool])
	return p, err == nil && p.Addr().Is4()
}

func overlapsAny(p netip.Prefix, others []netip.Prefix) bool {
	return slices.ContainsFunc(others, p.Overlaps)
}

// blockIndex is which block of AutoPoolRange, of p's size, p is.
func blockIndex(p netip.Prefix) int {
	return int((addrNum(p.Addr()) - addrNum(AutoPoolRange.Addr())) >> (32 - p.Bits()))
}

// nthBlock is the i-th block of AutoPoolRange with the prefix length bits.
func nthBlock(i, bits int) netip.Prefix {
	v := addrNum(AutoPoolRange.Addr()) + uint32(i)<<(32-bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
}

func addrNum(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// PoolTakenBy says whether a pool kept for an exercise elsewhere (a store),
// chosen before the exercise was deployed, has been taken since: it names
// a network on the engine, not the exercise's, that overlaps the pool, or
// the pool of its exercise does. It returns "" when none does, and when the
// exercise has networks on the engine: they were made from the pool, and
// the exercise keeps it.
func PoolTakenBy(ctx context.Context, rt Runtime, exercise string, pool netip.Prefix) (string, error) {
	nets, err := rt.ListNetworks(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("exercise %q: checking its address pool: list networks: %w", exercise, err)
	}
	by := ""
	for _, n := range nets {
		if n.Labels[LabelExercise] == exercise && n.Labels[LabelRole] == string(RoleNetwork) {
			return "", nil
		}
		other, labelled := labelledPool(n)
		if by == "" && (n.Subnet.IsValid() && n.Subnet.Overlaps(pool) || labelled && other.Overlaps(pool)) {
			by = n.Name
		}
	}
	return by, nil
}
