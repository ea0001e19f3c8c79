package main

// These tests deploy to the real Docker engine that DOCKER_HOST (or the
// default socket) names. They fail when it cannot be reached, so a broken
// setup is not mistaken for a pass; CORDILLERA_NO_DOCKER=1 skips them on a
// machine without Docker. The range runs the test image dockertest builds.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
)

var (
	engineOnce sync.Once
	engineErr  error
	// testPool is a /16 no network on the engine uses, apart from the one
	// orchestrator/docker's tests take theirs from, as both may run at once.
	testPool netip.Prefix
)

// needDocker builds the test image and picks the address pool, once, or
// ends the test: skipped with CORDILLERA_NO_DOCKER=1, failed otherwise.
func needDocker(t *testing.T) *docker.Runtime {
	t.Helper()
	if os.Getenv("CORDILLERA_NO_DOCKER") == "1" {
		t.Skip("CORDILLERA_NO_DOCKER=1: not testing against a Docker engine")
	}
	engineOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		engine, err := dockertest.Client()
		if err != nil {
			engineErr = err
			return
		}
		defer engine.Close()
		if _, err := engine.Ping(ctx); err != nil {
			engineErr = err
			return
		}
		if _, engineErr = dockertest.BuildImage(ctx, engine); engineErr != nil {
			return
		}
		testPool, engineErr = dockertest.FreePool(ctx, engine, netip.MustParsePrefix("10.240.0.0/12"))
	})
	if engineErr != nil {
		t.Fatalf("%v\nThese tests need a Docker engine; set CORDILLERA_NO_DOCKER=1 to skip them.", engineErr)
	}
	rt, err := docker.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// testExercise writes an exercise of two teams, cl-1 and co-1, of the
// scenario in testdata/SCENARIO, into a temporary folder. It returns the
// file and the exercise's name, and takes the exercise down when the test
// ends, checking that nothing labelled with it is left.
func testExercise(t *testing.T, rt orchestrator.Runtime, scenario string) (file, name string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	return testExerciseOf(t, rt, dir)
}

// testExerciseOf is testExercise of the scenario in the folder dir, an
// absolute path.
func testExerciseOf(t *testing.T, rt orchestrator.Runtime, dir string) (file, name string) {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	name = "cli-" + hex.EncodeToString(b[:])
	file = filepath.Join(t.TempDir(), "exercise.hcl")
	src := fmt.Sprintf(`exercise %q {
  scenario     = %q
  seed         = "cli-test"
  address_pool = %q
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
`, name, dir, testPool)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := orchestrator.Down(ctx, rt, name, nil); err != nil {
			t.Errorf("down: %v", err)
		}
		assertGone(t, rt, name)
	})
	return file, name
}

func assertGone(t *testing.T, rt orchestrator.Runtime, exercise string) {
	t.Helper()
	o, err := orchestrator.Observe(context.Background(), rt, exercise)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Containers {
		t.Errorf("container %s of exercise %s is left", c.Name, exercise)
	}
	for _, n := range o.Networks {
		t.Errorf("network %s of exercise %s is left", n.Name, exercise)
	}
}

func webID(t *testing.T, rt orchestrator.Runtime, exercise, team string) string {
	t.Helper()
	o, err := orchestrator.Observe(context.Background(), rt, exercise)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Containers {
		if orchestrator.KeyOf(c.Labels) == (orchestrator.Key{Team: team, Role: orchestrator.RoleHost, Name: "web"}) {
			return c.ID
		}
	}
	t.Fatalf("team %s has no host web", team)
	return ""
}

func TestUpStatusResetDown(t *testing.T) {
	rt := needDocker(t)
	file, name := testExercise(t, rt, "range")
	web := testPool.Addr().As4()
	web[3] = 10

	out, errs, code := cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 0 {
		t.Fatalf("up: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"[1/8] created network cordillera-" + name,
		"[8/8] created ",
		"Team cl-1",
		"Team co-1",
		netip.AddrFrom4(web).String() + " (lan)",
		"cordillera-" + name + "-co-1-red",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}

	out, errs, code = cordillera(t, "status", name)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	for _, team := range []string{"cl-1", "co-1"} {
		for _, c := range []string{"web", "red", "scorebot"} {
			if want := fmt.Sprintf("cordillera-%s-%s-%s", name, team, c); !strings.Contains(out, want) {
				t.Errorf("status lacks %s:\n%s", want, out)
			}
		}
	}
	if out, _, _ := cordillera(t, "status"); !strings.Contains(out, "Exercise "+name+": 2 teams, 6 containers, 2 networks") {
		t.Errorf("status of every exercise lacks %s:\n%s", name, out)
	}

	out, errs, code = cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 0 || !strings.Contains(out, "Nothing to change") {
		t.Errorf("second up: exit %d, want 0 with nothing to change:\n%s%s", code, out, errs)
	}

	before := webID(t, rt, name, "co-1")
	out, errs, code = cordillera(t, "reset", "--exercise", file, "--team", "co-1", "--host", "web")
	if code != 0 || !strings.Contains(out, "Reset host web of team co-1") {
		t.Fatalf("reset: exit %d\n%s%s", code, out, errs)
	}
	if webID(t, rt, name, "co-1") == before {
		t.Error("reset left the same container")
	}

	out, errs, code = cordillera(t, "down", name)
	if code != 0 || !strings.Contains(out, "Removed 6 containers and 2 networks of exercise "+name) {
		t.Fatalf("down: exit %d\n%s%s", code, out, errs)
	}
	assertGone(t, rt, name)
}

func TestUpMissingImage(t *testing.T) {
	rt := needDocker(t)
	file, name := testExercise(t, rt, "missing-image")
	out, errs, code := cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 1 || !strings.Contains(errs, `image "cordillera/no-such-image:never" is not on this engine`) {
		t.Errorf("exit %d, want 1 saying the image is missing:\n%s%s", code, out, errs)
	}
	assertGone(t, rt, name)
}

func TestDownUnknownExercise(t *testing.T) {
	needDocker(t)
	out, errs, code := cordillera(t, "down", "cli-never-deployed")
	if code != 0 || !strings.Contains(out, "Nothing to remove") {
		t.Errorf("exit %d, want 0 with nothing to remove:\n%s%s", code, out, errs)
	}
}

func TestUpRefusesNoSeed(t *testing.T) {
	dir, err := filepath.Abs("testdata/range")
	if err != nil {
		t.Fatal(err)
	}
	_, errs, code := cordillera(t, "up", dir)
	if code != 1 || !strings.Contains(errs, "no seed: set seed") {
		t.Errorf("exit %d, want 1 asking for a seed:\n%s", code, errs)
	}
}
