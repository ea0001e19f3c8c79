package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp/syntax"
	"strconv"
	"syscall"
	"time"
)

// Limits on what one check reads. The agent runs in a scorebot of 256 MiB
// with up to MaxChecks checks at once, against services the teams control:
// a service that answers without end must not grow the agent until the
// kernel kills it (a lost stream leaves the round unscored, which a team
// must not be able to cause).
const (
	MaxBody      = 256 << 10 // an HTTP body
	MaxTCPRead   = 64 << 10  // what a TCP service says
	MaxCmdOutput = 1 << 20   // a command's output, as orchestrator.MaxExecOutput
)

// Run runs one check natively and judges it. ctx ends it early (the
// request was cancelled); the check's own timeout bounds it otherwise.
func Run(ctx context.Context, c Check) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout(c))
	defer cancel()
	var s Seen
	switch {
	case c.HTTP != nil:
		s = runHTTP(ctx, c)
	case c.TCP != nil:
		s = runTCP(ctx, c)
	case c.DNS != nil:
		s = runDNS(ctx, c)
	case c.Command != nil:
		s = runCommand(ctx, c)
	}
	up, detail := Judge(c, s)
	return Result{Up: up, Detail: detail, Took: time.Since(start)}
}

func (c Check) hostPort() string { return net.JoinHostPort(c.Address, strconv.Itoa(c.Port)) }

// dialer opens every check's connection; no TCP keep-alive probes, since a
// check's connection lives for seconds at most.
var dialer = net.Dialer{KeepAlive: -1}

// dialAbortive opens a check's connection to be closed with a reset rather
// than the usual handshake, as load balancers close their health checks:
// the check wants nothing more of it once it has seen what it came for, and
// a closed connection is not kept for two minutes in TIME_WAIT by the
// machine's connection tracking, whose table thousands of checks a second
// would otherwise fill (the kernel then drops new connections, and checks
// fail that should pass).
func dialAbortive(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	abortive(conn)
	return conn, nil
}

// abortive makes conn's Close send a reset.
func abortive(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

// runTCP connects, sends, and reads what the service says. nc, as the
// exec check ran it, read until the service closed or fell silent; the
// agent stops as soon as what it read matches Expect, if the expression is
// one that more text cannot unmatch (no end anchor, no word boundary), so
// that a banner check costs a round trip, not a timeout.
func runTCP(ctx context.Context, c Check) Seen {
	conn, err := dialer.DialContext(ctx, "tcp", c.hostPort())
	if err != nil {
		return Seen{Err: err}
	}
	defer conn.Close()
	if c.TCP.Expect == "" && c.TCP.Send == "" {
		abortive(conn)
		return Seen{}
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if c.TCP.Send != "" {
		if _, err := io.WriteString(conn, c.TCP.Send); err != nil && c.TCP.Expect == "" {
			return Seen{}
		}
	}
	if c.TCP.Expect == "" {
		// What was sent goes out with the usual close: a reset would
		// discard it if it is not sent yet.
		return Seen{}
	}
	// Once what the service said is read, nothing more is wanted.
	defer abortive(conn)
	early := monotone(c.TCP.Expect)
	buf := make([]byte, 0, 512)
	for len(buf) < MaxTCPRead {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := conn.Read(buf[len(buf):min(cap(buf), MaxTCPRead)])
		buf = buf[:len(buf)+n]
		if early && matches(c.TCP.Expect, string(bytes.TrimRight(buf, "\n"))) {
			break
		}
		if err != nil {
			break
		}
	}
	return Seen{Output: string(buf)}
}

// monotone says an expression that matches some text also matches any
// longer text that starts with it.
func monotone(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return false
	}
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpEndText, syntax.OpEndLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			return false
		}
		for _, s := range r.Sub {
			if !walk(s) {
				return false
			}
		}
		return true
	}
	return walk(re)
}

// transport is curl -k's: no verification, no proxy, no redirects (the
// check uses RoundTrip), no compression asked for, and a new connection
// for every check, so that a check sees the service as it is now and no
// idle connections pile up in the scorebot. Old TLS versions and cipher
// suites are allowed: a deliberately weak service must still count as up.
var transport = &http.Transport{
	Proxy:                  nil,
	DialContext:            dialAbortive,
	DisableKeepAlives:      true,
	DisableCompression:     true,
	MaxResponseHeaderBytes: 64 << 10,
	TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // a check asks whether the service answers, as curl -k does
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       allCipherSuites(),
	},
}

func allCipherSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// UserAgent is what HTTP checks send as User-Agent.
var UserAgent = "cordillera-agent"

func runHTTP(ctx context.Context, c Check) Seen {
	h := c.HTTP
	req, err := http.NewRequestWithContext(ctx, h.Method, h.Scheme+"://"+c.hostPort()+h.Path, nil)
	if err != nil {
		return Seen{Err: err}
	}
	if h.HostHeader != "" {
		req.Host = h.HostHeader
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "*/*")
	resp, err := transport.RoundTrip(req)
	if err != nil {
		return Seen{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		// curl fails a transfer cut short (18) or not finished in time (28).
		return Seen{Err: err}
	}
	return Seen{Status: resp.StatusCode, Output: string(body)}
}

// cappedBuffer keeps the first max bytes written and drops the rest,
// still reading, so that a chatty command does not block on a full pipe.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// runCommand runs the command as a child in a process group of its own:
// when it times out, or as soon as it has exited, the whole group is
// killed, so that nothing it started lingers in the scorebot (whose pids
// are few) or holds its output open.
func runCommand(ctx context.Context, c Check) Seen {
	run := c.Command.Run
	if len(run) == 0 {
		return Seen{Exit: 127, Output: "no command to run"}
	}
	// One pipe for stdout and stderr, so that the output interleaves as
	// docker exec's did; an *os.File, so that Wait returns when the command
	// exits rather than when the last process holding the pipe does.
	pr, pw, err := os.Pipe()
	if err != nil {
		return Seen{Err: err}
	}
	defer pr.Close()
	cmd := exec.CommandContext(ctx, run[0], run[1:]...)
	cmd.Stdout, cmd.Stderr = pw, pw
	// Pdeathsig: a command must not outlive an agent that was killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err = cmd.Start()
	pw.Close()
	if err != nil {
		// As a shell would: 127 for a program not found, 126 for one that
		// cannot run.
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, syscall.ENOENT) {
			code = 127
		}
		return Seen{Exit: code, Output: err.Error()}
	}
	out := &cappedBuffer{max: MaxCmdOutput}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(out, pr)
	}()
	err = cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	// A process that left the group (setsid) may still hold the pipe.
	select {
	case <-copied:
	case <-time.After(500 * time.Millisecond):
		_ = pr.SetReadDeadline(time.Unix(1, 0))
		<-copied
	}
	if ctx.Err() != nil {
		return Seen{Err: ctx.Err()}
	}
	s := Seen{Output: out.buf.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		s.Exit = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// docker exec reported a killed command as 128+signal.
			s.Exit = 128 + int(ws.Signal())
		}
	default:
		return Seen{Err: err}
	}
	return s
}
