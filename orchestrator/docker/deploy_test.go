package docker_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/scenarios"
)

// TestDeployTwoTeams deploys two teams once and checks, in order, what the
// deployment must be; the last subtests change it.
func TestDeployTwoTeams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t)
	ex, pool := newExercise(), takePool(t)
	cleanupExercise(t, rt, ex)
	d := desiredFor(t, plansFor(t, ex, pool, 2))

	started := time.Now()
	var events []orchestrator.Event
	plan, err := orchestrator.Up(ctx, rt, d, func(e orchestrator.Event) { events = append(events, e) })
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	t.Logf("deployed %d networks and %d containers in %v", len(d.Networks), len(d.Containers), time.Since(started).Round(time.Millisecond))
	perTeam := map[string]int{}
	for _, e := range events {
		if e.Err != nil {
			t.Errorf("event %+v", e)
		}
		perTeam[e.Action.Key.Team]++
	}
	if len(plan.Actions) != 12 || perTeam["team-1"] != 6 || perTeam["team-2"] != 6 {
		t.Fatalf("plan of %d actions, events per team %v; want 12, 6 each:\n%s", len(plan.Actions), perTeam, plan)
	}

	t.Run("every container runs with its planned addresses", func(t *testing.T) {
		o, err := orchestrator.Observe(ctx, rt, ex)
		if err != nil {
			t.Fatal(err)
		}
		observed := map[orchestrator.Key]orchestrator.Container{}
		for _, c := range o.Containers {
			observed[orchestrator.KeyOf(c.Labels)] = c
		}
		if len(o.Containers) != len(d.Containers) || len(o.Networks) != len(d.Networks) {
			t.Errorf("%d containers and %d networks, want %d and %d", len(o.Containers), len(o.Networks), len(d.Containers), len(d.Networks))
		}
		for _, s := range d.Containers {
			c := observed[orchestrator.KeyOf(s.Labels)]
			if !c.Running || c.Name != s.Name {
				t.Errorf("%s: observed %+v", s.Name, c)
				continue
			}
			want := map[string]netip.Addr{}
			for _, a := range s.Networks {
				want[a.Network] = a.Address
			}
			if !maps.Equal(c.Addresses, want) {
				t.Errorf("%s: addresses %v, want %v", s.Name, c.Addresses, want)
			}
			info, err := engine.ContainerInspect(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if info.Config.Hostname != s.Hostname {
				t.Errorf("%s: hostname %q, want %q", s.Name, info.Config.Hostname, s.Hostname)
			}
		}
	})

	t.Run("containers are hardened", func(t *testing.T) {
		all := ids(t, rt, ex)
		for _, s := range d.Containers {
			id := all[orchestrator.KeyOf(s.Labels)]
			info, err := engine.ContainerInspect(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			hc := info.HostConfig
			var problems []string
			check := func(ok bool, format string, args ...any) {
				if !ok {
					problems = append(problems, fmt.Sprintf(format, args...))
				}
			}
			check(!hc.Privileged, "privileged")
			check(slices.Equal(hc.CapDrop, []string{"ALL"}), "CapDrop %q", hc.CapDrop)
			// The client may spell capabilities with their CAP_ prefix.
			var capAdd []string
			for _, c := range hc.CapAdd {
				capAdd = append(capAdd, strings.TrimPrefix(c, "CAP_"))
			}
			check(slices.Equal(capAdd, s.CapAdd), "CapAdd %q, want %q", hc.CapAdd, s.CapAdd)
			check(slices.Contains(hc.SecurityOpt, "no-new-privileges:true"), "SecurityOpt %q", hc.SecurityOpt)
			check(hc.Memory == s.Memory && hc.MemorySwap == s.Memory, "memory %d, swap %d, want %d", hc.Memory, hc.MemorySwap, s.Memory)
			check(hc.PidsLimit != nil && *hc.PidsLimit == s.Pids, "pids limit %v, want %d", hc.PidsLimit, s.Pids)
			check(hc.NanoCPUs == int64(s.CPUs*1e9), "NanoCPUs %d, want %v CPUs", hc.NanoCPUs, s.CPUs)
			check(hc.RestartPolicy.Name == "no", "restart policy %q", hc.RestartPolicy.Name)
			check(len(info.Mounts) == 0 && len(hc.Binds) == 0 && len(hc.Mounts) == 0, "mounts %+v, binds %q", info.Mounts, hc.Binds)
			check(!hc.PidMode.IsHost() && !hc.IpcMode.IsHost() && !hc.NetworkMode.IsHost(), "shares a namespace with the machine")

			// What the kernel enforces, seen from inside.
			status, _ := run(t, rt, id, "/rangehost", "cat", "/proc/self/status")
			wantCaps := "0000000000000000"
			if slices.Contains(s.CapAdd, "NET_ADMIN") {
				wantCaps = "0000000000001000" // bit 12, CAP_NET_ADMIN
			}
			for field, want := range map[string]string{"CapEff": wantCaps, "CapBnd": wantCaps, "NoNewPrivs": "1", "Seccomp": "2"} {
				got := regexp.MustCompile(`(?m)^` + field + `:\s*(\S+)$`).FindStringSubmatch(status)
				check(len(got) == 2 && got[1] == want, "%s %q, want %s", field, got, want)
			}
			if len(problems) > 0 {
				t.Errorf("%s:\n  %s", s.Name, strings.Join(problems, "\n  "))
			}
		}
	})

	t.Run("networks are sealed bridges with the planned subnets", func(t *testing.T) {
		for _, n := range d.Networks {
			info, err := engine.NetworkInspect(ctx, n.Name, network.InspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Driver != "bridge" || !info.Internal || info.Options["com.docker.network.bridge.inhibit_ipv4"] != "true" {
				t.Errorf("%s: driver %q, internal %v, options %v", n.Name, info.Driver, info.Internal, info.Options)
			}
			if len(info.IPAM.Config) != 1 || info.IPAM.Config[0].Subnet != n.Subnet.String() || info.IPAM.Config[0].Gateway != n.Gateway.String() {
				t.Errorf("%s: IPAM %+v, want %s via %s", n.Name, info.IPAM.Config, n.Subnet, n.Gateway)
			}
			if !maps.Equal(info.Labels, n.Labels) {
				t.Errorf("%s: labels %v, want %v", n.Name, info.Labels, n.Labels)
			}
		}
	})

	t.Run("up again changes nothing", func(t *testing.T) {
		before := ids(t, rt, ex)
		plan, err := orchestrator.Up(ctx, rt, d, nil)
		if err != nil || !plan.Empty() {
			t.Fatalf("second up: error %v, plan:\n%s", err, plan)
		}
		if after := ids(t, rt, ex); !maps.Equal(before, after) {
			t.Errorf("containers changed:\n%v\n%v", before, after)
		}
	})

	t.Run("reachability", func(t *testing.T) {
		// A listener on this machine, to show that range containers cannot
		// reach the machine running the engine.
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		port := ln.Addr().(*net.TCPAddr).Port

		red1 := idOf(t, rt, ex, "team-1", orchestrator.RoleAttacker, "red")
		bot1 := idOf(t, rt, ex, "team-1", orchestrator.RoleScorebot, "scorebot")
		plc1id := idOf(t, rt, ex, "team-1", orchestrator.RoleHost, "plc")
		web1 := spec(t, d, "team-1", orchestrator.RoleHost, "web")
		plc1 := spec(t, d, "team-1", orchestrator.RoleHost, "plc")
		web2 := spec(t, d, "team-2", orchestrator.RoleHost, "web")
		hostPort := func(a netip.Addr, port int) string { return netip.AddrPortFrom(a, uint16(port)).String() }
		tests := []struct {
			name     string
			from, to string
			open     bool
		}{
			{"attacker reaches its team's host", red1, hostPort(addressOn(web1, "dmz"), 80), true},
			{"on every port the host serves", red1, hostPort(addressOn(web1, "dmz"), 8080), true},
			{"scorebot reaches a host on its other network", bot1, hostPort(addressOn(plc1, "ot"), 502), true},
			{"attacker does not reach the other team's host", red1, hostPort(addressOn(web2, "dmz"), 80), false},
			{"nor the other team's other network", red1, hostPort(addressOn(web2, "ot"), 80), false},
			{"nor its own team's network it is not on", red1, hostPort(addressOn(plc1, "ot"), 502), false},
			// The one packet this may send cannot leave: the network is sealed.
			{"nothing outside the range", red1, "8.8.8.8:53", false},
			{"not the engine's machine from dmz", red1, hostPort(d.Networks[0].Gateway, port), false},
			{"not the engine's machine from ot", plc1id, hostPort(d.Networks[1].Gateway, port), false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				out, code := run(t, rt, tt.from, "/rangehost", "probe", tt.to)
				if open := code == 0; open != tt.open {
					t.Errorf("probe %s: open = %v, want %v (%s)", tt.to, open, tt.open, strings.TrimSpace(out))
				}
			})
		}
	})

	t.Run("exec", func(t *testing.T) {
		web1id := idOf(t, rt, ex, "team-1", orchestrator.RoleHost, "web")
		web1 := spec(t, d, "team-1", orchestrator.RoleHost, "web")
		if out, code := run(t, rt, web1id, "/rangehost", "env", "TEAM_SECRET"); out != web1.Env["TEAM_SECRET"]+"\n" || code != 0 {
			t.Errorf("env TEAM_SECRET: %q, exit %d; want %q", out, code, web1.Env["TEAM_SECRET"])
		}
		if out, code := run(t, rt, web1id, "/rangehost", "exit", "3", "bad"); out != "bad\n" || code != 3 {
			t.Errorf("exit 3: output %q, exit %d", out, code)
		}
		res, err := rt.Exec(ctx, web1id, orchestrator.ExecSpec{Cmd: []string{"/rangehost", "env", "EXTRA"}, Env: []string{"EXTRA=from exec"}})
		if err != nil || string(res.Output) != "from exec\n" {
			t.Errorf("exec with env: %q, %v", res.Output, err)
		}
		res, err = rt.Exec(ctx, web1id, orchestrator.ExecSpec{Cmd: []string{"/rangehost", "yes", fmt.Sprint(orchestrator.MaxExecOutput + 100)}})
		if err != nil || !res.Truncated || len(res.Output) != orchestrator.MaxExecOutput || res.ExitCode != 0 {
			t.Errorf("output past the limit: %d bytes, truncated %v, exit %d, error %v", len(res.Output), res.Truncated, res.ExitCode, err)
		}
		if res, err := rt.Exec(ctx, web1id, orchestrator.ExecSpec{Cmd: []string{"/bin/sh", "-c", "true"}}); err == nil && res.ExitCode == 0 {
			t.Error("a command that is not in the image succeeded")
		}
		if _, err := rt.Exec(ctx, "cordillera-no-such-container", orchestrator.ExecSpec{Cmd: []string{"/rangehost"}}); !errors.Is(err, orchestrator.ErrNotFound) {
			t.Errorf("exec in no container: error %v, want ErrNotFound", err)
		}
		// A probe of a sealed address takes its full second; the caller's
		// deadline comes first.
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := rt.Exec(short, web1id, orchestrator.ExecSpec{Cmd: []string{"/rangehost", "probe", "8.8.8.8:53"}}); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 900*time.Millisecond {
			t.Errorf("exec past its deadline: error %v after %v", err, time.Since(start))
		}
	})

	t.Run("terminal", func(t *testing.T) {
		term, ok := any(rt).(orchestrator.Terminal)
		if !ok {
			t.Fatal("the Docker runtime is not a Terminal")
		}
		web1id := idOf(t, rt, ex, "team-1", orchestrator.RoleHost, "web")
		s, err := term.ExecInteractive(ctx, web1id, []string{"/rangehost", "shell"}, orchestrator.TermSize{Rows: 24, Cols: 80})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		screen := &syncBuffer{}
		ended := make(chan struct{})
		go func() {
			io.Copy(screen, s)
			close(ended)
		}()
		screen.waitFor(t, "rangehost$ ")
		io.WriteString(s, "size\n")
		screen.waitFor(t, "size 24x80")
		io.WriteString(s, "hello cordillera\n")
		screen.waitFor(t, "hello cordillera\r\n") // the terminal's echo
		screen.waitFor(t, "you said: hello cordillera")
		if err := s.Resize(ctx, orchestrator.TermSize{Rows: 40, Cols: 120}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(s, "size\n")
		screen.waitFor(t, "size 40x120")
		io.WriteString(s, "exit\n")
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatalf("the session did not end when its command did; screen:\n%s", screen)
		}
		if code, err := s.Wait(ctx); code != 0 || err != nil {
			t.Errorf("the session's command ended with %d, %v; want 0", code, err)
		}

		// Without a terminal: input to its end, output and errors apart,
		// and the exit code.
		var stdout, stderr bytes.Buffer
		code, err := term.ExecStream(ctx, web1id, []string{"/rangehost", "shell"}, strings.NewReader("hola\nsize\n"), &stdout, &stderr)
		if err != nil || code != 0 || !strings.Contains(stdout.String(), "you said: hola\n") || !strings.Contains(stdout.String(), "size: ") {
			t.Errorf("stream: exit %d, %v, stdout %q; want the input read to its end, and no terminal to size", code, err, stdout.String())
		}
		stdout.Reset()
		code, err = term.ExecStream(ctx, web1id, []string{"/rangehost", "exit", "3", "sin acceso"}, nil, &stdout, &stderr)
		if err != nil || code != 3 || stdout.Len() != 0 || stderr.String() != "sin acceso\n" {
			t.Errorf("stream of a failing command: exit %d, %v, stdout %q, stderr %q; want 3 and the message on stderr", code, err, stdout.String(), stderr.String())
		}
		if _, err := term.ExecStream(ctx, "cordillera-no-such-container", []string{"/rangehost"}, nil, &stdout, &stderr); !errors.Is(err, orchestrator.ErrNotFound) {
			t.Errorf("stream in no container: error %v, want ErrNotFound", err)
		}
	})

	t.Run("a program put into a running container runs there", func(t *testing.T) {
		// As the agent goes into a scorebot: the range host's own program,
		// read back from the container, put in again under a new folder
		// and run from there.
		web1id := idOf(t, rt, ex, "team-1", orchestrator.RoleHost, "web")
		var program, stderr bytes.Buffer
		var term orchestrator.Terminal = rt
		if code, err := term.ExecStream(ctx, web1id, []string{"/rangehost", "cat", "/rangehost"}, nil, &program, &stderr); err != nil || code != 0 || program.Len() == 0 {
			t.Fatalf("reading /rangehost: exit %d, %v, %s", code, err, stderr.String())
		}
		var files orchestrator.Files = rt
		if err := files.PutFile(ctx, web1id, "/cordillera/bin/agent", 0o755, program.Bytes()); err != nil {
			t.Fatal(err)
		}
		// Replacing it works too, as a new agent replaces the old one.
		if err := files.PutFile(ctx, web1id, "/cordillera/bin/agent", 0o755, program.Bytes()); err != nil {
			t.Fatalf("putting the file again: %v", err)
		}
		res, err := rt.Exec(ctx, web1id, orchestrator.ExecSpec{Cmd: []string{"/cordillera/bin/agent", "exit", "7", "ran from /cordillera/bin"}})
		if err != nil || res.ExitCode != 7 || !strings.Contains(string(res.Output), "ran from /cordillera/bin") {
			t.Errorf("running the program put into the container: %+v, %v; want exit 7 and its message", res, err)
		}
		for _, bad := range []string{"relative/agent", "/cordillera/../agent", "/"} {
			if err := files.PutFile(ctx, web1id, bad, 0o755, []byte("x")); err == nil {
				t.Errorf("PutFile(%q): no error, want the path refused", bad)
			}
		}
		if err := files.PutFile(ctx, "cordillera-no-such-container", "/cordillera/bin/agent", 0o755, []byte("x")); !errors.Is(err, orchestrator.ErrNotFound) {
			t.Errorf("PutFile in no container: %v, want ErrNotFound", err)
		}

		// A long-lived stream to it, as the agent's: many exchanges on one
		// exec, ended by the end of its input.
		stream := orchestrator.OpenStream(ctx, term, web1id, []string{"/cordillera/bin/agent", "shell"}, nil)
		lines := bufio.NewReader(stream)
		for i := range 50 {
			fmt.Fprintf(stream, "check %d\n", i)
			// The range host's shell prompts before every line it reads.
			if got, err := lines.ReadString('\n'); err != nil || got != fmt.Sprintf("rangehost$ you said: check %d\n", i) {
				t.Fatalf("exchange %d over the stream: %q, %v", i, got, err)
			}
		}
		stream.Close()
		if code, err := stream.Wait(ctx); code != 0 || err != nil {
			t.Errorf("the stream's command after its input ended: exit %d, %v; want 0", code, err)
		}
	})

	t.Run("the agent checks from the scorebot, with its rights, on no port", func(t *testing.T) {
		agents := agent.NewPool(rt, agent.PoolOptions{})
		defer agents.Close()
		bot1 := idOf(t, rt, ex, "team-1", orchestrator.RoleScorebot, "scorebot")
		web1 := spec(t, d, "team-1", orchestrator.RoleHost, "web")
		web2 := spec(t, d, "team-2", orchestrator.RoleHost, "web")
		check := func(a netip.Addr) scenarios.CheckPlan {
			return scenarios.CheckPlan{Type: "tcp", Host: "web", Service: "http", Address: a, Port: 80,
				Timeout: scenarios.Duration(2 * time.Second), TCP: &scenarios.TCPCheck{}}
		}
		rs, err := agents.Check(ctx, bot1, []scenarios.CheckPlan{check(addressOn(web1, "dmz")), check(addressOn(web2, "dmz"))})
		if err != nil {
			t.Fatal(err)
		}
		if !rs[0].Up || rs[1].Up {
			t.Errorf("from team-1's scorebot: own web %+v, other team's web %+v; want only its own reached", rs[0], rs[1])
		}
		top, err := engine.ContainerTop(ctx, bot1, nil)
		if err != nil {
			t.Fatal(err)
		}
		pidCol, cmdCol := slices.Index(top.Titles, "PID"), slices.Index(top.Titles, "CMD")
		var pid string
		for _, p := range top.Processes {
			if strings.HasPrefix(p[cmdCol], agent.DefaultPath) {
				pid = p[pidCol]
			}
		}
		if pid == "" {
			t.Fatalf("no agent among the scorebot's processes: %v", top.Processes)
		}
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"} {
			if !strings.Contains(string(status), field+"\n") {
				t.Errorf("the agent's /proc/%s/status lacks %q", pid, field)
			}
		}
		// Its open sockets are its checks' only: none listens.
		fds, _ := os.ReadDir("/proc/" + pid + "/fd")
		sockets := map[string]bool{}
		for _, fd := range fds {
			if l, err := os.Readlink("/proc/" + pid + "/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:[") {
				sockets[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
			}
		}
		for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
			b, err := os.ReadFile("/proc/" + pid + "/net/" + table)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n")[1:] {
				f := strings.Fields(line)
				if len(f) > 9 && sockets[f[9]] && (f[3] == "0A" || strings.HasPrefix(table, "udp")) {
					t.Errorf("the agent listens: %s %s", table, line)
				}
			}
		}
	})

	t.Run("a changed host is recreated, the rest left alone", func(t *testing.T) {
		plans := plansFor(t, ex, pool, 2)
		plans[0].Hosts[0].Env["EXTRA"] = "1"
		changed := desiredFor(t, plans)
		before := ids(t, rt, ex)
		plan, err := orchestrator.Up(ctx, rt, changed, nil)
		if err != nil {
			t.Fatal(err)
		}
		web1 := spec(t, changed, "team-1", orchestrator.RoleHost, "web")
		want := fmt.Sprintf("remove host %[1]s (changed)\ncreate host %[1]s %s %s %s\n", web1.Name, web1.Networks[0].Address, web1.Networks[1].Address, testImage)
		if plan.String() != want {
			t.Errorf("plan:\n%s\nwant:\n%s", plan, want)
		}
		after := ids(t, rt, ex)
		for k, id := range before {
			recreated := after[k] != id
			if wantRecreated := k == orchestrator.KeyOf(web1.Labels); recreated != wantRecreated {
				t.Errorf("%v: recreated = %v, want %v", k, recreated, wantRecreated)
			}
		}
		if out, _ := run(t, rt, after[orchestrator.KeyOf(web1.Labels)], "/rangehost", "env", "EXTRA"); out != "1\n" {
			t.Errorf("EXTRA in the new container: %q", out)
		}
		d = changed
	})

	t.Run("reset restores a host and keeps its addresses", func(t *testing.T) {
		id := idOf(t, rt, ex, "team-2", orchestrator.RoleHost, "web")
		run(t, rt, id, "/rangehost", "write", "/srv/original.txt", "tampered")
		run(t, rt, id, "/rangehost", "write", "/srv/added.txt", "added")
		if out, _ := run(t, rt, id, "/rangehost", "cat", "/srv/original.txt"); out != "tampered" {
			t.Fatalf("after writing, the file holds %q", out)
		}
		if err := orchestrator.Reset(ctx, rt, d, "team-2", "web"); err != nil {
			t.Fatal(err)
		}
		o, err := orchestrator.Observe(ctx, rt, ex)
		if err != nil {
			t.Fatal(err)
		}
		web2 := spec(t, d, "team-2", orchestrator.RoleHost, "web")
		var now orchestrator.Container
		for _, c := range o.Containers {
			if orchestrator.KeyOf(c.Labels) == orchestrator.KeyOf(web2.Labels) {
				now = c
			}
		}
		if now.ID == "" || now.ID == id || !now.Running {
			t.Fatalf("after reset: %+v, was %s", now, id)
		}
		for _, a := range web2.Networks {
			if now.Addresses[a.Network] != a.Address {
				t.Errorf("address on %s: %s, want %s", a.Network, now.Addresses[a.Network], a.Address)
			}
		}
		if out, _ := run(t, rt, now.ID, "/rangehost", "cat", "/srv/original.txt"); out != "original\n" {
			t.Errorf("after reset, the file holds %q", out)
		}
		if _, code := run(t, rt, now.ID, "/rangehost", "cat", "/srv/added.txt"); code == 0 {
			t.Error("after reset, the added file is still there")
		}
		if plan, err := orchestrator.Up(ctx, rt, d, nil); err != nil || !plan.Empty() {
			t.Errorf("up after reset: error %v, plan:\n%s", err, plan)
		}
	})
}

// syncBuffer collects a terminal's output while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", s, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
