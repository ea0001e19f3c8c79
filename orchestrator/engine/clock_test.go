package engine

import (
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent"
)

// TestTheFakeClockTicksOnlyWhenMoved: the tests' tickers deliver when the
// clock reaches their next tick, once however far it moved (as a
// time.Ticker drops the ticks its reader missed), when the test ticks
// them, and not once stopped.
func TestTheFakeClockTicksOnlyWhenMoved(t *testing.T) {
	c := &fakeClock{now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	ticks, stop := c.NewTicker(time.Second)
	pending := func() bool {
		select {
		case <-ticks:
			return true
		default:
			return false
		}
	}
	c.Advance(999 * time.Millisecond)
	if pending() {
		t.Error("a tick before its second had passed")
	}
	c.Advance(time.Millisecond)
	if !pending() {
		t.Error("no tick once its second had passed")
	}
	c.Advance(time.Hour)
	if !pending() || pending() {
		t.Error("an hour on: want one tick, the others dropped")
	}
	c.Advance(999 * time.Millisecond) // the next is due an hour and 2s in
	if pending() {
		t.Error("a tick before the next was due")
	}
	c.Tick()
	if !pending() {
		t.Error("no tick when the test ticked the clock")
	}
	stop()
	c.Advance(time.Hour)
	c.Tick()
	if pending() {
		t.Error("a stopped ticker ticked")
	}
}

// TestAnEngineTicksOnARealTickerByDefault: unless told otherwise, an
// engine waits on a time.Ticker, as cordillera serve and run do.
func TestAnEngineTicksOnARealTickerByDefault(t *testing.T) {
	r := newRig(t)
	e, err := New(r.store, r.rt, r.sc, r.ex, r.plans, Options{Agent: agent.PoolOptions{Program: fakeProgram}})
	if err != nil {
		t.Fatal(err)
	}
	ticks, stop := e.opt.NewTicker(time.Millisecond)
	defer stop()
	select {
	case <-ticks:
	case <-time.After(10 * time.Second):
		t.Fatal("the default ticker never ticked")
	}
}
