package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// poolExercise writes an exercise of two teams of testdata/range that
// writes no address_pool, and takes it down when the test ends.
func poolExercise(t *testing.T, rt orchestrator.Runtime) (file, name string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "range"))
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	rand.Read(b[:])
	name = "pool-" + hex.EncodeToString(b[:])
	file = filepath.Join(t.TempDir(), name+".hcl")
	src := fmt.Sprintf(`exercise %q {
  scenario = %q
  seed     = "pool-test"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
`, name, dir)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := orchestrator.Down(ctx, rt, name, nil); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		assertGone(t, rt, name)
	})
	return file, name
}

// poolOf is the pool the exercise's networks on the engine are labelled
// with; every network must say the same.
func poolOf(t *testing.T, rt orchestrator.Runtime, exercise string) netip.Prefix {
	t.Helper()
	o, err := orchestrator.Observe(context.Background(), rt, exercise)
	if err != nil {
		t.Fatal(err)
	}
	var pool netip.Prefix
	for _, n := range o.Networks {
		p, err := netip.ParsePrefix(n.Labels[orchestrator.LabelPool])
		switch {
		case err != nil:
			t.Fatalf("network %s has no pool label: %v", n.Name, n.Labels)
		case pool.IsValid() && p != pool:
			t.Fatalf("networks of %s are labelled %s and %s", exercise, pool, p)
		case !p.Contains(n.Subnet.Addr()):
			t.Errorf("network %s (%s) is outside its pool %s", n.Name, n.Subnet, p)
		}
		pool = p
	}
	if !pool.IsValid() {
		t.Fatalf("exercise %s has no network", exercise)
	}
	return pool
}

// webAt is the address of the team's host web on the engine.
func webAt(t *testing.T, rt orchestrator.Runtime, exercise, team string) netip.Addr {
	t.Helper()
	o, err := orchestrator.Observe(context.Background(), rt, exercise)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Containers {
		if orchestrator.KeyOf(c.Labels) == (orchestrator.Key{Team: team, Role: orchestrator.RoleHost, Name: "web"}) {
			for _, a := range c.Addresses {
				return a
			}
		}
	}
	t.Fatalf("team %s of %s has no host web with an address", team, exercise)
	return netip.Addr{}
}

func addrPlus(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Two exercises that write no address_pool, deployed side by side on one
// engine, each get a block of their own, and every check of each passes
// from its scorebot at the addresses of its block; deployed again, an
// exercise keeps its block, even when an earlier one has come free.
func TestExercisesWithoutPoolSideBySide(t *testing.T) {
	rt := needDocker(t)
	ctx := context.Background()
	fileA, nameA := poolExercise(t, rt)
	fileB, nameB := poolExercise(t, rt)

	// Another program's network takes the block a would get now.
	sc, diags := scenarios.NewLoader().LoadScenario(filepath.Join("testdata", "range"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ex := scenarios.SampleExercise(2)
	ex.Name = nameA
	first, err := orchestrator.ChoosePool(ctx, rt, sc, ex, nil)
	if err != nil || first.From != orchestrator.PoolFree || first.Pool.Bits() != 19 {
		t.Fatalf("the block a would get: %+v, %v; want a free /19", first, err)
	}
	blocker := netip.PrefixFrom(first.Pool.Addr(), 24)
	blockerID, err := rt.CreateNetwork(ctx, orchestrator.NetworkSpec{
		Name: "pool-test-other-" + nameA, Labels: map[string]string{"purpose": "cordillera pool test"},
		Subnet: blocker, Gateway: addrPlus(blocker.Addr(), 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	removed := false
	removeBlocker := func() {
		if !removed {
			removed = true
			if err := rt.RemoveNetwork(context.Background(), blockerID); err != nil {
				t.Errorf("remove the other network: %v", err)
			}
		}
	}
	t.Cleanup(removeBlocker)

	up := func(file string) string {
		t.Helper()
		out, errs, code := cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "2m")
		if code != 0 || !strings.Contains(out, "Every check passes") {
			t.Fatalf("up %s: exit %d\n%s%s", file, code, out, errs)
		}
		return out
	}
	outA := up(fileA)
	poolA := poolOf(t, rt, nameA)
	outB := up(fileB)
	poolB := poolOf(t, rt, nameB)

	for _, c := range []struct {
		name string
		pool netip.Prefix
		out  string
	}{{nameA, poolA, outA}, {nameB, poolB, outB}} {
		if c.pool.Bits() != 19 || !orchestrator.AutoPoolRange.Contains(c.pool.Addr()) || c.pool.Overlaps(blocker) {
			t.Errorf("exercise %s got the pool %s; want a /19 of %s clear of %s", c.name, c.pool, orchestrator.AutoPoolRange, blocker)
		}
		if want := fmt.Sprintf("Exercise %s's teams get their subnets from %s", c.name, c.pool); !strings.Contains(c.out, want) {
			t.Errorf("up of %s does not say %q:\n%s", c.name, want, c.out)
		}
		// Team 1 at the first /24 of the block, team 2 16 /24s on, as
		// the plans the checks come from say.
		if got, want := webAt(t, rt, c.name, "cl-1"), addrPlus(c.pool.Addr(), 10); got != want {
			t.Errorf("%s cl-1's web at %s, want %s", c.name, got, want)
		}
		if got, want := webAt(t, rt, c.name, "co-1"), addrPlus(c.pool.Addr(), 16<<8+10); got != want {
			t.Errorf("%s co-1's web at %s, want %s", c.name, got, want)
		}
	}
	t.Logf("another network at %s; %s got %s, %s got %s", blocker, nameA, poolA, nameB, poolB)
	if poolA.Overlaps(poolB) {
		t.Fatalf("both exercises got overlapping pools: %s and %s", poolA, poolB)
	}

	// The block before a's is free now; a stays where it is, and only a
	// new exercise would be given that block.
	removeBlocker()
	out, errs, code := cordillera(t, "up", "--exercise", fileA, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 0 || !strings.Contains(out, "Nothing to change") || strings.Contains(out, "get their subnets from") {
		t.Errorf("second up of %s: exit %d, want nothing to change and no new pool:\n%s%s", nameA, code, out, errs)
	}
	if again := poolOf(t, rt, nameA); again != poolA {
		t.Errorf("a second up moved %s from %s to %s", nameA, poolA, again)
	}
	ex.Name = "pool-test-new"
	if fresh, err := orchestrator.ChoosePool(ctx, rt, sc, ex, nil); err != nil || fresh.Pool != first.Pool {
		t.Errorf("a new exercise would get %v (%v), want the freed block %s", fresh.Pool, err, first.Pool)
	}

	// reset plans the host from the same pool: its address stays.
	before := webAt(t, rt, nameB, "co-1")
	out, errs, code = cordillera(t, "reset", "--exercise", fileB, "--team", "co-1", "--host", "web")
	if code != 0 || !strings.Contains(out, before.String()) {
		t.Errorf("reset of %s's co-1 web: exit %d, want it recreated at %s:\n%s%s", nameB, code, before, out, errs)
	}
	if after := webAt(t, rt, nameB, "co-1"); after != before {
		t.Errorf("reset moved co-1's web from %s to %s", before, after)
	}
}
