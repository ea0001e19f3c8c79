package agent_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func tcpPlan(port int) scenarios.CheckPlan {
	return scenarios.CheckPlan{Type: "tcp", Host: "web", Service: "http", Address: loopback, Port: port,
		Timeout: scenarios.Duration(2 * time.Second), TCP: &scenarios.TCPCheck{}}
}

func listen(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// realAgent serves the protocol in-process, as cmd/cordillera-agent does.
func realAgent(t *testing.T) *agent.Client {
	t.Helper()
	engineEnd, agentEnd := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- (&probe.Server{Version: "test-1"}).Serve(context.Background(), agentEnd, agentEnd) }()
	c, err := agent.NewClient(context.Background(), engineEnd, agent.Options{Version: "engine", WantAgent: "test-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("the agent ended with %v", err)
		}
	})
	return c
}

func TestRoundTrip(t *testing.T) {
	c := realAgent(t)
	if c.AgentVersion() != "test-1" {
		t.Errorf("agent version %q", c.AgentVersion())
	}
	open, closed := listen(t), listen(t)
	r, err := c.Check(context.Background(), tcpPlan(open))
	if err != nil || !r.Up || r.Detail != "open" || r.Took <= 0 {
		t.Errorf("Check = %+v, %v", r, err)
	}
	// A batch answers in its own order.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	gonePort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	rs, err := c.CheckBatch(context.Background(), []scenarios.CheckPlan{tcpPlan(gonePort), tcpPlan(closed)})
	if err != nil || len(rs) != 2 || rs[0].Up || !rs[1].Up || !strings.Contains(rs[0].Detail, "does not accept") {
		t.Errorf("CheckBatch = %+v, %v", rs, err)
	}
}

// fakeAgent answers hello with hello, then hands every later message to
// serve, on the agent's end of a pipe.
func fakeAgent(t *testing.T, hello probe.Hello, serve func(conn net.Conn, m probe.Message)) (net.Conn, net.Conn) {
	t.Helper()
	engineEnd, agentEnd := net.Pipe()
	t.Cleanup(func() { agentEnd.Close(); engineEnd.Close() })
	go func() {
		if _, err := probe.ReadMessage(agentEnd); err != nil {
			return
		}
		if err := probe.WriteMessage(agentEnd, probe.Message{Kind: probe.KindHello, Hello: &hello}); err != nil {
			return
		}
		for {
			m, err := probe.ReadMessage(agentEnd)
			if err != nil {
				return
			}
			serve(agentEnd, m)
		}
	}()
	return engineEnd, agentEnd
}

var goodHello = probe.Hello{Protocol: probe.ProtocolVersion, Version: "fake"}

func TestManyRequestsAnsweredOutOfOrder(t *testing.T) {
	const n = 100
	var mu sync.Mutex
	var held []probe.Message
	engineEnd, _ := fakeAgent(t, goodHello, func(conn net.Conn, m probe.Message) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, m)
		if len(held) < n {
			return
		}
		// Every request is in: answer them last first, each with the port
		// it asked about.
		for i := len(held) - 1; i >= 0; i-- {
			r := probe.Result{Up: true, Detail: held[i].Checks[0].Address + ":" + strconv.Itoa(held[i].Checks[0].Port)}
			go probe.WriteMessage(conn, probe.Message{Kind: probe.KindResult, ID: held[i].ID, Results: []probe.Result{r}})
		}
	})
	c, err := agent.NewClient(context.Background(), engineEnd, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Check(context.Background(), tcpPlan(1000+i))
			if want := "127.0.0.1:" + strconv.Itoa(1000+i); err != nil || r.Detail != want {
				t.Errorf("check %d: %+v, %v; want %q", i, r, err, want)
			}
		}()
	}
	wg.Wait()
}

func TestCancelOneRequest(t *testing.T) {
	cancelled := make(chan uint64, 1)
	held := make(chan struct{})
	engineEnd, _ := fakeAgent(t, goodHello, func(conn net.Conn, m probe.Message) {
		switch {
		case m.Kind == probe.KindCancel:
			cancelled <- m.ID
		case m.Checks[0].Port == 1:
			close(held)
		case m.Checks[0].Port == 2:
			probe.WriteMessage(conn, probe.Message{Kind: probe.KindResult, ID: m.ID, Results: []probe.Result{{Up: true, Detail: "open"}}})
		}
		// Port 1 is never answered.
	})
	c, err := agent.NewClient(context.Background(), engineEnd, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := c.Check(ctx, tcpPlan(1))
		errs <- err
	}()
	<-held // the agent has the request: cancelling it must tell the agent
	if r, err := c.Check(context.Background(), tcpPlan(2)); err != nil || !r.Up {
		t.Fatalf("the other request: %+v, %v", r, err)
	}
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) || errors.Is(err, agent.ErrStreamLost) {
		t.Errorf("the cancelled request: %v, want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Error("the agent was not told of the cancel")
	}
	if r, err := c.Check(context.Background(), tcpPlan(2)); err != nil || !r.Up {
		t.Errorf("after the cancel: %+v, %v", r, err)
	}
}

func TestStreamLost(t *testing.T) {
	got := make(chan struct{})
	engineEnd, agentEnd := fakeAgent(t, goodHello, func(conn net.Conn, m probe.Message) { close(got) })
	c, err := agent.NewClient(context.Background(), engineEnd, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() {
		_, err := c.Check(context.Background(), tcpPlan(1))
		errs <- err
	}()
	<-got
	agentEnd.Close() // the agent dies with the request pending
	if err := <-errs; !errors.Is(err, agent.ErrStreamLost) {
		t.Errorf("the pending request: %v, want ErrStreamLost", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), agent.ErrStreamLost) {
		t.Errorf("Err = %v", c.Err())
	}
	if _, err := c.Check(context.Background(), tcpPlan(1)); !errors.Is(err, agent.ErrStreamLost) {
		t.Errorf("a later request: %v, want ErrStreamLost", err)
	}
}

func TestGarbageFromTheAgent(t *testing.T) {
	engineEnd, _ := fakeAgent(t, goodHello, func(conn net.Conn, m probe.Message) {
		conn.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	})
	c, err := agent.NewClient(context.Background(), engineEnd, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Check(context.Background(), tcpPlan(1))
	if !errors.Is(err, agent.ErrStreamLost) || !strings.Contains(err.Error(), "frame too large") {
		t.Errorf("Check = %v, want ErrStreamLost for a frame too large", err)
	}
}

func TestVersionMismatch(t *testing.T) {
	tests := []struct {
		name  string
		hello probe.Hello
		opts  agent.Options
		words string
	}{
		{"protocol", probe.Hello{Protocol: probe.ProtocolVersion + 1, Version: "v9"}, agent.Options{}, "speaks protocol 2"},
		{"build", probe.Hello{Protocol: probe.ProtocolVersion, Version: "v0.9"}, agent.Options{WantAgent: "v1.0"}, `the agent is build "v0.9", this Cordillera ships "v1.0": redeploy`},
		{"program", probe.Hello{Protocol: probe.ProtocolVersion, Version: "v1.0", Sum: "0123456789abcdef"}, agent.Options{WantSum: "fedcba9876543210"},
			`the agent running (build "v1.0", program 0123456789ab) is not the program Cordillera put into the container (fedcba987654): redeploy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engineEnd, _ := fakeAgent(t, tt.hello, func(net.Conn, probe.Message) {})
			_, err := agent.NewClient(context.Background(), engineEnd, tt.opts)
			if !errors.Is(err, agent.ErrVersionMismatch) || !strings.Contains(err.Error(), tt.words) || !strings.Contains(err.Error(), "redeploy") {
				t.Errorf("NewClient = %v, want ErrVersionMismatch saying %q", err, tt.words)
			}
		})
	}
}

func TestHelloTimesOut(t *testing.T) {
	engineEnd, agentEnd := net.Pipe()
	defer agentEnd.Close()
	go func() { probe.ReadMessage(agentEnd) }() // reads the hello, says nothing
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := agent.NewClient(ctx, engineEnd, agent.Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("NewClient = %v, want a deadline", err)
	}
}

func TestTooManyChecksInOneRequest(t *testing.T) {
	c := realAgent(t)
	plans := make([]scenarios.CheckPlan, probe.MaxBatch+1)
	if _, err := c.CheckBatch(context.Background(), plans); !errors.Is(err, agent.ErrRefused) {
		t.Errorf("CheckBatch = %v, want ErrRefused", err)
	}
}

func TestFromPlan(t *testing.T) {
	p := scenarios.CheckPlan{Type: "http", Host: "web", Service: "portal", Address: netip.MustParseAddr("10.160.0.10"), Port: 443,
		HTTP: &scenarios.HTTPCheck{Scheme: "https", Method: "GET", Path: "/", HostHeader: "portal.example", ExpectStatus: 200, BodyMatches: "Portal"}}
	c := agent.FromPlan(p)
	if c.Address != "10.160.0.10" || c.Port != 443 || c.Timeout != scenarios.DefaultCheckTimeout || c.HTTP == nil ||
		*c.HTTP != (probe.HTTPCheck{Scheme: "https", Method: "GET", Path: "/", HostHeader: "portal.example", ExpectStatus: 200, BodyMatches: "Portal"}) {
		t.Errorf("FromPlan = %+v", c)
	}
}

// Cancelling a request's context reaches the agent, which kills the
// request's commands.
func TestCancelKillsTheAgentsCommand(t *testing.T) {
	c := realAgent(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	plan := scenarios.CheckPlan{Type: "command", Timeout: scenarios.Duration(60 * time.Second), Command: &scenarios.CommandCheck{
		Run: []string{"sh", "-c", `sleep 60 & echo $! > "$1.tmp"; mv "$1.tmp" "$1"; wait`, "sh", pidFile}}}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := c.Check(ctx, plan)
		errs <- err
	}()
	pid := waitFor(t, func() (int, bool) {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return 0, false
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return pid, err == nil
	})
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("Check = %v, want context.Canceled", err)
	}
	waitFor(t, func() (int, bool) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return 0, err != nil || strings.Contains(string(stat), ") Z ")
	})
	// The stream still serves.
	if r, err := c.Check(context.Background(), tcpPlan(listen(t))); err != nil || !r.Up {
		t.Errorf("after the cancel: %+v, %v", r, err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor[T any](t *testing.T, cond func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if v, ok := cond(); ok {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("timed out waiting")
	var zero T
	return zero
}
