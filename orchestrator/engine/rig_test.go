package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// fakeRuntime stands in for the container engine: each team has a web
// host, a red attacker and a scorebot, and exec runs what the test says.
// The scorebot's agent is the real protocol server, in-process, whose
// checks answer as check says (every check passes when it is nil).
type fakeRuntime struct {
	orchestrator.Runtime // the methods the engine does not use panic
	mu                   sync.Mutex
	exec                 func(team, name string, cmd []string) (orchestrator.ExecResult, error)
	check                func(ctx context.Context, team string, c probe.Check) probe.Result
	ran                  []string // team/name: command, in order
	down                 map[string]bool
	nodeDown             map[string]string               // team: the cluster node it is on, down
	agents               int                             // agents started
	kills                map[string][]context.CancelFunc // team: its agents' ends
}

// killAgents ends every agent running in a team's scorebot, as a crash or
// a kill of the process would.
func (f *fakeRuntime) killAgents(team string) {
	f.mu.Lock()
	kills := f.kills[team]
	delete(f.kills, team)
	f.mu.Unlock()
	for _, kill := range kills {
		kill()
	}
}

// fakeProgram is the agent program the engine's tests put into scorebots.
func fakeProgram() (agent.Program, error) {
	return agent.Program{Data: []byte("agent"), Sum: "fake-sum", From: "the test"}, nil
}

func (f *fakeRuntime) PutFile(_ context.Context, id, path string, _ fs.FileMode, _ []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, id+": put "+path)
	return nil
}

func (f *fakeRuntime) ExecInteractive(context.Context, string, []string, orchestrator.TermSize) (orchestrator.Session, error) {
	return nil, errors.New("the engine opens no terminal")
}

func (f *fakeRuntime) ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, _ io.Writer) (int, error) {
	team, _, _ := strings.Cut(id, "/")
	f.mu.Lock()
	if node := f.nodeDown[team]; node != "" {
		f.mu.Unlock()
		return 0, &orchestrator.NodeDownError{Nodes: []string{node}, Cause: fmt.Errorf("its engine: %w", orchestrator.ErrEngineUnreachable)}
	}
	f.ran = append(f.ran, id+": "+strings.Join(cmd, " "))
	f.agents++
	ctx, kill := context.WithCancel(ctx)
	defer kill()
	if f.kills == nil {
		f.kills = map[string][]context.CancelFunc{}
	}
	f.kills[team] = append(f.kills[team], kill)
	f.mu.Unlock()
	srv := &probe.Server{Version: "test", Sum: "fake-sum", Run: func(ctx context.Context, c probe.Check) probe.Result {
		f.mu.Lock()
		check := f.check
		f.mu.Unlock()
		if check == nil {
			return probe.Result{Up: true, Detail: "open"}
		}
		return check(ctx, team, c)
	}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, stdin, stdout) }()
	select {
	case err := <-served:
		if err != nil {
			return 2, nil
		}
		return 0, nil
	case <-ctx.Done():
		// Killed: the stream ends now, whatever the agent was doing.
		return 137, nil
	}
}

func (f *fakeRuntime) ListContainers(_ context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	team, role, name := labels[orchestrator.LabelTeam], labels[orchestrator.LabelRole], labels[orchestrator.LabelName]
	if role == string(orchestrator.RoleScorebot) {
		name = "scorebot"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := team + "/" + name
	if f.down[id] {
		return nil, nil
	}
	if node := f.nodeDown[team]; node != "" {
		return nil, &orchestrator.NodeDownError{Nodes: []string{node}, Teams: []string{labels[orchestrator.LabelExercise] + "/" + team},
			Cause: fmt.Errorf("its engine: %w", orchestrator.ErrEngineUnreachable)}
	}
	return []orchestrator.Container{{ID: id, Name: id, Running: true, State: "running", Labels: labels}}, nil
}

func (f *fakeRuntime) Exec(ctx context.Context, id string, spec orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	team, name, _ := strings.Cut(id, "/")
	f.mu.Lock()
	f.ran = append(f.ran, id+": "+strings.Join(spec.Cmd, " "))
	exec := f.exec
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return orchestrator.ExecResult{}, err
	}
	if exec != nil {
		return exec(team, name, spec.Cmd)
	}
	return orchestrator.ExecResult{Output: []byte("ok")}, nil
}

func (f *fakeRuntime) commands(match string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.ran {
		if strings.Contains(r, match) {
			out = append(out, r)
		}
	}
	return out
}

// fakeClock is a wall clock the test moves by hand, and the tickers the
// engine waits on: a ticker delivers when the clock is moved to or past
// its next tick, never otherwise, and, like a time.Ticker, drops the
// ticks its reader is too slow for.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers map[*fakeTicker]bool
}

type fakeTicker struct {
	c     chan time.Time
	every time.Duration
	next  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTicker is the engine's Options.NewTicker on this clock.
func (c *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time, 1), every: d, next: c.now.Add(d)}
	if c.tickers == nil {
		c.tickers = map[*fakeTicker]bool{}
	}
	c.tickers[t] = true
	return t.c, func() {
		c.mu.Lock()
		delete(c.tickers, t)
		c.mu.Unlock()
	}
}

// Advance moves the clock on by d, and delivers the ticks that fell due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.deliver()
	c.mu.Unlock()
}

// Tick delivers a tick to every ticker now, the clock left as it is: the
// engine looks again at the same time, as it does when its Tick of real
// time passes and the exercise's time barely moves.
func (c *fakeClock) Tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range c.tickers {
		select {
		case t.c <- c.now:
		default: // its reader has a tick still to take
		}
	}
}

// deliver sends each ticker that is due its tick, with c.mu held.
func (c *fakeClock) deliver() {
	for t := range c.tickers {
		if t.next.After(c.now) {
			continue
		}
		select {
		case t.c <- c.now:
		default: // its reader has a tick still to take: this one is dropped
		}
		t.next = t.next.Add((c.now.Sub(t.next)/t.every + 1) * t.every)
	}
}

// rig is an engine on the test drill, a fresh store and a fake runtime.
type rig struct {
	t     *testing.T
	store *scoreboard.Store
	rt    *fakeRuntime
	clock *fakeClock
	sc    *scenarios.Scenario
	ex    *scenarios.Exercise
	plans []*scenarios.TeamPlan
	db    string

	// notices is what the rig's engines said they did, in order; changed
	// is closed, and made anew, at each.
	mu      sync.Mutex
	notices []notice
	changed chan struct{}
	// metrics is what every engine of the rig counts.
	metrics *metrics.Metrics
}

// notice is an engine saying it looked at the clock at now: it finished a
// tick, or it was refused the lease and waits.
type notice struct {
	e     *Engine
	lease bool
	now   time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ex, sc, diags := scenarios.NewLoader().LoadExercise(filepath.Join("testdata", "exercise.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r := &rig{t: t, rt: &fakeRuntime{down: map[string]bool{}}, sc: sc, ex: ex, plans: plans,
		clock: &fakeClock{now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)},
		db:    filepath.Join(t.TempDir(), "cordillera.db"), changed: make(chan struct{}), metrics: metrics.New(metrics.Options{})}
	r.open()
	// Deface works against cl and is blocked by co.
	r.rt.exec = func(team, name string, cmd []string) (orchestrator.ExecResult, error) {
		line := strings.Join(cmd, " ")
		if team == "co" && strings.Contains(line, "echo pwned") {
			return orchestrator.ExecResult{ExitCode: 1, Output: []byte("connection refused")}, nil
		}
		if i := strings.Index(line, "echo "); i >= 0 {
			return orchestrator.ExecResult{Output: []byte(line[i+5:] + "\n")}, nil
		}
		return orchestrator.ExecResult{Output: []byte("ok")}, nil
	}
	return r
}

func (r *rig) open() {
	r.t.Helper()
	s, err := scoreboard.Open(context.Background(), r.db)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { s.Close() })
	r.store = s
}

func (r *rig) engine() *Engine {
	r.t.Helper()
	e, err := New(r.store, r.rt, r.sc, r.ex, r.plans, Options{Now: r.clock.Now, NewTicker: r.clock.NewTicker,
		Tick: 5 * time.Millisecond, AttackJitter: -1, Agent: agent.PoolOptions{Program: fakeProgram}, Metrics: r.metrics})
	if err != nil {
		r.t.Fatal(err)
	}
	e.ticked = func(in inputs, _ []action) { r.hear(notice{e: e, now: in.now}) }
	e.waitsForLease = func(now time.Time) { r.hear(notice{e: e, lease: true, now: now}) }
	if err := e.Prepare(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return e
}

// run runs the engine until the returned stop is called.
func (r *rig) run(e *Engine) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func (r *rig) hear(n notice) {
	r.mu.Lock()
	r.notices = append(r.notices, n)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// await waits until ok holds of the notices heard, each time one is heard:
// it does not poll. It fails the test at the deadline, a generous bound.
func (r *rig) await(what string, deadline time.Time, ok func([]notice) bool) {
	r.t.Helper()
	bound := time.NewTimer(time.Until(deadline))
	defer bound.Stop()
	for {
		r.mu.Lock()
		done, changed := ok(r.notices), r.changed
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-bound.C:
			r.t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// step ticks the engines at the virtual clock's time, and waits until
// one has told of a tick, or of a wait for the lease, since: the loop
// wakes when the test steps it, and at no other time. A tick under way
// as the test steps may be the one heard; eventually asks again, so that
// costs a step, never a wrong answer.
func (r *rig) step(what string, deadline time.Time) {
	r.t.Helper()
	r.mu.Lock()
	heard := len(r.notices)
	r.mu.Unlock()
	r.clock.Tick()
	r.await(what, deadline, func(ns []notice) bool { return len(ns) > heard })
}

// eventually steps the engines, a tick at a time, until cond holds:
// for what a tick does, or what runs beside the loop (rounds, attacks),
// to be done. It fails the test after a generous bound.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		r.step(what, deadline)
	}
}

// watcher hears what one of the rig's engines did.
type watcher struct {
	r *rig
	e *Engine
}

func (r *rig) watch(e *Engine) *watcher { return &watcher{r: r, e: e} }

// looked waits until the engine has finished a tick that read the clock
// at or after at: whatever was due then has been done.
func (w *watcher) looked(at time.Time) {
	w.r.t.Helper()
	w.r.await("a tick at "+at.Format(time.TimeOnly), time.Now().Add(10*time.Second), func(ns []notice) bool {
		return slices.ContainsFunc(ns, func(n notice) bool { return n.e == w.e && !n.lease && !n.now.Before(at) })
	})
}

// refused steps the clock until the engine, refused the lease, has begun
// to wait for it n times.
func (w *watcher) refused(n int) {
	w.r.t.Helper()
	w.r.eventually(fmt.Sprintf("%d waits for the lease", n), func() bool {
		w.r.mu.Lock()
		defer w.r.mu.Unlock()
		waits := 0
		for _, heard := range w.r.notices {
			if heard.e == w.e && heard.lease {
				waits++
			}
		}
		return waits >= n
	})
}

func (r *rig) executions() map[string]scoreboard.Execution {
	r.t.Helper()
	xs, err := r.store.Executions(context.Background(), r.ex.Name)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]scoreboard.Execution{}
	for _, x := range xs {
		out[x.Team+"/"+x.Attack] = x
	}
	return out
}

func (r *rig) done(key string) func() bool {
	return func() bool {
		x, ok := r.executions()[key]
		return ok && x.State != scoreboard.ExecRunning && x.State != scoreboard.ExecApproved
	}
}

// counted is the rig's metric of that name and labels, 0 when it has none.
func (r *rig) counted(name string, labels map[string]string) float64 {
	r.t.Helper()
	fams, err := r.metrics.Registry().Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
