package main

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestRunOnASwarm runs an exercise whole with the real binary, pointed at
// the manager of a real swarm of two nodes (Docker engines in containers
// of the test engine) by DOCKER_HOST alone, as a user would: each team on
// a node of its own, every check passing from its scorebot, the attacks
// judged and scored; then status, nodes and shell say and reach where the
// teams are, and down leaves nothing on any node.
func TestRunOnASwarm(t *testing.T) {
	rt := needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	engine, err := dockertest.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	if _, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{Tags: []string{dockertest.Base}}, func(string) {}); err != nil {
		t.Fatalf("the nodes' base image: %v", err)
	}
	sw := dockertest.SwarmForTest(ctx, t, engine, "cli-swarm", netip.MustParsePrefix("10.176.0.0/12"), 2, dockertest.Image)
	cl, err := docker.NewCluster(ctx, docker.ClusterOptions{Manager: sw.Manager().Engine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	// Registered after the swarm, so the exercise goes down first.
	file, name := testExercise(t, cl, "timeline")

	dir := t.TempDir()
	bin := filepath.Join(dir, "cordillera")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "cordillera.db")
	cordillera := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+sw.Manager().Engine)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := cordillera("run", "--exercise", file, "--db", db, "--speed", "60", "--view", "lines",
		"--scorebot-image", dockertest.Image, "--wait", "2m")
	if err != nil {
		t.Fatalf("run on the swarm: %v\n%s", err, out)
	}
	for _, want := range []string{
		"swarm: placed team cl-1 on node", "swarm: placed team co-1 on node", "Every check passes",
		`attack "first" succeeded`, `attack "second" succeeded`, `attack "third" was blocked`, "has ended",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run does not say %q:\n%s", want, out)
		}
	}
	t.Logf("run:\n%s", out)

	store, err := scoreboard.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	xs, err := store.Executions(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 6 {
		t.Errorf("%d executions, want 3 attacks for each of 2 teams", len(xs))
	}
	for _, x := range xs {
		if x.State != scoreboard.ExecDone {
			t.Errorf("%s/%s ended %s: %s", x.Team, x.Attack, x.State, x.Reason)
		}
	}
	for _, team := range []string{"cl-1", "co-1"} {
		hist, err := store.CheckHistory(ctx, name, team)
		if err != nil {
			t.Fatal(err)
		}
		up := 0
		for _, r := range hist {
			if r.Up {
				up++
			}
		}
		if up == 0 {
			t.Errorf("team %s: %d checks recorded, none passed", team, len(hist))
		}
	}

	out, err = cordillera("status", name)
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	nodes := sw.Nodes()
	for _, n := range nodes {
		if !strings.Contains(out, "  on "+n.Name) {
			t.Errorf("status names no container on node %s; want one team on each:\n%s", n.Name, out)
		}
	}
	out, err = cordillera("nodes")
	if err != nil {
		t.Fatalf("nodes: %v\n%s", err, out)
	}
	for _, want := range []string{nodes[0].Name, nodes[1].Name, name + "/cl-1", name + "/co-1", "manager", "worker", nodes[1].Engine} {
		if !strings.Contains(out, want) {
			t.Errorf("nodes does not say %q:\n%s", want, out)
		}
	}
	t.Logf("nodes:\n%s", out)
	for _, team := range []string{"cl-1", "co-1"} {
		out, err = cordillera("shell", "--exercise", file, "--team", team, "--host", "web", "--", "/rangehost", "cat", "/proc/1/cmdline")
		if err != nil || !strings.Contains(out, "serve") {
			t.Errorf("shell on team %s's web: %v\n%s", team, err, out)
		}
	}

	out, err = cordillera("down", name)
	if err != nil {
		t.Fatalf("down: %v\n%s", err, out)
	}
	// The cluster lists every node's containers.
	left, err := cl.ListContainers(ctx, map[string]string{orchestrator.LabelExercise: name})
	if err != nil || len(left) > 0 {
		t.Errorf("after down: %d containers of the exercise on the swarm, %v", len(left), err)
	}
}
