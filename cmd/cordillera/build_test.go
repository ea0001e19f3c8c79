package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
)

var builtTag = regexp.MustCompile(`cordillera-build/cli-build-web:[0-9a-f]{12}`)

// TestUpBuildsImages brings up a scenario whose host is built from a
// Dockerfile in the scenario's folder: up builds the image before creating
// the containers, the hosts run it, and a second up builds nothing.
func TestUpBuildsImages(t *testing.T) {
	rt := needDocker(t)
	// A copy of the scenario with a file of its own, so that its image is
	// new to the engine, whatever earlier runs left.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/build")); err != nil {
		t.Fatal(err)
	}
	var run [6]byte
	rand.Read(run[:])
	if err := os.WriteFile(filepath.Join(dir, "images/web/run.txt"), []byte(hex.EncodeToString(run[:])), 0o644); err != nil {
		t.Fatal(err)
	}
	// Removed once the exercise is down (cleanups run last first), so
	// that no container holds it.
	var tag string
	t.Cleanup(func() {
		if tag != "" {
			if err := rt.RemoveImage(context.Background(), tag); err != nil {
				t.Errorf("remove the built image: %v", err)
			}
		}
	})
	file, name := testExerciseOf(t, rt, dir)

	out, errs, code := cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	tag = builtTag.FindString(out)
	if code != 0 || tag == "" {
		t.Fatalf("up: exit %d, built image named %q\n%s%s", code, tag, out, errs)
	}
	for _, want := range []string{
		"\n[1/1] building " + tag + " for host web, from images/web\n",
		"FROM cordillera/test-rangehost:dev",
		"Built 1 image of the scenario's build blocks in ",
		"created host cordillera-" + name + "-cl-1-web",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "Built 1 image") > strings.Index(out, "created network") {
		t.Errorf("containers were created before the image was built:\n%s", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o, err := orchestrator.Observe(ctx, rt, name)
	if err != nil {
		t.Fatal(err)
	}
	hosts := 0
	for _, c := range o.Containers {
		if k := orchestrator.KeyOf(c.Labels); k.Role != orchestrator.RoleHost {
			continue
		}
		hosts++
		if c.Image != tag {
			t.Errorf("%s runs %s, want the built %s", c.Name, c.Image, tag)
		}
		for cmd, want := range map[string]string{"env GREETING": "hola\n", "cat /srv/motd.txt": "Bienvenidos a la cordillera\n"} {
			res, err := rt.Exec(ctx, c.ID, orchestrator.ExecSpec{Cmd: append([]string{"/rangehost"}, strings.Fields(cmd)...)})
			if err != nil || string(res.Output) != want {
				t.Errorf("%s: %s gave %q, %v; want %q, from the build", c.Name, cmd, res.Output, err, want)
			}
		}
	}
	if hosts != 2 {
		t.Errorf("%d hosts, want one per team", hosts)
	}

	out, errs, code = cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 0 || !strings.Contains(out, "Nothing to change") || strings.Contains(out, "uild") {
		t.Errorf("second up: exit %d; want nothing built or changed:\n%s%s", code, out, errs)
	}
	out, errs, code = cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--dry-run")
	if code != 0 || !strings.Contains(out, "Nothing to change") {
		t.Errorf("up --dry-run: exit %d; want nothing to change:\n%s%s", code, out, errs)
	}
	out, errs, code = cordillera(t, "plan", "--exercise", file, "--format", "json")
	var plan struct {
		Teams []struct {
			Hosts []struct {
				Build *struct {
					Context, Dockerfile string
					Args                map[string]string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &plan); code != 0 || err != nil || len(plan.Teams) != 2 {
		t.Fatalf("plan --format json: exit %d, %v:\n%s%s", code, err, out, errs)
	}
	if b := plan.Teams[1].Hosts[0].Build; b == nil || b.Context != "images/web" || b.Dockerfile != "Dockerfile" || b.Args["GREETING"] != "hola" {
		t.Errorf("plan --format json shows the build as %+v; want its context, Dockerfile and args", b)
	}
	out, errs, code = cordillera(t, "reset", "--exercise", file, "--team", "co-1", "--host", "web")
	if code != 0 || !strings.Contains(out, "recreated from "+tag) || strings.Contains(out, "uilding") {
		t.Errorf("reset: exit %d; want web recreated from the built image, with nothing built:\n%s%s", code, out, errs)
	}
}
