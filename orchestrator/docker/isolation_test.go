package docker_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/docker/docker/api/types/network"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// isolationScenario is a range as most scenarios write one: nothing about
// capabilities or limits, so the defaults apply. Host web on lan serves
// 80; host db on lan and ops serves 5432; attacker red is on lan.
var isolationScenario = fstest.MapFS{"main.hcl": {Data: []byte(`
scenario "isolation-test" {
  title    = "Isolation test range"
  duration = "30m"
}

network "lan" {}
network "ops" {}

host "web" {
  image    = "` + testImage + `"
  networks = [network.lan]
  service "http" {
    port = 80
    check "tcp" {}
  }
}

host "db" {
  image    = "` + testImage + `"
  networks = [network.lan, network.ops]
  env = {
    RANGEHOST_PORTS = "5432"
  }
  service "postgres" {
    port = 5432
    check "tcp" {}
  }
}

attacker "red" {
  image    = "` + testImage + `"
  networks = [network.lan]
}
`)}}

// TestIsolation deploys two teams of a scenario that asks for no
// capability and no limits, then checks what the security model promises
// (docs/security.md): every container as the engine reports it, and what
// each one can reach from inside. TestDeployTwoTeams checks the hardening
// of a scenario that adds a capability and sets limits, and reaches from
// the attacker; this checks the defaults, and reaches from every container
// of a team, hosts and scorebot included, to every address of the other
// team, the engine's machine and the outside.
func TestIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t)
	ex, pool := newExercise(), takePool(t)
	cleanupExercise(t, rt, ex)
	sc, diags := scenarios.NewLoader().LoadScenarioFS(isolationScenario, ".", "isolation-test")
	if diags.HasErrors() {
		t.Fatalf("scenario: %v", diags)
	}
	exercise := &scenarios.Exercise{Name: ex, Scenario: sc.Name, Speed: 1, Seed: "isolation", AddressPool: pool,
		Teams: []*scenarios.Team{{ID: "team-1", Name: "Team 1", Country: "CL"}, {ID: "team-2", Name: "Team 2", Country: "CO"}}}
	plans, diags := scenarios.Plan(sc, exercise)
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	d := desiredFor(t, plans)
	if _, err := orchestrator.Up(ctx, rt, d, nil); err != nil {
		t.Fatalf("up: %v", err)
	}
	all := ids(t, rt, ex)
	teamNets := map[string][]string{}
	for _, n := range d.Networks {
		team := n.Labels[orchestrator.LabelTeam]
		teamNets[team] = append(teamNets[team], n.Name)
	}

	t.Run("every container is confined", func(t *testing.T) {
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
			check(slices.Equal(hc.CapDrop, []string{"ALL"}), "CapDrop %q, want ALL", hc.CapDrop)
			check(len(hc.CapAdd) == 0, "CapAdd %q; the scenario asks for none", hc.CapAdd)
			check(slices.Contains(hc.SecurityOpt, "no-new-privileges:true"), "SecurityOpt %q lacks no-new-privileges", hc.SecurityOpt)
			for _, o := range hc.SecurityOpt {
				check(!strings.Contains(o, "unconfined") && o != "label=disable" && o != "label:disable", "SecurityOpt %q", o)
			}
			// The engine's socket, or anything else of the machine's.
			check(len(info.Mounts) == 0 && len(hc.Binds) == 0 && len(hc.Mounts) == 0 && len(hc.VolumesFrom) == 0 && len(info.Config.Volumes) == 0,
				"mounts %+v, binds %q, volumes %v from %q", info.Mounts, hc.Binds, info.Config.Volumes, hc.VolumesFrom)
			for _, m := range info.Mounts {
				check(!strings.Contains(m.Source, "docker.sock") && !strings.Contains(m.Destination, "docker.sock"), "mounts the engine's socket: %+v", m)
			}
			for _, e := range info.Config.Env {
				check(!strings.HasPrefix(e, "DOCKER_"), "environment %q", e)
			}
			check(len(hc.Devices) == 0 && len(hc.DeviceCgroupRules) == 0 && len(hc.DeviceRequests) == 0, "devices %+v %q", hc.Devices, hc.DeviceCgroupRules)
			check(!hc.NetworkMode.IsHost() && !hc.PidMode.IsHost() && !hc.IpcMode.IsHost() && !hc.UTSMode.IsHost() && !hc.UsernsMode.IsHost(),
				"shares a namespace with the machine: network %q, pid %q, ipc %q, uts %q, userns %q", hc.NetworkMode, hc.PidMode, hc.IpcMode, hc.UTSMode, hc.UsernsMode)
			check(!hc.PidMode.IsContainer() && !hc.IpcMode.IsContainer() && !hc.NetworkMode.IsContainer(), "shares a namespace with another container")
			check(len(hc.Sysctls) == 0, "sysctls %v", hc.Sysctls)
			check(hc.OomKillDisable == nil || !*hc.OomKillDisable, "OOM killer disabled")
			// Limits, though the scenario sets none.
			check(hc.Memory > 0 && hc.MemorySwap == hc.Memory, "memory %d, swap %d: no limit", hc.Memory, hc.MemorySwap)
			check(hc.PidsLimit != nil && *hc.PidsLimit > 0, "pids limit %v", hc.PidsLimit)
			check(hc.NanoCPUs > 0, "no CPU limit")
			// Nothing published on the machine's addresses.
			check(len(hc.PortBindings) == 0 && !hc.PublishAllPorts, "ports published: %v", hc.PortBindings)
			if info.NetworkSettings != nil {
				for p, b := range info.NetworkSettings.Ports {
					check(len(b) == 0, "port %s bound on the machine: %v", p, b)
				}
				// On its team's networks only: not the engine's default
				// bridge, not another team's.
				var on []string
				for name := range info.NetworkSettings.Networks {
					on = append(on, name)
				}
				team := s.Labels[orchestrator.LabelTeam]
				for _, n := range on {
					check(slices.Contains(teamNets[team], n), "on network %q, which is not one of team %s's %q", n, team, teamNets[team])
				}
				check(len(on) == len(s.Networks), "on networks %q, want %d", on, len(s.Networks))
			}
			// From inside: no capability, no way to gain one, a syscall
			// filter, and no engine socket.
			status, _ := run(t, rt, id, "/rangehost", "cat", "/proc/self/status")
			for _, field := range []string{"CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"} {
				check(strings.Contains(status, field+"\n"), "/proc/self/status lacks %q", field)
			}
			if out, code := run(t, rt, id, "/rangehost", "cat", "/var/run/docker.sock"); code == 0 {
				check(false, "the engine's socket is inside: %q", out)
			}
			if !hc.ReadonlyRootfs {
				// The design does not ask for read-only root filesystems:
				// defenders change their hosts, and a reset restores them.
				t.Logf("%s: root filesystem writable (by design)", s.Name)
			}
			if len(problems) > 0 {
				t.Errorf("%s:\n  %s", s.Name, strings.Join(problems, "\n  "))
			}
		}
	})

	t.Run("networks are sealed", func(t *testing.T) {
		for _, n := range d.Networks {
			info, err := engine.NetworkInspect(ctx, n.Name, network.InspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !info.Internal || info.Options["com.docker.network.bridge.inhibit_ipv4"] != "true" || info.EnableIPv6 || info.Attachable || info.Ingress {
				t.Errorf("%s: internal %v, options %v, IPv6 %v, attachable %v, ingress %v; want sealed, IPv4 only",
					n.Name, info.Internal, info.Options, info.EnableIPv6, info.Attachable, info.Ingress)
			}
			// Only the team's own containers are on it.
			team := n.Labels[orchestrator.LabelTeam]
			for cid, ep := range info.Containers {
				c, err := engine.ContainerInspect(ctx, cid)
				if err != nil {
					t.Fatal(err)
				}
				if c.Config.Labels[orchestrator.LabelExercise] != ex || c.Config.Labels[orchestrator.LabelTeam] != team {
					t.Errorf("%s: container %s (%s) is on it, labels %v", n.Name, ep.Name, cid, c.Config.Labels)
				}
			}
		}
	})

	t.Run("no team reaches another, the machine or the outside", func(t *testing.T) {
		// A listener on every address of this machine: the machine running
		// the engine must be out of reach, on any of its addresses.
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
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		var machine []netip.AddrPort
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() {
				machine = append(machine, netip.AddrPortFrom(p.Addr(), port))
			}
		}

		// Every kind of path, from hosts on one and on two networks and
		// from the scorebot, each probe one exec (the engine may be slow).
		type probe struct {
			name, from, to string
			open           bool
		}
		c := func(team string, role orchestrator.Role, name string) orchestrator.ContainerSpec {
			return spec(t, d, team, role, name)
		}
		id := func(s orchestrator.ContainerSpec) string { return all[orchestrator.KeyOf(s.Labels)] }
		at := func(s orchestrator.ContainerSpec, network string, port uint16) string {
			return netip.AddrPortFrom(addressOn(s, network), port).String()
		}
		web1, db1, bot1 := c("team-1", orchestrator.RoleHost, "web"), c("team-1", orchestrator.RoleHost, "db"), c("team-1", orchestrator.RoleScorebot, "scorebot")
		red1 := c("team-1", orchestrator.RoleAttacker, "red")
		web2, db2, bot2 := c("team-2", orchestrator.RoleHost, "web"), c("team-2", orchestrator.RoleHost, "db"), c("team-2", orchestrator.RoleScorebot, "scorebot")
		red2 := c("team-2", orchestrator.RoleAttacker, "red")
		probes := []probe{
			// Controls: what should open does, so that the closed ones are
			// not closed because probing is broken.
			{"control: attacker to its team's web", id(red1), at(web1, "lan", 80), true},
			{"control: web to its team's db by name", id(web1), "db:5432", true},
			{"control: scorebot to its team's db on ops", id(bot1), at(db1, "ops", 5432), true},
			// Team to team, by address and by name.
			{"web to the other team's web", id(web1), at(web2, "lan", 80), false},
			{"web to the other team's db", id(web1), at(db2, "lan", 5432), false},
			{"web to the other team's attacker", id(web1), at(red2, "lan", 80), false},
			{"web to the other team's scorebot", id(web1), at(bot2, "lan", 80), false},
			{"web to the other team's web by name", id(web1), web2.Name + ":80", false},
			{"db to the other team's db on ops", id(db1), at(db2, "ops", 5432), false},
			{"db to the other team's scorebot on ops", id(db1), at(bot2, "ops", 80), false},
			{"db to the other team's db by name", id(db1), db2.Name + ":5432", false},
			{"scorebot to the other team's web", id(bot1), at(web2, "lan", 80), false},
			{"scorebot to the other team's db on ops", id(bot1), at(db2, "ops", 5432), false},
			{"the other way: web to web", id(web2), at(web1, "lan", 80), false},
			{"the other way: db to db on ops", id(db2), at(db1, "ops", 5432), false},
			// The outside: documentation addresses (RFC 5737), which route
			// nowhere; never a real one.
			{"web to the outside", id(web1), "198.51.100.1:80", false},
			{"db to the outside", id(db1), "203.0.113.1:443", false},
			{"scorebot to the outside", id(bot1), "198.51.100.1:443", false},
		}
		// The machine: at its own network's gateway, and at every address
		// it has.
		for _, n := range d.Networks {
			if n.Labels[orchestrator.LabelTeam] == "team-1" {
				probes = append(probes, probe{"db to the machine at the gateway of " + n.Name, id(db1), netip.AddrPortFrom(n.Gateway, port).String(), false})
			}
		}
		for _, m := range machine {
			probes = append(probes, probe{"web to the machine at " + m.String(), id(web1), m.String(), false})
		}
		for _, p := range probes {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel()
				out, code := run(t, rt, p.from, "/rangehost", "probe", p.to)
				if open := code == 0; open != p.open {
					t.Errorf("probe %s: open = %v, want %v (%s)", p.to, open, p.open, strings.TrimSpace(out))
				}
			})
		}
	})
}
