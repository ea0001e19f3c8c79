package scoreboard

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// TestVersionMovesOnWrites: a write this Store commits moves its version on
// at once and wakes whoever waits for it; a read does not.
func TestVersionMovesOnWrites(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	v, changed := s.Changed()
	if _, err := s.Standings(ctx, "ex", Public); err != nil {
		t.Fatal(err)
	}
	if got := s.Version(); got != v {
		t.Errorf("a read moved the version from %d to %d", v, got)
	}
	ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: 1, Up: true, Moment: at(30 * time.Second)}))
	select {
	case <-changed:
	default:
		t.Fatal("a check recorded did not wake the waiter")
	}
	if got := s.Version(); got <= v {
		t.Errorf("after a write the version is %d, was %d", got, v)
	}
}

// TestVersionSeesOtherProcesses: what another connection to the file
// commits moves the version on, once the watcher looks.
func TestVersionSeesOtherProcesses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "shared.db")
	server := openStore(t, path)
	other := openStore(t, path)
	if err := other.CreateExercise(ctx, Exercise{Name: "ex", Title: "Test", Scenario: "water-utility", Scoring: scenarios.DefaultScoring(), CreatedAt: t0},
		[]Team{{ID: "cl1", Country: "CL"}}); err != nil {
		t.Fatal(err)
	}
	watching := make(chan error, 1)
	go func() { watching <- server.WatchOthers(ctx, 10*time.Millisecond) }()
	// The watcher's first look may come after a write: write until one
	// moves the version on.
	v, changed := server.Changed()
	for round := 1; server.Version() == v; round++ {
		if round > 50 {
			t.Fatal("50 writes of another connection did not move the version on")
		}
		ok(t)(other.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: round, Up: true, Moment: at(time.Duration(round) * time.Minute)}))
		select {
		case <-changed:
		case err := <-watching:
			t.Fatalf("the watcher stopped: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	cancel()
	if err := <-watching; err != context.Canceled {
		t.Errorf("the watcher ended with %v, want context.Canceled", err)
	}
}
