package engine

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestFireAtOnceFiresOnce: two instructors (or one double submit) firing
// an attack that has not run against a team fire it once: the other is
// refused with ErrAlreadyRan, by the store's transaction that stores the
// first. A re-fire, asked for, fires it again; a skipped execution is no
// run, so firing after it is no re-fire.
func TestFireAtOnceFiresOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.engine()
	if err := e.Start(ctx, "instructor", 0); err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.Fire(ctx, "cl", "deface", "instructor")
		}()
	}
	close(start)
	wg.Wait()
	var fired, refused int
	for _, err := range errs {
		var ar *scoreboard.AlreadyRanError
		switch {
		case err == nil:
			fired++
		case errors.Is(err, scoreboard.ErrAlreadyRan) && errors.Is(err, scoreboard.ErrConflict) && errors.As(err, &ar) && ar.Runs == 1:
			refused++
		default:
			t.Errorf("a fire: %v", err)
		}
	}
	count := func(team string) int {
		xs, err := r.store.Executions(ctx, r.ex.Name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range xs {
			if x.Team == team && x.Attack == "deface" && x.Trigger == scoreboard.TriggerManual {
				n++
			}
		}
		return n
	}
	if fired != 1 || refused != 1 || count("cl") != 1 {
		t.Fatalf("two fires at once: %d fired, %d refused (%v), %d executions; want 1, 1, 1", fired, refused, errs, count("cl"))
	}

	f, err := e.Refire(ctx, "cl", "deface", "instructor")
	if err != nil || f.Before != 1 || f.ID == 0 {
		t.Fatalf("a re-fire: %+v, %v; want a new execution after 1 run", f, err)
	}
	if n := count("cl"); n != 2 {
		t.Errorf("after a re-fire: %d executions, want 2", n)
	}

	if err := e.Skip(ctx, 0, "co", "deface", "instructor", "their range is being fixed"); err != nil {
		t.Fatal(err)
	}
	if f, err := e.Fire(ctx, "co", "deface", "instructor"); err != nil || f.Before != 0 {
		t.Errorf("firing an attack that was skipped: %+v, %v; want a first fire", f, err)
	}
}
