package probe

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// The cases of orchestrator's TestCheckCommandAndJudge, as the native
// checks see them: the same verdicts, in the same words.
func TestJudge(t *testing.T) {
	httpCheck := Check{Type: "http", Address: "10.160.0.10", Port: 80,
		HTTP: &HTTPCheck{Scheme: "http", Method: "GET", Path: "/health", ExpectStatus: 200, BodyMatches: "Portal Ciudadano"}}
	banner := Check{Type: "tcp", Address: "10.160.0.10", Port: 22, TCP: &TCPCheck{Expect: `^SSH-2\.0-`}}
	open := Check{Type: "tcp", Address: "10.160.0.10", Port: 5432, TCP: &TCPCheck{}}
	dns := Check{Type: "dns", Address: "10.160.0.10", Port: 53, DNS: &DNSCheck{Name: "www.example", Type: "A", Expect: `10\.160\.0\.11`}}
	command := Check{Type: "command", Address: "10.160.0.10", Port: 502, Timeout: DefaultTimeout,
		Command: &CommandCheck{Run: []string{"mbpoll", "-1", "10.160.1.11"}, OutputMatches: `\[3\]:\s+1[0-9]`}}
	refused := fmt.Errorf("dial tcp: %w", syscall.ECONNREFUSED)

	tests := []struct {
		name   string
		check  Check
		seen   Seen
		up     bool
		detail string
	}{
		{"http up", httpCheck, Seen{Status: 200, Output: "<h1>Portal Ciudadano</h1>\n"}, true, "HTTP 200"},
		{"http defaced", httpCheck, Seen{Status: 200, Output: "<h1>hacked</h1>"}, false, `the body does not match "Portal Ciudadano"`},
		{"http error status", httpCheck, Seen{Status: 500, Output: "oops"}, false, "HTTP status 500, want 200"},
		{"http down", httpCheck, Seen{Err: refused}, false, "no HTTP answer: failed to connect to 10.160.0.10 port 80: connection refused"},
		{"http timeout", httpCheck, Seen{Err: context.DeadlineExceeded}, false, "no HTTP answer: timed out after 5s"},
		{"ssh banner", banner, Seen{Output: "SSH-2.0-OpenSSH_9.2p1 Debian\r\n"}, true, "SSH-2.0-OpenSSH_9.2p1 Debian"},
		{"ssh filtered", banner, Seen{Output: ""}, false, `the service said "", which does not match "^SSH-2\\.0-"`},
		{"ssh refused", banner, Seen{Err: refused}, false, "port 22/tcp does not accept connections"},
		{"port open", open, Seen{}, true, "open"},
		{"port closed", open, Seen{Err: refused}, false, "port 5432/tcp does not accept connections"},
		{"dns answer", dns, Seen{Output: "10.160.0.11"}, true, "10.160.0.11"},
		{"dns cname then answer", dns, Seen{Output: "web.example.\n10.160.0.11"}, true, "web.example."},
		{"dns timeout", dns, Seen{Err: context.DeadlineExceeded}, false, "no answer for A www.example: connection timed out; no servers could be reached"},
		{"dns nxdomain", dns, Seen{Rcode: 3}, false, "no answer for A www.example: NXDOMAIN"},
		{"dns wrong answer", dns, Seen{Output: "10.160.0.99"}, false, `the answer "10.160.0.99" does not match "10\\.160\\.0\\.11"`},
		{"command passes", command, Seen{Output: "[3]: \t12\n"}, true, "exit 0"},
		{"command wrong value", command, Seen{Output: "[3]: \t95\n"}, false, `the output "[3]: \t95" does not match`},
		{"command fails", command, Seen{Exit: 1, Output: "Connection refused"}, false, "mbpoll exited 1, want 0: Connection refused"},
		{"command times out", command, Seen{Err: context.DeadlineExceeded}, false, "could not run the check: mbpoll did not finish within 5s"},
		{"unknown", Check{Type: "smtp"}, Seen{}, false, "unknown check type smtp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, detail := Judge(tt.check, tt.seen)
			if up != tt.up || !strings.HasPrefix(detail, tt.detail) {
				t.Errorf("Judge = %v %q, want %v %q", up, detail, tt.up, tt.detail)
			}
		})
	}
}

func TestJudgeClipsLongDetails(t *testing.T) {
	c := Check{Type: "command", Command: &CommandCheck{Run: []string{"x"}}}
	_, detail := Judge(c, Seen{Exit: 1, Output: strings.Repeat("é", 5000)})
	if len(detail) > MaxDetail || !strings.HasSuffix(detail, "…") {
		t.Errorf("a detail of %d bytes ending %q", len(detail), detail[len(detail)-8:])
	}
}

func TestMonotone(t *testing.T) {
	for pattern, want := range map[string]bool{
		`^SSH-2\.0-`: true, `220 .*FTP`: true, `(?i)ok`: true,
		`^OK$`: false, `done\b`: false, `(?m)^a$`: false, `\z`: false,
	} {
		if got := monotone(pattern); got != want {
			t.Errorf("monotone(%q) = %v, want %v", pattern, got, want)
		}
	}
}
