package agent_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

// streamRuntime is a container runtime whose containers run the agent's
// protocol in-process: PutFile keeps the program, and ExecStream serves
// the protocol saying that program's sum, unless the test says otherwise.
type streamRuntime struct {
	orchestrator.Runtime
	mu      sync.Mutex
	put     map[string][]byte // container: the program put there
	puts    int
	starts  int    // agents that ran
	sum     string // when set, the sum every agent says
	crash   string // when set, agents write this on stderr and exit 2
	running []context.CancelFunc
}

func (r *streamRuntime) PutFile(_ context.Context, id, path string, _ fs.FileMode, data []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.put == nil {
		r.put = map[string][]byte{}
	}
	r.put[id+path] = data
	r.puts++
	return nil
}

func (r *streamRuntime) ExecInteractive(context.Context, string, []string, orchestrator.TermSize) (orchestrator.Session, error) {
	return nil, errors.New("no terminal here")
}

func (r *streamRuntime) ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	r.mu.Lock()
	data, sum, crash := r.put[id+cmd[0]], r.sum, r.crash
	if data != nil {
		r.starts++
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	r.running = append(r.running, stop)
	r.mu.Unlock()
	if data == nil {
		io.WriteString(stderr, "exec: "+cmd[0]+": no such file or directory")
		return 127, nil
	}
	if crash != "" {
		io.WriteString(stderr, crash)
		return 2, nil
	}
	if sum == "" {
		sum = agent.NewProgramForTest(data).Sum
	}
	served := make(chan error, 1)
	go func() { served <- (&probe.Server{Version: "test", Sum: sum}).Serve(ctx, stdin, stdout) }()
	select {
	case <-served:
		return 0, nil
	case <-ctx.Done():
		return 137, nil
	}
}

// killAll ends every agent, as a crash would.
func (r *streamRuntime) killAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, stop := range r.running {
		stop()
	}
	r.running = nil
}

func testPool(rt *streamRuntime) *agent.Pool {
	prog := agent.NewProgramForTest([]byte("the agent"))
	return agent.NewPool(rt, agent.PoolOptions{Program: func() (agent.Program, error) { return prog, nil }})
}

func TestPoolStartsOneAgentAndStartsItAgain(t *testing.T) {
	rt := &streamRuntime{}
	p := testPool(rt)
	defer p.Close()
	port := listen(t)
	plans := []scenarios.CheckPlan{tcpPlan(port), tcpPlan(port)}

	// Many rounds at once share one agent.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs, err := p.Check(context.Background(), "bot-1", plans)
			if err != nil || len(rs) != 2 || !rs[0].Up || !rs[1].Up {
				t.Errorf("Check = %+v, %v", rs, err)
			}
		}()
	}
	wg.Wait()
	if rt.starts != 1 {
		t.Errorf("%d agents started for one container; want 1", rt.starts)
	}

	// A round larger than one request is split, and answered in order.
	var many []scenarios.CheckPlan
	for range probe.MaxBatch + 3 {
		many = append(many, tcpPlan(port))
	}
	many[probe.MaxBatch+1] = tcpPlan(closedPort(t))
	rs, err := p.Check(context.Background(), "bot-1", many)
	if err != nil || len(rs) != len(many) || rs[probe.MaxBatch+1].Up || !rs[probe.MaxBatch+2].Up {
		t.Fatalf("a round of %d checks: %d results, %v", len(many), len(rs), err)
	}

	// The agent dies: the next use starts a new one.
	rt.killAll()
	if _, err := p.Check(context.Background(), "bot-1", plans); err != nil {
		// The loss may be seen by this very call; the next one works.
		if !errors.Is(err, agent.ErrStreamLost) {
			t.Fatalf("Check after the agent died: %v, want ErrStreamLost or a result", err)
		}
		if _, err := p.Check(context.Background(), "bot-1", plans); err != nil {
			t.Fatalf("Check again: %v", err)
		}
	}
	if rt.starts != 2 {
		t.Errorf("%d agents started; want a second after the first died", rt.starts)
	}
	// The program was in the container already: it is not put again.
	if rt.puts != 1 {
		t.Errorf("the program was put %d times; want once", rt.puts)
	}
}

func TestPoolSaysWhyTheAgentDidNotStart(t *testing.T) {
	tests := []struct {
		name  string
		rt    *streamRuntime
		words []string
	}{
		{"crash", &streamRuntime{crash: "fatal error: out of memory"}, []string{"the agent said: fatal error: out of memory"}},
		{"another program", &streamRuntime{sum: "0123456789abcdef"}, []string{"is not the program Cordillera put", "0123456789ab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPool(tt.rt)
			defer p.Close()
			_, err := p.Check(context.Background(), "bot-1", []scenarios.CheckPlan{tcpPlan(listen(t))})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// closedPort is a port on loopback where nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
