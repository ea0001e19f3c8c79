package scoreboard

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cordillera-range/cordillera/scenarios"
)

// An exercise's address pool is chosen once and kept across a reopening;
// the chooser is told the kept pool and the pools of the other exercises
// that have not ended, and may choose again.
func TestClaimAddressPool(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "pools.db")
	s := openStore(t, file)
	if _, err := s.AddressPool(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pool of an exercise without one: %v; want ErrNotFound", err)
	}
	pool, chosen, err := s.ClaimAddressPool(ctx, "a", t0, func(kept string, others []string) (string, error) {
		if kept != "" || len(others) != 0 {
			t.Errorf("kept %q, others %q; want none", kept, others)
		}
		return "10.160.0.0/19", nil
	})
	if err != nil || pool != "10.160.0.0/19" || !chosen {
		t.Fatalf("first claim: %q, chosen %v, %v", pool, chosen, err)
	}
	s.Close()

	s = openStore(t, file)
	pool, chosen, err = s.ClaimAddressPool(ctx, "a", t0, func(kept string, _ []string) (string, error) {
		if kept != "10.160.0.0/19" {
			t.Errorf("kept %q, want the pool chosen before", kept)
		}
		return kept, nil
	})
	if err != nil || pool != "10.160.0.0/19" || chosen {
		t.Fatalf("second claim: %q, changed %v, %v; want the kept pool", pool, chosen, err)
	}
	if got, err := s.AddressPool(ctx, "a"); err != nil || got != "10.160.0.0/19" {
		t.Errorf("AddressPool = %q, %v", got, err)
	}

	// Exercise a ends: its pool is no longer kept from others.
	if err := s.CreateExercise(ctx, Exercise{Name: "a", Scoring: scenarios.DefaultScoring(), CreatedAt: t0}, []Team{{ID: "t", Country: "CL"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimAddressPool(ctx, "b", t0, func(_ string, others []string) (string, error) {
		if !slices.Equal(others, []string{"10.160.0.0/19"}) {
			t.Errorf("others %q, want a's", others)
		}
		return "10.160.32.0/19", nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.EndExercise(ctx, "a", t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimAddressPool(ctx, "c", t0, func(_ string, others []string) (string, error) {
		if !slices.Equal(others, []string{"10.160.32.0/19"}) {
			t.Errorf("others %q, want b's only: a has ended", others)
		}
		return "10.160.64.0/19", nil
	}); err != nil {
		t.Fatal(err)
	}

	// A pool chosen again replaces the kept one.
	pool, chosen, err = s.ClaimAddressPool(ctx, "c", t0, func(string, []string) (string, error) { return "10.160.96.0/19", nil })
	if err != nil || pool != "10.160.96.0/19" || !chosen {
		t.Errorf("claim with another pool: %q, changed %v, %v", pool, chosen, err)
	}
	if got, _ := s.AddressPool(ctx, "c"); got != "10.160.96.0/19" {
		t.Errorf("c keeps %q after it was chosen again", got)
	}

	// A chooser's error stores nothing.
	boom := errors.New("no engine")
	if _, _, err := s.ClaimAddressPool(ctx, "d", t0, func(string, []string) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("claim with a failing chooser: %v", err)
	}
	if _, err := s.AddressPool(ctx, "d"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed claim kept a pool: %v", err)
	}
}
