package orchestrator

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestCheckCommandAndJudge(t *testing.T) {
	addr := netip.MustParseAddr("10.160.0.10")
	httpCheck := scenarios.CheckPlan{Type: "http", Address: addr, Port: 80,
		HTTP: &scenarios.HTTPCheck{Scheme: "http", Method: "GET", Path: "/health", ExpectStatus: 200, BodyMatches: "Portal Ciudadano"}}
	banner := scenarios.CheckPlan{Type: "tcp", Address: addr, Port: 22, TCP: &scenarios.TCPCheck{Expect: `^SSH-2\.0-`}}
	open := scenarios.CheckPlan{Type: "tcp", Address: addr, Port: 5432, TCP: &scenarios.TCPCheck{}}
	dns := scenarios.CheckPlan{Type: "dns", Address: addr, Port: 53, DNS: &scenarios.DNSCheck{Name: "www.example", Type: "A", Expect: `10\.160\.0\.11`}}
	command := scenarios.CheckPlan{Type: "command", Address: addr, Port: 502,
		Command: &scenarios.CommandCheck{Run: []string{"mbpoll", "-1", "10.160.1.11"}, OutputMatches: `\[3\]:\s+1[0-9]`}}

	tests := []struct {
		name    string
		check   scenarios.CheckPlan
		cmd     string
		out     string
		exit    int
		ok      bool
		because string
	}{
		{"http up", httpCheck, "curl -sS -k -m 5 -X GET -o - -w \n%{http_code} http://10.160.0.10:80/health", "<h1>Portal Ciudadano</h1>\n200", 0, true, "HTTP 200"},
		{"http defaced", httpCheck, "", "<h1>hacked</h1>\n200", 0, false, "does not match"},
		{"http error status", httpCheck, "", "oops\n500", 0, false, "HTTP status 500"},
		{"http down", httpCheck, "", "curl: (7) Failed to connect", 7, false, "no HTTP answer: curl: (7)"},
		{"ssh banner", banner, "", "SSH-2.0-OpenSSH_9.2p1 Debian\n", 0, true, "SSH-2.0-OpenSSH_9.2p1 Debian"},
		{"ssh filtered", banner, "", "", 1, false, "does not match"},
		{"port open", open, "nc -z -w 5 10.160.0.10 5432", "", 0, true, "open"},
		{"port closed", open, "", "", 1, false, "does not accept"},
		{"dns answer", dns, "dig +short +time=5 +tries=1 -p 53 @10.160.0.10 www.example A", "10.160.0.11\n", 0, true, "10.160.0.11"},
		{"dns timeout", dns, "", ";; connection timed out; no servers could be reached", 9, false, "no answer"},
		{"dns wrong answer", dns, "", "10.160.0.99", 0, false, "does not match"},
		{"command passes", command, "mbpoll -1 10.160.1.11", "[3]: \t12\n", 0, true, "exit 0"},
		{"command wrong value", command, "", "[3]: \t95\n", 0, false, "does not match"},
		{"command fails", command, "", "Connection refused", 1, false, "exited 1, want 0"},
	}
	for _, tt := range tests {
		if tt.cmd != "" {
			if got := strings.Join(checkCommand(tt.check, 5*time.Second), " "); got != tt.cmd {
				t.Errorf("%s: command %q, want %q", tt.name, got, tt.cmd)
			}
		}
		ok, why := judge(tt.check, ExecResult{ExitCode: tt.exit, Output: []byte(tt.out)})
		if ok != tt.ok || !strings.Contains(why, tt.because) {
			t.Errorf("%s: %v %q, want %v with %q", tt.name, ok, why, tt.ok, tt.because)
		}
	}
}
