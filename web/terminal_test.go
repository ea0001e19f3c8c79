package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
)

// termExerciseFile is the fixture's exercise "ex" as a director holds it:
// the bundled water-utility drill (hosts portal, hmi and plc, attacker
// red) for teams cl1 and co1.
const termExerciseFile = `exercise "ex" {
  scenario = "water-utility"
  seed     = "terminal-test"
  team "cl1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co1" {
    name    = "colCERT"
    country = "CO"
  }
}
`

// termRuntime is a container engine whose every asked-for container runs
// and whose interactive commands are termSessions.
type termRuntime struct {
	sessions chan *termSession
}

func newTermRuntime() *termRuntime { return &termRuntime{sessions: make(chan *termSession, 16)} }

var errTermFake = errors.New("the terminal tests' runtime does not do this")

func (r *termRuntime) ListNetworks(context.Context, map[string]string) ([]orchestrator.Network, error) {
	return nil, nil
}
func (r *termRuntime) CreateNetwork(context.Context, orchestrator.NetworkSpec) (string, error) {
	return "", errTermFake
}
func (r *termRuntime) RemoveNetwork(context.Context, string) error { return nil }
func (r *termRuntime) ListContainers(_ context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	return []orchestrator.Container{{
		ID:   labels[orchestrator.LabelTeam] + "/" + labels[orchestrator.LabelRole] + "/" + labels[orchestrator.LabelName],
		Name: labels[orchestrator.LabelName], Labels: labels, State: "running", Running: true,
	}}, nil
}
func (r *termRuntime) CreateContainer(context.Context, orchestrator.ContainerSpec) (string, error) {
	return "", errTermFake
}
func (r *termRuntime) RemoveContainer(context.Context, string) error { return nil }
func (r *termRuntime) Exec(context.Context, string, orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	return orchestrator.ExecResult{}, errTermFake
}
func (r *termRuntime) ImageExists(context.Context, string) (bool, error) { return true, nil }
func (r *termRuntime) ExecStream(context.Context, string, []string, io.Reader, io.Writer, io.Writer) (int, error) {
	return -1, errTermFake
}
func (r *termRuntime) ExecInteractive(_ context.Context, id string, cmd []string, size orchestrator.TermSize) (orchestrator.Session, error) {
	s := &termSession{container: id, cmd: cmd, size: size, resized: make(chan orchestrator.TermSize, 16), exit: make(chan int, 1)}
	s.out, s.outW = io.Pipe()
	r.sessions <- s
	return s, nil
}

// termSession is a pretend shell: it echoes keystrokes; on Enter it runs
// "echo WORDS" and "exit N".
type termSession struct {
	container string
	cmd       []string
	size      orchestrator.TermSize
	resized   chan orchestrator.TermSize
	exit      chan int

	out    *io.PipeReader
	outW   *io.PipeWriter
	mu     sync.Mutex
	line   []byte
	closed bool
}

func (s *termSession) Read(p []byte) (int, error) { return s.out.Read(p) }

func (s *termSession) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	for _, b := range p {
		if b != '\r' {
			s.line = append(s.line, b)
			s.outW.Write([]byte{b})
			continue
		}
		line := string(s.line)
		s.line = s.line[:0]
		s.outW.Write([]byte("\r\n"))
		if words, ok := strings.CutPrefix(line, "echo "); ok {
			s.outW.Write([]byte(words + "\r\n"))
		}
		if code, ok := strings.CutPrefix(line, "exit "); ok {
			n, _ := strconv.Atoi(code)
			s.exit <- n
			s.closed = true
			s.outW.Close()
			return len(p), nil
		}
		s.outW.Write([]byte("$ "))
	}
	return len(p), nil
}

func (s *termSession) Resize(_ context.Context, size orchestrator.TermSize) error {
	s.resized <- size
	return nil
}

func (s *termSession) Wait(ctx context.Context) (int, error) {
	select {
	case n := <-s.exit:
		return n, nil
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

func (s *termSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.outW.Close()
	return nil
}

// termLog is a log the test reads while the server writes it.
type termLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *termLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *termLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// withTerminals gives the fixture a director holding exercise "ex" on rt,
// and xterm.js in the state named ("ready", "missing" or "broken").
func withTerminals(t *testing.T, rt *termRuntime, xterm string, log io.Writer) func(*Config) {
	return func(c *Config) {
		d := director.New(c.Store, rt, nil, director.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		t.Cleanup(d.Close)
		if _, diags, err := d.Adopt(context.Background(), []byte(termExerciseFile), "", "test"); err != nil || termDiagErrors(diags) {
			t.Fatalf("adopting the exercise: %v %v", err, diags)
		}
		c.Director = d
		c.AssetsDirs = AssetsDirs{Xterm: termXterm(t, xterm), Chart: t.TempDir()}
		if log != nil {
			c.Logger = slog.New(slog.NewTextHandler(log, nil))
		}
	}
}

// termDiagErrors says whether diagnostics hold an error.
func termDiagErrors(diags []scenarios.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == "error" {
			return true
		}
	}
	return false
}

// termXterm makes an xterm folder in a state.
func termXterm(t *testing.T, state string) string {
	dir := t.TempDir()
	switch state {
	case xtermReady:
		os.WriteFile(filepath.Join(dir, "xterm.js"), bytes.Repeat([]byte("// xterm\n"), minXtermBundle/8), 0o644)
	case xtermBroken:
		os.WriteFile(filepath.Join(dir, "xterm.js"), []byte(`var Terminal_1 = require("./public/Terminal");`), 0o644)
	}
	return dir
}

// termDial opens a terminal's websocket as a browser of client c would.
func termDial(t *testing.T, f *fixture, c *client, path string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {f.http.URL}}
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.http.URL, "http")+path, &websocket.DialOptions{HTTPClient: c.c, HTTPHeader: h})
	if err == nil {
		t.Cleanup(func() { conn.CloseNow() })
	}
	return conn, res, err
}

func dialStatus(res *http.Response, err error) int {
	if err == nil {
		return http.StatusSwitchingProtocols
	}
	if res == nil {
		return 0
	}
	return res.StatusCode
}

func TestTerminalAccess(t *testing.T) {
	rt := newTermRuntime()
	f := newFixture(t, withTerminals(t, rt, xtermReady, nil))
	// Each user signs in once: sign-ins are rate limited.
	clients := map[string]*client{}
	for _, tc := range []struct {
		user, path string
		page, ws   int
	}{
		{"ana", "/terminal/ex/cl1/portal", http.StatusOK, http.StatusSwitchingProtocols},
		{"ana", "/terminal/ex/co1/portal", http.StatusForbidden, http.StatusForbidden},
		{"beto", "/terminal/ex/cl1/hmi", http.StatusForbidden, http.StatusForbidden},
		{"ana", "/terminal/ex/cl1/attacker:red", http.StatusForbidden, http.StatusForbidden},
		{"ana", "/terminal/ex/cl1/attacker%3Ared", http.StatusForbidden, http.StatusForbidden},
		{"ana", "/terminal/other/cl1/portal", http.StatusForbidden, http.StatusForbidden},
		{"ana", "/terminal/ex/cl1/nohost", http.StatusNotFound, http.StatusNotFound},
		{"tomas", "/terminal/ex/cl1/portal", http.StatusForbidden, http.StatusForbidden},
		{"mara", "/terminal/ex/cl1/portal", http.StatusForbidden, http.StatusForbidden},
		{"ines", "/terminal/ex/co1/plc", http.StatusOK, http.StatusSwitchingProtocols},
		{"ines", "/terminal/ex/co1/attacker:red", http.StatusOK, http.StatusSwitchingProtocols},
		{"ines", "/terminal/nope/cl1/portal", http.StatusNotFound, http.StatusNotFound},
		{"", "/terminal/ex/cl1/portal", http.StatusSeeOther, http.StatusUnauthorized},
	} {
		c, ok := clients[tc.user]
		if !ok {
			c = f.client()
			if tc.user != "" {
				c = f.signedIn(tc.user)
			}
			clients[tc.user] = c
		}
		t.Run(tc.user+tc.path, func(t *testing.T) {
			res := c.get(tc.path)
			expect(t, res, tc.page)
			if tc.page == http.StatusSeeOther && !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
				t.Errorf("a visitor is sent to %q, want the sign-in page", res.Header.Get("Location"))
			}
			_, wres, err := termDial(t, f, c, tc.path+"/ws")
			if got := dialStatus(wres, err); got != tc.ws {
				t.Errorf("websocket: %d (%v), want %d", got, err, tc.ws)
			}
		})
	}
	// Every successful dial opened exactly one session, on the right
	// container. The server opens each as its dial completes, so they may
	// come in any order.
	want := []string{"cl1/host/portal", "co1/attacker/red", "co1/host/plc"}
	var got []string
	for range want {
		select {
		case s := <-rt.sessions:
			got = append(got, s.container)
		case <-time.After(5 * time.Second):
			t.Fatalf("sessions opened on %q, want %q", got, want)
		}
	}
	if slices.Sort(got); !slices.Equal(got, want) {
		t.Errorf("sessions opened on %q, want %q", got, want)
	}
	select {
	case s := <-rt.sessions:
		t.Errorf("an extra session opened on %s", s.container)
	default:
	}
}

func TestTerminalOrigin(t *testing.T) {
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	c := f.signedIn("ana")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.http.URL, "http")+"/terminal/ex/cl1/portal/ws",
		&websocket.DialOptions{HTTPClient: c.c, HTTPHeader: http.Header{"Origin": {"http://evil.example"}}})
	if got := dialStatus(res, err); got != http.StatusForbidden {
		t.Errorf("a websocket from another origin: %d (%v), want 403", got, err)
	}
}

func TestTerminalNoDirector(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn("ines")
	expect(t, c.get("/terminal/ex/cl1/portal"), http.StatusServiceUnavailable, "runs no exercises")
	_, res, err := termDial(t, f, c, "/terminal/ex/cl1/portal/ws")
	if got := dialStatus(res, err); got != http.StatusServiceUnavailable {
		t.Errorf("websocket: %d, want 503", got)
	}
	// Refusals come first: a manager is told no, not that there is nothing.
	expect(t, f.signedIn("mara").get("/terminal/ex/cl1/portal"), http.StatusForbidden)
}

func TestTerminalPage(t *testing.T) {
	for _, tc := range []struct {
		xterm     string
		has, lacs []string
	}{
		{xtermReady, []string{`src="/vendor/xterm/xterm.js"`, `href="/vendor/xterm/xterm.css"`, `src="/static/terminal.js"`, `href="/static/terminal.css"`}, []string{"libjs-xterm"}},
		{xtermMissing, []string{"apt-get install libjs-xterm", `src="/static/terminal.js"`, "plain text terminal"}, []string{"/vendor/xterm/"}},
		{xtermBroken, []string{"not a browser build", `src="/static/terminal.js"`}, []string{"/vendor/xterm/"}},
	} {
		t.Run(tc.xterm, func(t *testing.T) {
			f := newFixture(t, withTerminals(t, newTermRuntime(), tc.xterm, nil))
			c := f.signedIn("ana")
			res := c.get("/terminal/ex/cl1/portal")
			expect(t, res, http.StatusOK, "Terminal on portal", "Back to the team", `href="/team/ex/cl1"`,
				`data-socket="/terminal/ex/cl1/portal/ws"`, `data-msg-exited="Disconnected (exit code %d)"`, `id="term-reconnect"`)
			for _, s := range tc.has {
				if !strings.Contains(res.body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			for _, s := range tc.lacs {
				if strings.Contains(res.body, s) {
					t.Errorf("the page has %q", s)
				}
			}
			c.lang = "es"
			f.store.Accounts().SetUserLanguage(context.Background(), "ana", "es")
			expect(t, c.get("/terminal/ex/cl1/portal"), http.StatusOK, "Terminal en portal", "Volver al equipo", "Reconectar")
		})
	}
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	expect(t, f.signedIn("ines").get("/terminal/ex/co1/attacker:red"), http.StatusOK, "the team&#39;s attacker", "/terminal/ex/co1/attacker:red/ws")
	expect(t, f.client().get("/static/terminal.js"), http.StatusOK, "new WebSocket")
}

// termRead reads messages until one satisfies done, failing after a while.
func termRead(t *testing.T, conn *websocket.Conn, done func(typ websocket.MessageType, data []byte, output string) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var output strings.Builder
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("reading the terminal: %v; output so far %q", err, output.String())
		}
		if typ == websocket.MessageBinary {
			output.Write(data)
		}
		if done(typ, data, output.String()) {
			return
		}
	}
}

func TestTerminalRoundTrip(t *testing.T) {
	rt := newTermRuntime()
	var log termLog
	f := newFixture(t, withTerminals(t, rt, xtermReady, &log))
	conn, _, err := termDial(t, f, f.signedIn("ana"), "/terminal/ex/cl1/portal/ws?cols=100&rows=30")
	if err != nil {
		t.Fatal(err)
	}
	var sess *termSession
	select {
	case sess = <-rt.sessions:
	case <-time.After(5 * time.Second):
		t.Fatal("no session opened")
	}
	if sess.container != "cl1/host/portal" || sess.size != (orchestrator.TermSize{Cols: 100, Rows: 30}) || len(sess.cmd) == 0 {
		t.Errorf("session on %q of size %+v running %q; want cl1/host/portal, 100x30, a shell", sess.container, sess.size, sess.cmd)
	}
	ctx := context.Background()

	if err := conn.Write(ctx, websocket.MessageBinary, []byte("echo hi\r")); err != nil {
		t.Fatal(err)
	}
	termRead(t, conn, func(_ websocket.MessageType, _ []byte, out string) bool {
		return strings.Contains(out, "echo hi\r\nhi\r\n")
	})

	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"resize","cols":120,"rows":40}`)); err != nil {
		t.Fatal(err)
	}
	// Nonsense is ignored, not passed on.
	conn.Write(ctx, websocket.MessageText, []byte(`{"type":"resize","cols":0,"rows":99999}`))
	conn.Write(ctx, websocket.MessageText, []byte(`not json`))
	select {
	case got := <-sess.resized:
		if got != (orchestrator.TermSize{Cols: 120, Rows: 40}) {
			t.Errorf("resized to %+v, want 120x40", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the resize did not reach the session")
	}

	if err := conn.Write(ctx, websocket.MessageBinary, []byte("exit 3\r")); err != nil {
		t.Fatal(err)
	}
	termRead(t, conn, func(typ websocket.MessageType, data []byte, _ string) bool {
		if typ != websocket.MessageText {
			return false
		}
		if string(data) != `{"type":"exit","code":3}` {
			t.Errorf("control message %s, want the exit code 3", data)
		}
		return true
	})
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _, err = conn.Read(rctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after the exit: %v, want a normal closure", err)
	}
	select {
	case s := <-rt.sessions:
		t.Errorf("an extra session opened on %s", s.container)
	default:
	}
	// The audit trail.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), `msg="terminal closed"`) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`msg="terminal opened" user=ana role=trainee exercise=ex team=cl1 host=portal`,
		`msg="terminal closed" user=ana role=trainee exercise=ex team=cl1 host=portal`,
		`reason="the shell exited" exit_code=3`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestTerminalMessageTooBig(t *testing.T) {
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	conn, _, err := termDial(t, f, f.signedIn("ana"), "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Write(ctx, websocket.MessageBinary, bytes.Repeat([]byte("x"), int(defaultTerminalLimits.MaxMessage)+1))
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Errorf("after a message too big: %v, want close status 1009", err)
			}
			return
		}
	}
}

// termLimits changes the terminals' limits for one test.
func termLimits(t *testing.T, change func(*terminalLimits)) {
	old := defaultTerminalLimits
	change(&defaultTerminalLimits)
	t.Cleanup(func() { defaultTerminalLimits = old })
}

func TestTerminalLimitPerUser(t *testing.T) {
	termLimits(t, func(l *terminalLimits) { l.PerUser = 2 })
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	ana := f.signedIn("ana")
	first, _, err := termDial(t, f, ana, "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := termDial(t, f, ana, "/terminal/ex/cl1/hmi/ws"); err != nil {
		t.Fatal(err)
	}
	_, res, err := termDial(t, f, ana, "/terminal/ex/cl1/plc/ws")
	if got := dialStatus(res, err); got != http.StatusTooManyRequests {
		t.Errorf("a third terminal: %d, want 429", got)
	}
	expect(t, ana.get("/terminal/ex/cl1/plc"), http.StatusOK) // the page itself opens nothing
	// Another user has their own terminals.
	if _, _, err := termDial(t, f, f.signedIn("ines"), "/terminal/ex/cl1/plc/ws"); err != nil {
		t.Errorf("another user's terminal: %v", err)
	}
	// Closing one frees its place.
	first.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, res, err := termDial(t, f, ana, "/terminal/ex/cl1/plc/ws")
		if err == nil {
			break
		}
		if dialStatus(res, err) != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after closing one: %d %v, want a terminal", dialStatus(res, err), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTerminalIdle(t *testing.T) {
	termLimits(t, func(l *terminalLimits) { l.Idle, l.Ping = 150*time.Millisecond, 20*time.Millisecond })
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	conn, _, err := termDial(t, f, f.signedIn("ana"), "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "idle" {
				t.Errorf("an idle terminal: %v, want close 1008 \"idle\"", err)
			}
			break
		}
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", time.Since(start))
	}
}

func TestTerminalServerClose(t *testing.T) {
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermReady, nil))
	conn, _, err := termDial(t, f, f.signedIn("ines"), "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusGoingAway {
				t.Errorf("when the server closes: %v, want close 1001", err)
			}
			return
		}
	}
}

// termFailingRuntime has no containers running.
type termFailingRuntime struct{ *termRuntime }

func (termFailingRuntime) ListContainers(context.Context, map[string]string) ([]orchestrator.Container, error) {
	return nil, nil
}

func TestTerminalHostNotRunning(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		d := director.New(c.Store, termFailingRuntime{newTermRuntime()}, nil, director.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		t.Cleanup(d.Close)
		if _, diags, err := d.Adopt(context.Background(), []byte(termExerciseFile), "", "test"); err != nil || termDiagErrors(diags) {
			t.Fatalf("adopting the exercise: %v %v", err, diags)
		}
		c.Director = d
	})
	conn, _, err := termDial(t, f, f.signedIn("ana"), "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	termRead(t, conn, func(typ websocket.MessageType, data []byte, _ string) bool {
		var m termControl
		if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil || m.Type != "error" ||
			!strings.Contains(m.Message, "The terminal could not open.") || !strings.Contains(m.Message, "not running") {
			t.Errorf("message %s, want an error saying the host is not running", data)
		}
		return true
	})
}
