package main_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/scenarios"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// agentBinary builds the agent as `make agent` does, once per test run.
func agentBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cordillera-agent-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cordillera-agent")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// stream is the agent's stdin and stdout as one io.ReadWriteCloser, as the
// engine will have it from an exec.
type stream struct {
	io.Reader
	io.WriteCloser
}

// startAgent runs the binary as a subprocess and connects a Client to it.
func startAgent(tb testing.TB) (*agent.Client, *exec.Cmd, io.WriteCloser) {
	tb.Helper()
	cmd := exec.Command(agentBinary(tb))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if _, bench := tb.(*testing.B); bench {
		cmd.Stderr = io.Discard
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c, err := agent.NewClient(context.Background(), stream{stdout, stdin}, agent.Options{Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	return c, cmd, stdin
}

var loopback = netip.MustParseAddr("127.0.0.1")

func port(tb testing.TB, addr net.Addr) int { return addr.(*net.TCPAddr).Port }

func TestAgentEndToEnd(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Portal Ciudadano")
	}))
	defer web.Close()
	webPort, _ := strconv.Atoi(web.URL[strings.LastIndexByte(web.URL, ':')+1:])
	banner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer banner.Close()
	go func() {
		for {
			c, err := banner.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "SSH-2.0-OpenSSH_9.2p1\r\n")
			c.Close()
		}
	}()

	c, cmd, stdin := startAgent(t)
	timeout := scenarios.Duration(3 * time.Second)
	plans := []scenarios.CheckPlan{
		{Type: "http", Address: loopback, Port: webPort, Timeout: timeout,
			HTTP: &scenarios.HTTPCheck{Scheme: "http", Method: "GET", Path: "/", ExpectStatus: 200, BodyMatches: "Portal"}},
		{Type: "tcp", Address: loopback, Port: port(t, banner.Addr()), Timeout: timeout, TCP: &scenarios.TCPCheck{Expect: `^SSH-2\.0-`}},
		{Type: "command", Timeout: timeout, Command: &scenarios.CommandCheck{Run: []string{"sh", "-c", "echo accepting connections"}, OutputMatches: "accepting"}},
		{Type: "http", Address: loopback, Port: webPort, Timeout: timeout,
			HTTP: &scenarios.HTTPCheck{Scheme: "http", Method: "GET", Path: "/", ExpectStatus: 200, BodyMatches: "hacked"}},
	}
	want := []struct {
		up     bool
		detail string
	}{{true, "HTTP 200"}, {true, "SSH-2.0-OpenSSH_9.2p1"}, {true, "exit 0"}, {false, `the body does not match "hacked"`}}
	// Many at once, batches and single checks mixed.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			rs, err := c.CheckBatch(context.Background(), plans)
			if err != nil {
				t.Error(err)
				return
			}
			for i, r := range rs {
				if r.Up != want[i].up || r.Detail != want[i].detail {
					t.Errorf("check %d: %v %q, want %v %q", i, r.Up, r.Detail, want[i].up, want[i].detail)
				}
			}
		}()
		go func() {
			defer wg.Done()
			if r, err := c.Check(context.Background(), plans[1]); err != nil || !r.Up {
				t.Errorf("single check: %+v, %v", r, err)
			}
		}()
	}
	wg.Wait()

	stdin.Close() // EOF: the agent exits 0
	if err := cmd.Wait(); err != nil {
		t.Errorf("the agent exited with %v after EOF, want 0", err)
	}
	<-c.Done()
	if _, err := c.Check(context.Background(), plans[1]); !errors.Is(err, agent.ErrStreamLost) {
		t.Errorf("a check after the agent exited: %v, want ErrStreamLost", err)
	}
}

func TestAgentVersionFlag(t *testing.T) {
	out, err := exec.Command(agentBinary(t), "-version").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Errorf("-version: %q, %v", out, err)
	}
}

func TestAgentKilledIsStreamLost(t *testing.T) {
	c, cmd, _ := startAgent(t)
	plan := scenarios.CheckPlan{Type: "command", Timeout: scenarios.Duration(30 * time.Second),
		Command: &scenarios.CommandCheck{Run: []string{"sleep", "30"}}}
	errs := make(chan error, 1)
	go func() {
		_, err := c.Check(context.Background(), plan)
		errs <- err
	}()
	// The command runs once the agent has the request; kill the agent then.
	ok, err := c.Check(context.Background(), scenarios.CheckPlan{Type: "command", Timeout: scenarios.Duration(5 * time.Second),
		Command: &scenarios.CommandCheck{Run: []string{"true"}}})
	if err != nil || !ok.Up {
		t.Fatalf("%+v, %v", ok, err)
	}
	cmd.Process.Kill()
	if err := <-errs; !errors.Is(err, agent.ErrStreamLost) {
		t.Errorf("the pending check: %v, want ErrStreamLost", err)
	}
}

// The agent links the standard library and its own package only: no
// sqlite, no Docker SDK, nothing that stops it running in any image.
func TestAgentDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/cordillera-range/cordillera/cmd/cordillera-agent", "github.com/cordillera-range/cordillera/orchestrator/agent/probe":
		default:
			t.Errorf("the agent depends on %s", p)
		}
	}
}

// BenchmarkAgentTCPChecks is tcp checks through the real binary over
// pipes, in batches of 256, against one loopback listener; compare with
// BenchmarkLoopbackConnect, the same connections without the agent.
func BenchmarkAgentTCPChecks(b *testing.B) {
	l := acceptAndClose(b)
	c, _, _ := startAgent(b)
	plan := scenarios.CheckPlan{Type: "tcp", Address: loopback, Port: port(b, l.Addr()), Timeout: scenarios.Duration(5 * time.Second), TCP: &scenarios.TCPCheck{}}
	batch := make([]scenarios.CheckPlan, 256)
	for i := range batch {
		batch[i] = plan
	}
	var down atomic.Int64
	b.ResetTimer()
	start := time.Now()
	done := 0
	for done < b.N {
		n := min(len(batch), b.N-done)
		rs, err := c.CheckBatch(context.Background(), batch[:n])
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if !r.Up {
				down.Add(1)
			}
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "checks/s")
	if d := down.Load(); d > 0 {
		b.Fatalf("%d of %d checks down", d, b.N)
	}
}

// BenchmarkLoopbackConnect is the ceiling: net.Dial and Close, 256 at once.
func BenchmarkLoopbackConnect(b *testing.B) {
	l := acceptAndClose(b)
	addr := l.Addr().String()
	b.SetParallelism(256 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			conn.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "connects/s")
}

func acceptAndClose(b *testing.B) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l
}
