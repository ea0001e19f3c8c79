package probe

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every server here listens on 127.0.0.1 only.

func hostPort(t *testing.T, rawURL string) (string, int) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	return u.Hostname(), port
}

func TestHTTPChecks(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		case r.Host == "portal.example":
			fmt.Fprint(w, "<h1>Portal Ciudadano</h1>")
		case r.URL.Path == "/big":
			w.Write([]byte(strings.Repeat("x", MaxBody+10) + "needle"))
		default:
			http.Error(w, "who are you", http.StatusNotFound)
		}
	})
	plain := httptest.NewServer(h)
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()

	check := func(srv *httptest.Server, scheme, path, host string, status int, body string) Check {
		addr, port := hostPort(t, srv.URL)
		return Check{Type: "http", Address: addr, Port: port, Timeout: 2 * time.Second,
			HTTP: &HTTPCheck{Scheme: scheme, Method: "GET", Path: path, HostHeader: host, ExpectStatus: status, BodyMatches: body}}
	}
	tests := []struct {
		name   string
		check  Check
		up     bool
		detail string
	}{
		{"host header and body", check(plain, "http", "/", "portal.example", 200, "Portal Ciudadano"), true, "HTTP 200"},
		{"without the host header", check(plain, "http", "/", "", 200, "Portal Ciudadano"), false, "HTTP status 404, want 200"},
		{"body does not match", check(plain, "http", "/", "portal.example", 200, "hacked"), false, `the body does not match "hacked"`},
		{"redirects are not followed", check(plain, "http", "/moved", "", 302, ""), true, "HTTP 302"},
		{"https unverified", check(tlsSrv, "https", "/", "portal.example", 200, "Portal"), true, "HTTP 200"},
		{"the body is read up to MaxBody", check(plain, "http", "/big", "", 200, "needle"), false, "the body does not match"},
		{"https spoken to plain http", check(plain, "https", "/", "", 200, ""), false, "no HTTP answer: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(context.Background(), tt.check)
			if r.Up != tt.up || !strings.HasPrefix(r.Detail, tt.detail) {
				t.Errorf("Run = %v %q, want %v %q", r.Up, r.Detail, tt.up, tt.detail)
			}
		})
	}
}

// closedPort is a loopback port nothing listens on.
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

// tcpServer runs serve on every connection to a loopback port.
func tcpServer(t *testing.T, serve func(net.Conn)) int {
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
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestTCPChecks(t *testing.T) {
	// Says its banner and then holds the connection open, as sshd does:
	// the check must not wait for its timeout.
	banner := tcpServer(t, func(c net.Conn) {
		io.WriteString(c, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
		io.Copy(io.Discard, c)
	})
	echo := tcpServer(t, func(c net.Conn) {
		line, _ := bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "you said "+line)
	})
	closed := closedPort(t)
	tcp := func(port int, send, expect string) Check {
		return Check{Type: "tcp", Address: "127.0.0.1", Port: port, Timeout: 10 * time.Second, TCP: &TCPCheck{Send: send, Expect: expect}}
	}
	tests := []struct {
		name   string
		check  Check
		up     bool
		detail string
	}{
		{"open", tcp(banner, "", ""), true, "open"},
		{"banner", tcp(banner, "", `^SSH-2\.0-`), true, "SSH-2.0-OpenSSH_9.2p1 Debian-2"},
		{"silent service", tcp(echo, "", `^SSH-2\.0-`), false, `the service said "", which does not match "^SSH-2\\.0-"`},
		{"wrong answer", tcp(echo, "ping\n", `^SSH-2\.0-`), false, `the service said "you said ping", which does not match "^SSH-2\\.0-"`},
		{"send and expect", tcp(echo, "ping\n", `you said ping`), true, "you said ping"},
		{"closed", tcp(closed, "", ""), false, fmt.Sprintf("port %d/tcp does not accept connections", closed)},
		{"closed with expect", tcp(closed, "", "x"), false, fmt.Sprintf("port %d/tcp does not accept connections", closed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "silent service" {
				tt.check.Timeout = 300 * time.Millisecond // the echo server waits for a line
			}
			r := Run(context.Background(), tt.check)
			if r.Up != tt.up || r.Detail != tt.detail {
				t.Errorf("Run = %v %q, want %v %q", r.Up, r.Detail, tt.up, tt.detail)
			}
			if tt.name == "banner" && r.Took > 5*time.Second {
				t.Errorf("a banner check took %v: it waited for its timeout", r.Took)
			}
		})
	}
}

// dnsServer answers on a loopback UDP port: www.example A through a
// CNAME, mail.example MX and TXT, and NXDOMAIN for anything else.
func dnsServer(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			name, end, err := dnsName(q, 12)
			if err != nil {
				continue
			}
			qtype := binary.BigEndian.Uint16(q[end:])
			reply := append([]byte(nil), q[:end+4]...)
			reply[2], reply[3] = 0x81, 0x80 // QR RD, RA
			binary.BigEndian.PutUint16(reply[10:], 0)
			rr := func(typ uint16, rdata []byte) {
				reply = append(reply, 0xc0, 12)
				reply = binary.BigEndian.AppendUint16(reply, typ)
				reply = append(reply, 0, 1, 0, 0, 1, 0)
				reply = binary.BigEndian.AppendUint16(reply, uint16(len(rdata)))
				reply = append(reply, rdata...)
			}
			var an uint16
			switch {
			case name == "www.example." && qtype == 1:
				rr(5, []byte("\x03web\x07example\x00"))
				rr(1, []byte{10, 160, 0, 11})
				an = 2
			case name == "mail.example." && qtype == 15:
				rr(15, []byte("\x00\x0a\xc0\x0c"))
				an = 1
			case name == "mail.example." && qtype == 16:
				rr(16, []byte("\x06v=spf1\x03a\"b"))
				an = 1
			default:
				reply[3] |= 3 // NXDOMAIN
			}
			binary.BigEndian.PutUint16(reply[6:], an)
			pc.WriteTo(reply, from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

func TestDNSChecks(t *testing.T) {
	port := dnsServer(t)
	dns := func(name, typ, expect string) Check {
		return Check{Type: "dns", Address: "127.0.0.1", Port: port, Timeout: 2 * time.Second, DNS: &DNSCheck{Name: name, Type: typ, Expect: expect}}
	}
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	tests := []struct {
		name   string
		check  Check
		up     bool
		detail string
	}{
		{"A through a CNAME", dns("www.example", "A", `\b10\.160\.0\.11\b`), true, "web.example."},
		{"wrong answer", dns("www.example", "A", `10\.160\.0\.99`), false, `the answer "web.example." does not match "10\\.160\\.0\\.99"`},
		{"MX", dns("mail.example.", "MX", `^10 mail\.example\.$`), true, "10 mail.example."},
		{"TXT", dns("mail.example", "TXT", `spf1`), true, `"v=spf1" "a\"b"`},
		{"NXDOMAIN", dns("nothing.example", "A", ""), false, "no answer for A nothing.example: NXDOMAIN"},
		{"no server", Check{Type: "dns", Address: "127.0.0.1", Port: silent.LocalAddr().(*net.UDPAddr).Port, Timeout: 300 * time.Millisecond,
			DNS: &DNSCheck{Name: "www.example", Type: "A"}}, false, "no answer for A www.example: connection timed out; no servers could be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(context.Background(), tt.check)
			if r.Up != tt.up || r.Detail != tt.detail {
				t.Errorf("Run = %v %q, want %v %q", r.Up, r.Detail, tt.up, tt.detail)
			}
		})
	}
}

func TestCommandChecks(t *testing.T) {
	cmd := func(timeout time.Duration, expectExit int, matches string, run ...string) Check {
		return Check{Type: "command", Timeout: timeout, Command: &CommandCheck{Run: run, ExpectExit: expectExit, OutputMatches: matches}}
	}
	tests := []struct {
		name   string
		check  Check
		up     bool
		detail string
	}{
		{"passes", cmd(5*time.Second, 0, "accepting", "sh", "-c", "echo 127.0.0.1:5432 - accepting connections"), true, "exit 0"},
		{"stderr counts as output", cmd(5*time.Second, 0, "oops", "sh", "-c", "echo oops >&2"), true, "exit 0"},
		{"exit code", cmd(5*time.Second, 0, "", "sh", "-c", "echo no response; exit 2"), false, "sh exited 2, want 0: no response"},
		{"expected exit", cmd(5*time.Second, 3, "", "sh", "-c", "exit 3"), true, "exit 3"},
		{"not found", cmd(5*time.Second, 0, "", "no-such-program-here"), false, "no-such-program-here exited 127, want 0"},
		{"killed", cmd(5*time.Second, 0, "", "sh", "-c", "kill -9 $$"), false, "sh exited 137, want 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(context.Background(), tt.check)
			if r.Up != tt.up || !strings.HasPrefix(r.Detail, tt.detail) {
				t.Errorf("Run = %v %q, want %v %q", r.Up, r.Detail, tt.up, tt.detail)
			}
		})
	}
}

// gone waits until pid has died (gone, or a zombie awaiting its reaper).
func gone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still runs", pid)
}

func TestCommandTimeoutKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	c := Check{Type: "command", Timeout: 300 * time.Millisecond, Command: &CommandCheck{
		Run: []string{"sh", "-c", `sleep 60 & echo $! > "$1"; wait`, "sh", pidFile}}}
	start := time.Now()
	r := Run(context.Background(), c)
	if r.Up || r.Detail != "could not run the check: sh did not finish within 300ms" {
		t.Errorf("Run = %v %q", r.Up, r.Detail)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the check took %v, its timeout is 300ms", took)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
}

func TestCommandExitKillsWhatItLeftBehind(t *testing.T) {
	c := Check{Type: "command", Timeout: 10 * time.Second, Command: &CommandCheck{
		Run: []string{"sh", "-c", `sleep 60 & echo $!`}}}
	start := time.Now()
	r := Run(context.Background(), c)
	if !r.Up {
		t.Fatalf("Run = %v %q", r.Up, r.Detail)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the check took %v: it waited for the background sleep", took)
	}
	// The output is the background pid; Detail is "exit 0", so run again
	// with the pid in the detail.
	c.Command.ExpectExit = 1
	r = Run(context.Background(), c)
	pid, err := strconv.Atoi(strings.TrimPrefix(r.Detail, "sh exited 0, want 1: "))
	if err != nil {
		t.Fatalf("detail %q: %v", r.Detail, err)
	}
	gone(t, pid)
}

// A truncated answer over UDP is asked again over TCP, as dig does.
func TestDNSTruncatedRetriesOverTCP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Skipf("tcp port %d is taken: %v", port, err)
	}
	defer l.Close()
	question := func(q []byte) []byte {
		_, end, err := dnsName(q, 12)
		if err != nil {
			return nil
		}
		return append([]byte(nil), q[:end+4]...)
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if r := question(buf[:n]); r != nil {
				r[2], r[3] = 0x83, 0x80 // QR TC RD, RA
				binary.BigEndian.PutUint16(r[10:], 0)
				pc.WriteTo(r, from)
			}
		}
	}()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		r := question(q)
		r[2], r[3] = 0x81, 0x80
		binary.BigEndian.PutUint16(r[6:], 1)
		binary.BigEndian.PutUint16(r[10:], 0)
		r = append(r, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 160, 0, 11)
		c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(r))), r...))
	}()
	r := Run(context.Background(), Check{Type: "dns", Address: "127.0.0.1", Port: port, Timeout: 2 * time.Second, DNS: &DNSCheck{Name: "big.example", Type: "A"}})
	if !r.Up || r.Detail != "10.160.0.11" {
		t.Errorf("Run = %v %q, want the answer over TCP", r.Up, r.Detail)
	}
}

// TestChecksCloseWithAReset: a connect check and a banner check leave the
// service with a reset, not a connection in TIME_WAIT for the machine's
// connection tracking to keep.
func TestChecksCloseWithAReset(t *testing.T) {
	for _, tcp := range []*TCPCheck{{}, {Expect: "^SSH-"}} {
		seen := make(chan error, 1)
		port := tcpServer(t, func(c net.Conn) {
			if tcp.Expect != "" {
				io.WriteString(c, "SSH-2.0-test\r\n")
			}
			_, err := c.Read(make([]byte, 1))
			seen <- err
		})
		r := Run(context.Background(), Check{Type: "tcp", Address: "127.0.0.1", Port: port, Timeout: 2 * time.Second, TCP: tcp})
		if !r.Up {
			t.Fatalf("check %+v: %+v", tcp, r)
		}
		select {
		case err := <-seen:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("check %+v: the service read %v, want a reset", tcp, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("check %+v: the service never saw the connection end", tcp)
		}
	}
}
