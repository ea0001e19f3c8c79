package docker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// TestSwarm runs two teams on a real swarm of two nodes, each node a
// Docker engine in a container of the test engine: every team on a node of
// its own, every check passing from its scorebot's agent, the teams apart
// across the nodes, a terminal on a node that is not the manager, a reset;
// then a node is lost, the cluster says which team it held, a new node
// joins and the team moves to it with its addresses; and down leaves
// nothing on any node.
func TestSwarm(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rt := newRuntime(t)
	if _, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{Tags: []string{dockertest.Base}}, func(string) {}); err != nil {
		t.Fatalf("the nodes' base image: %v", err)
	}
	if err := dockertest.BuildNodeImage(ctx, engine); err != nil {
		t.Fatal(err)
	}
	nodesPool, err := dockertest.FreePool(ctx, engine, netip.MustParsePrefix("10.208.0.0/12"))
	if err != nil {
		t.Fatal(err)
	}
	ex, pool := newExercise(), takePool(t)
	started := time.Now()
	sw, err := dockertest.StartSwarm(ctx, engine, ex, netip.PrefixFrom(nodesPool.Addr(), 24), 2, testImage)
	if err != nil {
		t.Fatalf("start the swarm: %v", err)
	}
	t.Cleanup(func() {
		if err := sw.Close(context.Background()); err != nil {
			t.Errorf("remove the swarm: %v", err)
		}
	})
	t.Logf("a swarm of 2 nodes in %v", time.Since(started).Round(time.Millisecond))

	var logMu sync.Mutex
	var logged []string
	e, err := docker.Connect(ctx, docker.ClusterOptions{Manager: sw.Manager().Engine, Log: func(line string) {
		logMu.Lock()
		defer logMu.Unlock()
		logged = append(logged, line)
	}})
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := e.(*docker.Cluster)
	if !ok {
		t.Fatalf("Connect to a manager whose nodes carry %s gave a %T, want a *docker.Cluster", docker.LabelEngine, e)
	}
	t.Cleanup(func() { cl.Close() })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := orchestrator.Down(ctx, cl, ex, nil); err != nil {
			t.Errorf("down: %v", err)
		}
		if left := swarmLeftovers(t, sw, ex); len(left) > 0 {
			t.Errorf("left on the swarm after down: %q", left)
		}
	})

	d := desiredFor(t, plansFor(t, ex, pool, 2))
	started = time.Now()
	if _, err := orchestrator.Up(ctx, cl, d, nil); err != nil {
		t.Fatalf("up: %v", err)
	}
	t.Logf("deployed %d containers across the swarm in %v; the cluster said:\n%s", len(d.Containers), time.Since(started).Round(time.Millisecond), strings.Join(logged, "\n"))

	nodeOf := map[string]string{}
	t.Run("each team on a node of its own, with its planned addresses", func(t *testing.T) {
		o, err := orchestrator.Observe(ctx, cl, ex)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Containers) != len(d.Containers) {
			t.Fatalf("%d containers, want %d", len(o.Containers), len(d.Containers))
		}
		nodes := map[string][]string{}
		for _, c := range o.Containers {
			k := orchestrator.KeyOf(c.Labels)
			s, _ := d.Container(k)
			want := map[string]netip.Addr{}
			for _, a := range s.Networks {
				want[a.Network] = a.Address
			}
			if !c.Running || !maps.Equal(c.Addresses, want) {
				t.Errorf("%s: running %v, addresses %v, want %v", c.Name, c.Running, c.Addresses, want)
			}
			if !slices.Contains(nodes[k.Team], c.Node) {
				nodes[k.Team] = append(nodes[k.Team], c.Node)
			}
		}
		for team, on := range nodes {
			if len(on) != 1 {
				t.Errorf("team %s is on nodes %q, want one", team, on)
			}
			nodeOf[team] = on[0]
		}
		if nodeOf["team-1"] == nodeOf["team-2"] {
			t.Errorf("both teams on node %s; the two empty nodes should take one each", nodeOf["team-1"])
		}
		// The manager had the images; the worker got them from it.
		if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "copied image "+testImage) }) {
			t.Errorf("no image was copied to the worker; the cluster said %q", logged)
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	node := func(name string) *dockertest.Node {
		for _, n := range sw.Nodes() {
			if n.Name == name {
				return n
			}
		}
		t.Fatalf("no node %s", name)
		return nil
	}

	t.Run("networks are sealed, attachable overlays with the planned subnets", func(t *testing.T) {
		for _, n := range d.Networks {
			info, err := sw.Manager().Client.NetworkInspect(ctx, n.Name, network.InspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := info.IPAM.Config
			if info.Driver != "overlay" || !info.Internal || !info.Attachable || info.Scope != "swarm" ||
				len(cfg) != 1 || cfg[0].Subnet != n.Subnet.String() || cfg[0].Gateway != n.Gateway.String() || !strings.HasSuffix(cfg[0].IPRange, ".224/27") {
				t.Errorf("%s: driver %s scope %s internal %v attachable %v IPAM %+v; want a sealed attachable overlay on %s via %s, the engine's own addresses in its last /27",
					n.Name, info.Driver, info.Scope, info.Internal, info.Attachable, cfg, n.Subnet, n.Gateway)
			}
		}
	})

	t.Run("containers on a worker are hardened as on one engine", func(t *testing.T) {
		on := node(nodeOf["team-2"]).Client
		list, err := on.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", orchestrator.LabelExercise+"="+ex))})
		if err != nil || len(list) == 0 {
			t.Fatalf("containers on %s: %d, %v", nodeOf["team-2"], len(list), err)
		}
		for _, c := range list {
			info, err := on.ContainerInspect(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			hc := info.HostConfig
			if hc.Privileged || !slices.Equal(hc.CapDrop, []string{"ALL"}) || !slices.Contains(hc.SecurityOpt, "no-new-privileges:true") || hc.Memory == 0 || hc.PidsLimit == nil {
				t.Errorf("%s: privileged %v, cap drop %q, security %q, memory %d, pids %v", info.Name, hc.Privileged, hc.CapDrop, hc.SecurityOpt, hc.Memory, hc.PidsLimit)
			}
		}
	})

	checks := func(t *testing.T, team string) {
		t.Helper()
		agents := agent.NewPool(cl, agent.PoolOptions{})
		defer agents.Close()
		var plan *scenarios.TeamPlan
		for _, p := range plansFor(t, ex, pool, 2) {
			if p.Team.ID == team {
				plan = p
			}
		}
		want := plan.Checks()
		// As the engine finds a team's scorebot: by the team's labels, so
		// that a node down with another team on it is not in the way.
		bots, err := cl.ListContainers(ctx, map[string]string{
			orchestrator.LabelExercise: ex, orchestrator.LabelTeam: team, orchestrator.LabelRole: string(orchestrator.RoleScorebot),
		})
		if err != nil || len(bots) != 1 {
			t.Fatalf("team %s's scorebot: %d found, %v", team, len(bots), err)
		}
		rs, err := agents.Check(ctx, bots[0].ID, want)
		if err != nil {
			t.Fatalf("team %s's checks: %v", team, err)
		}
		for i, r := range rs {
			if !r.Up {
				t.Errorf("team %s: check %s/%s failed: %+v", team, want[i].Host, want[i].Service, r)
			}
		}
		if len(rs) != len(want) || len(want) == 0 {
			t.Errorf("%d results for %d checks", len(rs), len(want))
		}
	}
	t.Run("every check passes from each team's scorebot", func(t *testing.T) {
		checks(t, "team-1")
		checks(t, "team-2")
	})

	t.Run("teams on different nodes do not reach each other", func(t *testing.T) {
		red1 := idOf(t, cl, ex, "team-1", orchestrator.RoleAttacker, "red")
		web1 := spec(t, d, "team-1", orchestrator.RoleHost, "web")
		web2 := spec(t, d, "team-2", orchestrator.RoleHost, "web")
		hostPort := func(a netip.Addr, port uint16) string { return netip.AddrPortFrom(a, port).String() }
		for _, tt := range []struct {
			name string
			to   string
			open bool
		}{
			{"the attacker reaches its team's host", hostPort(addressOn(web1, "dmz"), 80), true},
			{"not the other team's host, on the other node", hostPort(addressOn(web2, "dmz"), 80), false},
			{"not its node's engine", hostPort(node(nodeOf["team-1"]).Addr, 2375), false},
			{"not the other node's engine", hostPort(node(nodeOf["team-2"]).Addr, 2375), false},
			{"nothing outside the range", "8.8.8.8:53", false},
		} {
			out, code := run(t, cl, red1, "/rangehost", "probe", tt.to)
			if open := code == 0; open != tt.open {
				t.Errorf("%s: probe %s: open = %v, want %v (%s)", tt.name, tt.to, open, tt.open, strings.TrimSpace(out))
			}
		}
	})

	t.Run("a terminal on the worker", func(t *testing.T) {
		web2 := idOf(t, cl, ex, "team-2", orchestrator.RoleHost, "web")
		s, err := cl.ExecInteractive(ctx, web2, []string{"/rangehost", "shell"}, orchestrator.TermSize{Rows: 24, Cols: 80})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		screen := &syncBuffer{}
		go io.Copy(screen, s)
		screen.waitFor(t, "rangehost$ ")
		io.WriteString(s, "hola desde "+nodeOf["team-2"]+"\n")
		screen.waitFor(t, "you said: hola desde "+nodeOf["team-2"])
	})

	t.Run("a reset stays on the team's node", func(t *testing.T) {
		web2 := idOf(t, cl, ex, "team-2", orchestrator.RoleHost, "web")
		if out, code := run(t, cl, web2, "/rangehost", "write", "/srv/original.txt", "changed"); code != 0 {
			t.Fatalf("write: %s", out)
		}
		if err := orchestrator.Reset(ctx, cl, d, "team-2", "web"); err != nil {
			t.Fatal(err)
		}
		o, err := orchestrator.Observe(ctx, cl, ex)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range o.Containers {
			if k := orchestrator.KeyOf(c.Labels); k.Team == "team-2" && k.Name == "web" {
				if c.ID == web2 || c.Node != nodeOf["team-2"] {
					t.Errorf("after reset: %s on %s, want a new container on %s", c.ID, c.Node, nodeOf["team-2"])
				}
				if out, _ := run(t, cl, c.ID, "/rangehost", "cat", "/srv/original.txt"); out != "original\n" {
					t.Errorf("after reset the file holds %q", out)
				}
			}
		}
	})

	t.Run("a node lost, and its team moved to a new node", func(t *testing.T) {
		// The team on the worker: the manager must stay up to run the swarm.
		lostTeam, keptTeam := "team-2", "team-1"
		if nodeOf["team-2"] == sw.Manager().Name {
			lostTeam, keptTeam = "team-1", "team-2"
		}
		lost := node(nodeOf[lostTeam])
		if err := sw.Stop(ctx, lost); err != nil {
			t.Fatal(err)
		}
		if err := sw.WaitState(ctx, lost, swarm.NodeStateDown); err != nil {
			t.Fatal(err)
		}
		o, err := orchestrator.Observe(ctx, cl, ex)
		var down *orchestrator.NodeDownError
		if !errors.As(err, &down) || !slices.Equal(down.Nodes, []string{lost.Name}) || !slices.Equal(down.Teams, []string{ex + "/" + lostTeam}) {
			t.Fatalf("observe with %s down: %v; want it named with team %s", lost.Name, err, lostTeam)
		}
		for _, c := range o.Containers {
			if k := orchestrator.KeyOf(c.Labels); k.Team != keptTeam || !c.Running {
				t.Errorf("with %s down, observed %s of team %s (running %v); want only team %s's, running", lost.Name, c.Name, k.Team, c.Running, keptTeam)
			}
		}
		checks(t, keptTeam)
		nodes, err := cl.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(nodes, func(n orchestrator.Node) bool { return n.Name == lost.Name })
		if i < 0 || nodes[i].State != "down" || nodes[i].Eligible || !slices.Contains(nodes[i].Teams, orchestrator.NodeTeam{Exercise: ex, Team: lostTeam}) {
			t.Errorf("nodes with %s down: %+v", lost.Name, nodes)
		}

		fresh, err := sw.AddNode(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// While the lost node is in the swarm, it holds the team's addresses.
		if _, err := orchestrator.Move(ctx, cl, d, lostTeam, fresh.Name, nil); err == nil || !strings.Contains(err.Error(), "docker node rm --force "+lost.Name) {
			t.Fatalf("move off a node still in the swarm: %v; want the way out said", err)
		}
		if err := sw.Remove(ctx, lost); err != nil {
			t.Fatal(err)
		}
		if _, err := orchestrator.Move(ctx, cl, d, lostTeam, fresh.Name, nil); err != nil {
			t.Fatalf("move: %v", err)
		}
		o, err = orchestrator.Observe(ctx, cl, ex)
		if err != nil {
			t.Fatal(err)
		}
		moved := 0
		for _, c := range o.Containers {
			k := orchestrator.KeyOf(c.Labels)
			if k.Team != lostTeam {
				continue
			}
			moved++
			s, _ := d.Container(k)
			if c.Node != fresh.Name || !c.Running || c.Addresses[s.Networks[0].Network] != s.Networks[0].Address {
				t.Errorf("after the move: %s on %s, running %v, addresses %v", c.Name, c.Node, c.Running, c.Addresses)
			}
		}
		if want := len(d.Containers) / 2; moved != want {
			t.Errorf("%d containers of team %s after the move, want %d", moved, lostTeam, want)
		}
		checks(t, lostTeam)
	})
}

// swarmLeftovers names what is labelled with the exercise on any node of
// the swarm that answers, and the records of where its teams were placed.
func swarmLeftovers(t *testing.T, sw *dockertest.Swarm, exercise string) []string {
	t.Helper()
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", orchestrator.LabelExercise+"="+exercise))
	var out []string
	for _, n := range sw.Nodes() {
		if n.Stopped {
			continue // the lost node
		}
		cs, err := n.Client.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		if err != nil {
			t.Errorf("node %s: %v", n.Name, err)
			continue
		}
		for _, c := range cs {
			out = append(out, fmt.Sprintf("container %s on %s", strings.Join(c.Names, ","), n.Name))
		}
	}
	m := sw.Manager().Client
	ns, err := m.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		out = append(out, "network "+n.Name)
	}
	cfgs, err := m.ConfigList(ctx, swarm.ConfigListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfgs {
		out = append(out, "config "+c.Spec.Name)
	}
	return out
}
