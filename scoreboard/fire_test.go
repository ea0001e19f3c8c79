package scoreboard

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// TestAddFiredOnceUnlessAgain: the store counts the executions that Ran
// and refuses a re-fire without again in the transaction that would store
// it, so of many fires at once exactly one is stored; skipped and missed
// executions are no runs.
func TestAddFiredOnceUnlessAgain(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	ctx := context.Background()
	fired := Execution{Exercise: "ex", Team: "cl1", Attack: "deface", Trigger: TriggerManual, Due: time.Minute, State: ExecApproved, Author: "ines"}
	for _, state := range []string{ExecSkipped, ExecMissed} {
		x := fired
		x.Trigger, x.State = TriggerTimeline, state
		if state == ExecMissed {
			x.Trigger = TriggerManual
		}
		if _, err := s.AddExecution(ctx, x); err != nil {
			t.Fatal(err)
		}
	}

	const fires = 8
	start := make(chan struct{})
	errs := make([]error, fires)
	befores := make([]int, fires)
	var wg sync.WaitGroup
	for i := range fires {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, befores[i], errs[i] = s.AddFired(ctx, fired, false)
		}()
	}
	close(start)
	wg.Wait()
	stored := 0
	for i, err := range errs {
		var ar *AlreadyRanError
		switch {
		case err == nil && befores[i] == 0:
			stored++
		case errors.As(err, &ar) && ar.Runs == 1 && errors.Is(err, ErrAlreadyRan) && errors.Is(err, ErrConflict):
		default:
			t.Errorf("fire %d: before %d, %v", i, befores[i], err)
		}
	}
	if stored != 1 {
		t.Fatalf("%d of %d fires at once stored; want 1", stored, fires)
	}
	if _, before, err := s.AddFired(ctx, fired, true); err != nil || before != 1 {
		t.Errorf("a re-fire: before %d, %v; want 1, nil", before, err)
	}
	if _, _, err := s.AddFired(ctx, fired, false); !errors.Is(err, ErrAlreadyRan) || err.Error() != `attack "deface" has already run against team "cl1" (2×): firing it again scores the team again` {
		t.Errorf("a third fire unconfirmed: %v", err)
	}
	timeline := fired
	timeline.Trigger = TriggerTimeline
	if _, _, err := s.AddFired(ctx, timeline, true); !errors.Is(err, ErrInvalid) {
		t.Errorf("a timeline execution as fired: %v; want ErrInvalid", err)
	}
	xs, err := s.Executions(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, x := range xs {
		if x.Ran() {
			ran++
		}
	}
	if len(xs) != 4 || ran != 2 {
		t.Errorf("%d executions, %d ran; want 4, 2", len(xs), ran)
	}
}
