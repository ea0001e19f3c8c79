// Command swarmbench deploys the same exercise on a Docker Swarm of 1, 2
// and 3 nodes, each node a Docker engine in a container of this machine's
// engine (orchestrator/docker/dockertest), and reports for each size:
//
//   - the deploy time of `cordillera up` pointed at the swarm's manager by
//     DOCKER_HOST, until every service's check passes;
//   - each node engine's CPU time during the deploy (its container's cgroup:
//     dockerd, containerd and the shims; the range containers' own cgroups
//     are not under it), so that the work per node can be projected onto
//     a real cluster, where nodes do not share two cores;
//   - the scorebots' throughput: every team's agent checks its services in
//     batches, all teams at once, for a few seconds.
//
// With -keep it starts a swarm of the largest size and leaves it running,
// printing the DOCKER_HOST to use, for a session by hand; -down removes it.
//
// See docs/performance.md for the method; run it with `go run
// ./bench/cmd/swarmbench` after `make build` and the test images exist.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scenarios"
)

const (
	exerciseName = "bench-swarm"
	// nodesNet is the nodes' own network on this machine's engine.
	nodesNet = "10.207.0.0/24"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "swarmbench:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("cordillera", "bin/cordillera", "the cordillera `binary`")
	sizes := flag.String("nodes", "1,2,3", "swarm `sizes` to measure")
	teams := flag.Int("teams", 6, "`teams` in the exercise")
	batch := flag.Int("batch", 200, "checks per agent request in the throughput run")
	seconds := flag.Duration("for", 10*time.Second, "how long the throughput run lasts")
	keep := flag.Bool("keep", false, "start a swarm of the largest size and leave it running")
	down := flag.Bool("down", false, "remove the swarm -keep left")
	flag.Parse()
	ctx := context.Background()
	engine, err := dockertest.Client()
	if err != nil {
		return err
	}
	defer engine.Close()
	if *down {
		return dockertest.RemoveSwarm(ctx, engine, "swarmbench")
	}
	if _, err := dockertest.BuildImage(ctx, engine); err != nil {
		return err
	}
	if err := dockertest.BuildNodeImage(ctx, engine); err != nil {
		return err
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-nodes: %q is no size", s)
		}
		ns = append(ns, n)
	}
	if *keep {
		sw, err := dockertest.StartSwarm(ctx, engine, "swarmbench", netip.MustParsePrefix(nodesNet), ns[len(ns)-1], dockertest.Image)
		if err != nil {
			return err
		}
		fmt.Printf("A swarm of %d nodes runs. Point Cordillera at it with:\n  export DOCKER_HOST=%s\nRemove it with: go run ./bench/cmd/swarmbench -down\n", len(sw.Nodes()), sw.Manager().Engine)
		return nil
	}
	dir, err := os.MkdirTemp("", "swarmbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file, err := writeExercise(dir, *teams)
	if err != nil {
		return err
	}
	fmt.Printf("%d teams of 4 containers (web, plc, attacker, scorebot) on the range host image; throughput in batches of %d checks for %v\n\n", *teams, *batch, *seconds)
	fmt.Printf("%-6s %-10s %-28s %-14s %s\n", "nodes", "deploy", "engine CPU per node (s)", "checks/s", "teams per node")
	for _, n := range ns {
		r, err := measure(ctx, engine, *bin, file, *teams, n, *batch, *seconds)
		if err != nil {
			return fmt.Errorf("%d nodes: %w", n, err)
		}
		var cpu []string
		for _, c := range r.cpu {
			cpu = append(cpu, fmt.Sprintf("%.1f", c.Seconds()))
		}
		fmt.Printf("%-6d %-10s %-28s %-14.0f %s\n", n, r.deploy.Round(100*time.Millisecond), strings.Join(cpu, " "), r.throughput, r.spread)
	}
	return nil
}

type result struct {
	deploy     time.Duration
	cpu        []time.Duration
	throughput float64
	spread     string
}

func measure(ctx context.Context, engine *dockertest.Engine, bin, file string, teams, n, batch int, length time.Duration) (result, error) {
	var r result
	sw, err := dockertest.StartSwarm(ctx, engine, fmt.Sprintf("swarmbench%d", n), netip.MustParsePrefix(nodesNet), n, dockertest.Image)
	if err != nil {
		return r, err
	}
	defer sw.Close(context.WithoutCancel(ctx))
	before := sw.CPU(ctx)
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "5m")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+sw.Manager().Engine)
	if out, err := cmd.CombinedOutput(); err != nil {
		return r, fmt.Errorf("up: %v\n%s", err, out)
	}
	r.deploy = time.Since(start)
	after := sw.CPU(ctx)
	for i := range after {
		r.cpu = append(r.cpu, after[i]-before[i])
	}

	cl, err := docker.NewCluster(ctx, docker.ClusterOptions{Manager: sw.Manager().Engine})
	if err != nil {
		return r, err
	}
	defer cl.Close()
	nodes, err := cl.Nodes(ctx)
	if err != nil {
		return r, err
	}
	var spread []string
	for _, nd := range nodes {
		spread = append(spread, strconv.Itoa(len(nd.Teams)))
	}
	r.spread = strings.Join(spread, " ")
	r.throughput, err = throughput(ctx, cl, file, batch, length)
	if err != nil {
		return r, err
	}
	if _, err := orchestrator.Down(ctx, cl, exerciseName, nil); err != nil {
		return r, err
	}
	return r, nil
}

// throughput runs every team's checks, repeated to fill a batch, from its
// scorebot's agent, all teams at once, and returns the checks per second.
func throughput(ctx context.Context, cl *docker.Cluster, file string, batch int, length time.Duration) (float64, error) {
	ex, sc, diags := scenarios.NewLoader().LoadExercise(file)
	if diags.HasErrors() {
		return 0, diags
	}
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		return 0, diags
	}
	agents := agent.NewPool(cl, agent.PoolOptions{})
	defer agents.Close()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, len(plans))
	deadline := time.Now().Add(length)
	start := time.Now()
	for _, p := range plans {
		bots, err := cl.ListContainers(ctx, map[string]string{
			orchestrator.LabelExercise: exerciseName, orchestrator.LabelTeam: p.Team.ID, orchestrator.LabelRole: string(orchestrator.RoleScorebot),
		})
		if err != nil || len(bots) != 1 {
			return 0, fmt.Errorf("team %s's scorebot: %d found, %v", p.Team.ID, len(bots), err)
		}
		var checks []scenarios.CheckPlan
		for len(checks) < batch {
			checks = append(checks, p.Checks()...)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				rs, err := agents.Check(ctx, bots[0].ID, checks)
				if err != nil {
					errs <- err
					return
				}
				for _, r := range rs {
					if !r.Up {
						errs <- fmt.Errorf("a check failed: %+v", r)
						return
					}
				}
				done.Add(int64(len(rs)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// writeExercise writes the benchmark's scenario and an exercise of teams
// teams into dir, and returns the exercise's file.
func writeExercise(dir string, teams int) (string, error) {
	scen := filepath.Join(dir, "scenario")
	if err := os.Mkdir(scen, 0o755); err != nil {
		return "", err
	}
	img := dockertest.Image
	src := `scenario "swarm-bench" {
  title    = "Swarm benchmark range"
  duration = "1h"
}

network "dmz" {}
network "ot" {}

host "web" {
  image    = "` + img + `"
  networks = [network.dmz, network.ot]
  memory   = "64MiB"
  env = { RANGEHOST_PORTS = "80" }
  service "http" {
    port = 80
    check "http" { path = "/health" }
  }
}

host "plc" {
  image    = "` + img + `"
  networks = [network.ot]
  memory   = "64MiB"
  env = { RANGEHOST_PORTS = "502" }
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

attacker "red" {
  image    = "` + img + `"
  networks = [network.dmz]
}
`
	if err := os.WriteFile(filepath.Join(scen, "main.hcl"), []byte(src), 0o644); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "exercise %q {\n  title = \"Swarm benchmark\"\n  scenario = %q\n  seed = \"bench-swarm\"\n", exerciseName, scen)
	for i := range teams {
		country := []string{"CL", "CO"}[i%2]
		fmt.Fprintf(&b, "  team \"%s-%d\" {\n    name = \"Team %d\"\n    country = %q\n  }\n", strings.ToLower(country), i/2+1, i+1, country)
	}
	b.WriteString("}\n")
	file := filepath.Join(dir, "exercise.hcl")
	return file, os.WriteFile(file, []byte(b.String()), 0o644)
}
