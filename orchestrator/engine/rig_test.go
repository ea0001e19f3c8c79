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

// fakeClock is a wall clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
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
		db:    filepath.Join(t.TempDir(), "cordillera.db")}
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
	e, err := New(r.store, r.rt, r.sc, r.ex, r.plans, Options{Now: r.clock.Now, Tick: 5 * time.Millisecond, AttackJitter: -1,
		Agent: agent.PoolOptions{Program: fakeProgram}})
	if err != nil {
		r.t.Fatal(err)
	}
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

// watcher hears what an engine did: the ticks it finished, by the wall
// time each began at, and its waits for the lease.
type watcher struct {
	r      *rig
	mu     sync.Mutex
	ticks  []time.Time
	leases int
}

// watch listens to an engine that has not run yet.
func (r *rig) watch(e *Engine) *watcher {
	w := &watcher{r: r}
	e.ticked = func(in inputs, _ []action) {
		w.mu.Lock()
		w.ticks = append(w.ticks, in.now)
		w.mu.Unlock()
	}
	e.waitsForLease = func() {
		w.mu.Lock()
		w.leases++
		w.mu.Unlock()
	}
	return w
}

// looked waits until the engine has finished a tick that read the clock
// at or after at: whatever was due then has been done.
func (w *watcher) looked(at time.Time) {
	w.r.t.Helper()
	w.r.eventually("a tick at "+at.Format(time.TimeOnly), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return slices.ContainsFunc(w.ticks, func(t time.Time) bool { return !t.Before(at) })
	})
}

// refused waits until the engine, refused the lease, has begun to wait
// for it n times.
func (w *watcher) refused(n int) {
	w.r.t.Helper()
	w.r.eventually(fmt.Sprintf("%d waits for the lease", n), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.leases >= n
	})
}

// eventually waits for cond, failing the test after a generous bound.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	r.t.Fatalf("gave up waiting for %s", what)
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
