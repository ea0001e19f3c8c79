package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// defaultHolder names this process in leases: its host, its process id,
// and a random part, so that two engines of one process differ too.
func defaultHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// takeLease makes this engine the exercise's one engine, waiting while
// another holds it: an engine that runs, or one that died without letting
// go, whose lease runs out within LeaseTTL. The wait is said once, as an
// event.
func (e *Engine) takeLease(ctx context.Context) error {
	ticks, stop := e.opt.NewTicker(min(e.opt.LeaseTTL/5, time.Second))
	defer stop()
	said := false
	for {
		now := e.opt.Now()
		got, other, err := e.store.AcquireLease(ctx, e.exercise.Name, e.opt.Holder, now, now.Add(e.opt.LeaseTTL))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if got {
			return nil
		}
		if !said {
			said = true
			c, err := e.store.Clock(ctx, e.exercise.Name)
			if err == nil {
				e.event(ctx, c, scoreboard.AudienceStaff, "", scoreboard.EventEngine, fmt.Sprintf(
					"Another engine (%s) runs this exercise: waiting until it stops, or for %s if it died.", other, e.opt.LeaseTTL))
			}
		}
		if e.waitsForLease != nil {
			e.waitsForLease(now)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}
