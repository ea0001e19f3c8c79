package scenarios

import (
	"net/netip"
	"testing"
)

func TestAddressPoolWrittenIsMarkedSet(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		pool      string
		set       bool
	}{
		{"written", `exercise "x" {
  scenario     = "water-utility"
  address_pool = "10.200.0.0/16"
  team "a" {
    name    = "A"
    country = "CL"
  }
}
`, "10.200.0.0/16", true},
		// Written as the default is still written: kept as it is, never
		// moved to a free block.
		{"written as the default", `exercise "x" {
  scenario     = "water-utility"
  address_pool = "10.160.0.0/12"
  team "a" {
    name    = "A"
    country = "CL"
  }
}
`, DefaultAddressPool, true},
		{"not written", `exercise "x" {
  scenario = "water-utility"
  team "a" {
    name    = "A"
    country = "CL"
  }
}
`, DefaultAddressPool, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, diags := NewLoader().ParseExercise("x.hcl", []byte(tc.src))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if ex.AddressPool != tc.pool || ex.AddressPoolSet != tc.set {
				t.Errorf("address pool %q, set %v; want %q, set %v", ex.AddressPool, ex.AddressPoolSet, tc.pool, tc.set)
			}
		})
	}
}

func TestPoolBits(t *testing.T) {
	minimal := loadFixture(t, "testdata/valid/minimal")
	fixed := loadFixture(t, "testdata/fixed-subnet")
	many := &Scenario{}
	for range 17 { // one more network than a share of 16 holds
		many.Networks = append(many.Networks, &Network{})
	}
	for _, tc := range []struct {
		name        string
		sc          *Scenario
		teams       int
		share, bits int
	}{
		{"one team", minimal, 1, 16, 20},
		{"two teams", minimal, 2, 16, 19},
		{"three teams round up to four", minimal, 3, 16, 18},
		{"256 teams fill the default pool", minimal, 256, 16, 12},
		{"257 teams need a wider one", minimal, 257, 16, 11},
		{"1000 teams", minimal, 1000, 16, 10},
		{"a share of 32", many, 2, 32, 18},
		{"every subnet written", fixed, 4, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TeamShare(tc.sc); got != tc.share {
				t.Errorf("TeamShare = %d, want %d", got, tc.share)
			}
			if got := PoolBits(tc.sc, tc.teams); got != tc.bits {
				t.Errorf("PoolBits(%d teams) = /%d, want /%d", tc.teams, got, tc.bits)
			}
		})
	}
}

func TestPlanCarriesTheChosenPool(t *testing.T) {
	sc := loadFixture(t, "testdata/valid/minimal")
	ex := SampleExercise(2)
	ex.AddressPool = "10.160.32.0/19" // as a deployment chooses it
	plans, diags := Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := netip.MustParsePrefix("10.160.32.0/19")
	for i, p := range plans {
		if p.AddressPool != want {
			t.Errorf("team %d: plan's pool %v, want %v", i+1, p.AddressPool, want)
		}
	}
	if got := plans[1].Networks[0].Subnet; got != netip.MustParsePrefix("10.160.48.0/24") {
		t.Errorf("team 2's first network %v, want 10.160.48.0/24: the second share of 16 /24s", got)
	}

	// A written pool is the exercise's own: the plans do not carry it,
	// so that deployments do not reserve it whole for the exercise.
	ex.AddressPoolSet = true
	plans, _ = Plan(sc, ex)
	if plans[0].AddressPool.IsValid() {
		t.Errorf("a written pool is carried by the plan: %v", plans[0].AddressPool)
	}
	// A scenario that writes every subnet takes nothing from any pool.
	fixed := loadFixture(t, "testdata/fixed-subnet")
	plans, _ = Plan(fixed, SampleExercise(1))
	if plans[0].AddressPool.IsValid() {
		t.Errorf("a scenario of written subnets carries the pool %v", plans[0].AddressPool)
	}
}
