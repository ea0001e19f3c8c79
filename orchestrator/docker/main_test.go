package docker_test

// These tests run against the real Docker engine that DOCKER_HOST (or the
// default socket) names. They fail when it cannot be reached, so a broken
// setup is not mistaken for a pass; set CORDILLERA_NO_DOCKER=1 to skip them
// on a machine without Docker.
//
// No image can be pulled where they run, so TestMain builds
// cordillera/test-rangehost:dev with dockertest: a FROM scratch image holding
// the static Go program in testdata/rangehost. It is rebuilt only when that
// program changes. Each test deploys its own exercise ("t-" and random digits) in its
// own slice of a private /16 that no network on the engine uses, and removes
// it when done, checking that nothing labelled with it is left.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scenarios"
)

const testImage = dockertest.Image

var (
	// engine is the Docker client the tests check the runtime's work with.
	engine *client.Client
	// poolBase is the /16 the tests' subnets come from.
	poolBase netip.Prefix

	poolMu     sync.Mutex
	poolsInUse [8]bool
)

func TestMain(m *testing.M) {
	if os.Getenv("CORDILLERA_NO_DOCKER") == "1" {
		fmt.Println("orchestrator/docker: CORDILLERA_NO_DOCKER=1, not testing against a Docker engine")
		os.Exit(0)
	}
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "orchestrator/docker: %v\nThese tests need a Docker engine; set CORDILLERA_NO_DOCKER=1 to skip them.\n", err)
		os.Exit(1)
	}
	code := m.Run()
	engine.Close()
	os.Exit(code)
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rt, err := docker.New(ctx)
	if err != nil {
		return err
	}
	rt.Close()
	engine, err = dockertest.Client()
	if err != nil {
		return err
	}
	if _, err := dockertest.BuildImage(ctx, engine); err != nil {
		return err
	}
	poolBase, err = dockertest.FreePool(ctx, engine, netip.MustParsePrefix("10.224.0.0/12"))
	return err
}

// takePool lends the test a /19 of the tests' /16, room for two teams of
// 16 /24s, until it ends. Take it before cleanupExercise, so that it is
// given back only once the exercise is down.
func takePool(t *testing.T) string {
	poolMu.Lock()
	defer poolMu.Unlock()
	for k := range poolsInUse {
		if poolsInUse[k] {
			continue
		}
		poolsInUse[k] = true
		t.Cleanup(func() {
			poolMu.Lock()
			defer poolMu.Unlock()
			poolsInUse[k] = false
		})
		a := poolBase.Addr().As4()
		a[2] = byte(k * 32)
		return netip.PrefixFrom(netip.AddrFrom4(a), 19).String()
	}
	t.Fatal("every test address pool is in use")
	return ""
}

func newExercise() string {
	var b [4]byte
	rand.Read(b[:])
	return "t-" + hex.EncodeToString(b[:])
}

func newRuntime(t *testing.T) *docker.Runtime {
	t.Helper()
	rt, err := docker.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// testScenario has two networks; host web on both, serving on 80 and 8080
// with a capability; host plc on ot only; attacker red on dmz.
var testScenario = fstest.MapFS{"main.hcl": {Data: []byte(`
scenario "orchestrator-test" {
  title    = "Orchestrator test range"
  duration = "30m"
}

network "dmz" {}
network "ot" {}

host "web" {
  image        = "` + testImage + `"
  networks     = [network.dmz, network.ot]
  memory       = "64MiB"
  cpus         = 0.25
  pids         = 64
  capabilities = ["NET_ADMIN"]
  env = {
    RANGEHOST_PORTS = "80,8080"
    TEAM_SECRET     = secret("web")
  }
  service "http" {
    port = 80
    check "http" {
      path = "/health"
    }
  }
}

host "plc" {
  image    = "` + testImage + `"
  networks = [network.ot]
  command  = ["/rangehost", "serve"]
  env = {
    RANGEHOST_PORTS = "502"
  }
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

attacker "red" {
  image    = "` + testImage + `"
  networks = [network.dmz]
}
`)}}

// plansFor plans the test scenario for teams teams of the exercise.
func plansFor(t *testing.T, exercise, pool string, teams int) []*scenarios.TeamPlan {
	t.Helper()
	sc, diags := scenarios.NewLoader().LoadScenarioFS(testScenario, ".", "orchestrator-test")
	if diags.HasErrors() {
		t.Fatalf("test scenario: %v", diags)
	}
	ex := &scenarios.Exercise{Name: exercise, Scenario: sc.Name, Speed: 1, Seed: "test", AddressPool: pool}
	for i := range teams {
		ex.Teams = append(ex.Teams, &scenarios.Team{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Country: "CL"})
	}
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	return plans
}

func desiredFor(t *testing.T, plans []*scenarios.TeamPlan) *orchestrator.Desired {
	t.Helper()
	// The test image stands in for the scorebot, which is not built here.
	d, err := orchestrator.NewDesired(plans, orchestrator.Options{ScorebotImage: testImage})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cleanupExercise removes the exercise when the test ends, then checks
// that nothing labelled with it is left. Registered before anything is
// created, it also cleans up after a test that failed halfway.
func cleanupExercise(t *testing.T, rt orchestrator.Runtime, exercise string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := orchestrator.Down(ctx, rt, exercise, nil); err != nil {
			t.Errorf("down: %v", err)
		}
		if left := leftovers(t, exercise); len(left) > 0 {
			t.Errorf("left after down: %q", left)
		}
	})
}

// leftovers names every container and network labelled with the exercise,
// as the engine lists them.
func leftovers(t *testing.T, exercise string) []string {
	t.Helper()
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", orchestrator.LabelExercise+"="+exercise))
	cs, err := engine.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := engine.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, "container "+strings.Join(c.Names, ","))
	}
	for _, n := range ns {
		out = append(out, "network "+n.Name)
	}
	return out
}

// ids maps each of the exercise's containers to its ID.
func ids(t *testing.T, rt orchestrator.Runtime, exercise string) map[orchestrator.Key]string {
	t.Helper()
	o, err := orchestrator.Observe(context.Background(), rt, exercise)
	if err != nil {
		t.Fatal(err)
	}
	out := map[orchestrator.Key]string{}
	for _, c := range o.Containers {
		out[orchestrator.KeyOf(c.Labels)] = c.ID
	}
	return out
}

func idOf(t *testing.T, rt orchestrator.Runtime, exercise, team string, role orchestrator.Role, name string) string {
	t.Helper()
	id := ids(t, rt, exercise)[orchestrator.Key{Team: team, Role: role, Name: name}]
	if id == "" {
		t.Fatalf("team %s has no %s %s", team, role, name)
	}
	return id
}

// run execs cmd in the container and returns its output and exit code.
func run(t *testing.T, rt orchestrator.Runtime, id string, cmd ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rt.Exec(ctx, id, orchestrator.ExecSpec{Cmd: cmd})
	if err != nil {
		t.Fatalf("exec %q: %v", cmd, err)
	}
	return string(res.Output), res.ExitCode
}

func addressOn(spec orchestrator.ContainerSpec, network string) netip.Addr {
	for _, a := range spec.Networks {
		if strings.HasSuffix(a.Network, "-"+network) {
			return a.Address
		}
	}
	return netip.Addr{}
}

func spec(t *testing.T, d *orchestrator.Desired, team string, role orchestrator.Role, name string) orchestrator.ContainerSpec {
	t.Helper()
	s, ok := d.Container(orchestrator.Key{Team: team, Role: role, Name: name})
	if !ok {
		t.Fatalf("no spec for team %s %s %s", team, role, name)
	}
	return s
}
