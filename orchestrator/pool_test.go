package orchestrator_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// poolScenario is a scenario of one network without a subnet, so each team
// takes a share of 16 /24s from the pool.
func poolScenario(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, diags := scenarios.NewLoader().LoadScenario("../scenarios/testdata/valid/minimal")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return sc
}

func poolExercise(name string, teams int) *scenarios.Exercise {
	ex := scenarios.SampleExercise(teams)
	ex.Name = name
	return ex
}

// deployOn chooses the exercise's pool on the fake engine, plans it there
// and deploys it, as up does.
func deployOn(t *testing.T, f *orchestratortest.Runtime, sc *scenarios.Scenario, ex *scenarios.Exercise) orchestrator.PoolChoice {
	t.Helper()
	c, err := orchestrator.ChoosePool(context.Background(), f, sc, ex, nil)
	if err != nil {
		t.Fatalf("choose the pool of %s: %v", ex.Name, err)
	}
	ex.AddressPool = c.Pool.String()
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, err := upOn(f, desired(t, plans)); err != nil {
		t.Fatalf("deploy %s: %v", ex.Name, err)
	}
	return c
}

// upOn deploys on the fake engine, which has every image.
func upOn(f *orchestratortest.Runtime, d *orchestrator.Desired) (orchestrator.Plan, error) {
	for _, c := range d.Containers {
		f.AddImages(c.Image)
	}
	return orchestrator.Up(context.Background(), f, d, nil)
}

// foreignNetwork puts a network that is no exercise's on the fake engine,
// as another program would make it.
func foreignNetwork(f *orchestratortest.Runtime, name, subnet string) string {
	return f.AddNetwork(name, map[string]string{}, netip.MustParsePrefix(subnet))
}

func TestChoosePool(t *testing.T) {
	ctx := context.Background()
	sc := poolScenario(t)
	want := func(t *testing.T, c orchestrator.PoolChoice, pool string, from orchestrator.PoolFrom) {
		t.Helper()
		if c.Pool != netip.MustParsePrefix(pool) || c.From != from {
			t.Errorf("pool %v (from %d), want %s (from %d)", c.Pool, c.From, pool, from)
		}
	}

	t.Run("free: the historical default when the engine is empty", func(t *testing.T) {
		c, err := orchestrator.ChoosePool(ctx, orchestratortest.New(), sc, poolExercise("a", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		// Two teams of 16 /24s: a /19, where team 1 and 2 always were.
		want(t, c, "10.160.0.0/19", orchestrator.PoolFree)
	})

	t.Run("taken: the next block free of every network and pool", func(t *testing.T) {
		f := orchestratortest.New()
		deployOn(t, f, sc, poolExercise("a", 2))
		c, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("b", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.32.0/19", orchestrator.PoolFree)

		// A network of another program, and a pool kept elsewhere (a
		// store) for an exercise not deployed yet, are kept out of too.
		foreignNetwork(f, "lab", "10.160.40.0/24")
		c, err = orchestrator.ChoosePool(ctx, f, sc, poolExercise("b", 2), []netip.Prefix{netip.MustParsePrefix("10.160.64.0/19")})
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.96.0/19", orchestrator.PoolFree)
	})

	t.Run("taken: a labelled pool is kept out of whole, not only its subnets", func(t *testing.T) {
		f := orchestratortest.New()
		// Exercise a's pool holds two teams; only team 1 has a network.
		a := poolExercise("a", 2)
		deployOn(t, f, sc, a)
		for id, n := range f.Networks() {
			if n.Labels[orchestrator.LabelTeam] == "team-2" {
				f.DropNetwork(id)
			}
		}
		c, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("b", 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		// 10.160.16.0/20, team 2's share of a, has no network but is a's.
		want(t, c, "10.160.32.0/20", orchestrator.PoolFree)
	})

	t.Run("stable: an exercise keeps the pool its networks were made from", func(t *testing.T) {
		f := orchestratortest.New()
		other := foreignNetwork(f, "lab", "10.160.0.0/24")
		first := deployOn(t, f, sc, poolExercise("a", 2))
		want(t, first, "10.160.32.0/19", orchestrator.PoolFree)
		for _, n := range f.Networks() {
			if n.Labels[orchestrator.LabelExercise] == "a" && n.Labels[orchestrator.LabelPool] != "10.160.32.0/19" {
				t.Errorf("network %s is labelled with the pool %q, want 10.160.32.0/19", n.Name, n.Labels[orchestrator.LabelPool])
			}
		}
		// The block before it is free now; a stays where it is.
		f.DropNetwork(other)
		c, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("a", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.32.0/19", orchestrator.PoolKept)
		// Planned again from it, nothing changes.
		ex := poolExercise("a", 2)
		ex.AddressPool = c.Pool.String()
		plans, _ := scenarios.Plan(sc, ex)
		o, err := orchestrator.Observe(ctx, f, "a")
		if err != nil {
			t.Fatal(err)
		}
		if plan := orchestrator.Reconcile(desired(t, plans), o); !plan.Empty() {
			t.Errorf("a second deployment from the kept pool would:\n%s", plan)
		}
	})

	t.Run("stable: networks made before pools were labelled stay at the default", func(t *testing.T) {
		f := orchestratortest.New()
		ex := poolExercise("old", 2) // planned with the default pool, as before
		plans, _ := scenarios.Plan(sc, ex)
		d := desired(t, plans)
		for i := range d.Networks {
			delete(d.Networks[i].Labels, orchestrator.LabelPool)
		}
		if _, err := upOn(f, d); err != nil {
			t.Fatal(err)
		}
		c, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("old", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.0.0/19", orchestrator.PoolKept)
		c, err = orchestrator.ChoosePool(ctx, f, sc, poolExercise("new", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.32.0/19", orchestrator.PoolFree)
	})

	t.Run("stable: more teams widen the pool where it is, when the addresses beside it are free", func(t *testing.T) {
		f := orchestratortest.New()
		deployOn(t, f, sc, poolExercise("a", 1))
		c, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("a", 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.0.0/19", orchestrator.PoolKept)
	})

	t.Run("explicit: a written pool is kept as written, even taken", func(t *testing.T) {
		f := orchestratortest.New()
		deployOn(t, f, sc, poolExercise("a", 2))
		ex := poolExercise("b", 2)
		ex.AddressPool, ex.AddressPoolSet = "10.160.0.0/16", true
		c, err := orchestrator.ChoosePool(ctx, f, sc, ex, nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, "10.160.0.0/16", orchestrator.PoolWritten)
		plans, _ := scenarios.Plan(sc, ex)
		for _, n := range desired(t, plans).Networks {
			if pool, ok := n.Labels[orchestrator.LabelPool]; ok {
				t.Errorf("network %s of a written pool is labelled %q: the pool would be kept from others whole", n.Name, pool)
			}
		}
	})

	t.Run("unused: a scenario that writes every subnet asks the engine nothing", func(t *testing.T) {
		fixed, diags := scenarios.NewLoader().LoadScenario("../scenarios/testdata/fixed-subnet")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		c, err := orchestrator.ChoosePool(ctx, nil, fixed, poolExercise("a", 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, c, scenarios.DefaultAddressPool, orchestrator.PoolUnused)
	})

	t.Run("too small: no block is free", func(t *testing.T) {
		_, err := orchestrator.ChoosePool(ctx, orchestratortest.New(), sc, poolExercise("a", 2), []netip.Prefix{orchestrator.AutoPoolRange})
		var nf *orchestrator.NoFreePoolError
		if !errors.As(err, &nf) || !errors.Is(err, orchestrator.ErrNoFreePool) {
			t.Fatalf("got %v, want a *NoFreePoolError", err)
		}
		for _, s := range []string{`exercise "a" needs a /19 of addresses for its 2 teams`, "every /19 of 10.128.0.0/9", "set address_pool"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q does not say %q", err, s)
			}
		}
	})

	t.Run("too small: more teams than the range holds", func(t *testing.T) {
		_, err := orchestrator.ChoosePool(ctx, orchestratortest.New(), sc, poolExercise("a", 3000), nil)
		if !errors.Is(err, orchestrator.ErrNoFreePool) || !strings.Contains(err.Error(), "needs a /8 of addresses for its 3000 teams, more than the 10.128.0.0/9") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("too small: the kept pool cannot grow where it is", func(t *testing.T) {
		f := orchestratortest.New()
		deployOn(t, f, sc, poolExercise("a", 1))
		deployOn(t, f, sc, poolExercise("b", 1)) // right beside a
		_, err := orchestrator.ChoosePool(ctx, f, sc, poolExercise("a", 2), nil)
		var small *orchestrator.PoolTooSmallError
		if !errors.As(err, &small) || !errors.Is(err, orchestrator.ErrNoFreePool) {
			t.Fatalf("got %v, want a *PoolTooSmallError", err)
		}
		if !strings.Contains(err.Error(), `the networks of exercise "a" were made from the address pool 10.160.0.0/20, which holds 1 team of its scenario, and it has 2 teams now`) {
			t.Errorf("message: %v", err)
		}
	})
}

// The pool's label is not part of the config hash: ranges made before
// pools were labelled, or planned from another pool that places their
// teams where they are, are not recreated.
func TestPoolLabelKeepsConfigHash(t *testing.T) {
	sc := poolScenario(t)
	hashes := func(pool string, set bool) map[string]string {
		ex := poolExercise("a", 2)
		ex.AddressPool, ex.AddressPoolSet = pool, set
		plans, diags := scenarios.Plan(sc, ex)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		out := map[string]string{}
		d := desired(t, plans)
		for _, n := range d.Networks {
			out[n.Name] = n.Labels[orchestrator.LabelConfigHash]
		}
		for _, c := range d.Containers {
			out[c.Name] = c.Labels[orchestrator.LabelConfigHash]
		}
		return out
	}
	before := hashes(scenarios.DefaultAddressPool, true) // unlabelled, as ranges were made before
	after := hashes("10.160.0.0/19", false)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("hashes changed with the pool's label:\n%v\n%v", before, after)
	}
}

func TestPoolTakenBy(t *testing.T) {
	ctx := context.Background()
	sc := poolScenario(t)
	pool := netip.MustParsePrefix("10.160.0.0/19")
	f := orchestratortest.New()
	if by, err := orchestrator.PoolTakenBy(ctx, f, "a", pool); err != nil || by != "" {
		t.Errorf("on an empty engine: %q, %v", by, err)
	}
	foreignNetwork(f, "lab", "10.160.8.0/24")
	if by, err := orchestrator.PoolTakenBy(ctx, f, "a", pool); err != nil || by != "lab" {
		t.Errorf("with a network in the pool: %q, %v; want lab", by, err)
	}
	// Deployed from the pool, the exercise keeps it: the network in the
	// way is then the deployment's to report.
	a := poolExercise("a", 2)
	a.AddressPool = pool.String()
	plans, _ := scenarios.Plan(sc, a)
	if _, err := upOn(f, desired(t, plans)); err != nil {
		t.Fatal(err)
	}
	if by, err := orchestrator.PoolTakenBy(ctx, f, "a", pool); err != nil || by != "" {
		t.Errorf("for a deployed exercise: %q, %v", by, err)
	}
	// Another exercise's labelled pool takes it even where it has no
	// network.
	if by, _ := orchestrator.PoolTakenBy(ctx, f, "b", netip.MustParsePrefix("10.160.24.0/21")); !strings.HasPrefix(by, "cordillera-a-") {
		t.Errorf("a pool inside a's: taken by %q, want one of a's networks", by)
	}
}
