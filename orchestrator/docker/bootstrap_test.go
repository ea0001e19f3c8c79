package docker_test

import (
	"archive/tar"
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// TestBootstrapBaseImage builds a Debian base image from the Debian mirror,
// as `cordillera images bootstrap` does, under a tag of its own, and runs a
// container of it. It needs debootstrap and root, which CI installs and is.
func TestBootstrapBaseImage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rt := newRuntime(t)
	ex := newExercise()
	tag := "cordillera-test/debian:" + ex
	t.Cleanup(func() { rt.RemoveImage(context.Background(), tag) })

	var lines []string
	built, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{Tags: []string{tag}},
		func(line string) { lines = append(lines, line) })
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	if !built || len(lines) < 5 {
		t.Fatalf("built=%v with %d progress lines; want the image built and debootstrap's progress shown", built, len(lines))
	}
	built, err = orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{Tags: []string{tag}}, func(string) {})
	if err != nil || built {
		t.Errorf("second bootstrap: built=%v, %v; want it to find the image and do nothing", built, err)
	}

	// Its root folder is 0755, as a system's is: storage drivers that keep
	// the mode of a layer's root (vfs) would otherwise deny every service
	// that drops root the whole file system.
	if mode, err := rootMode(ctx, tag); err != nil || mode != 0o755 {
		t.Errorf("the image's / has mode %o (%v); want 755", mode, err)
	}

	// The image boots a shell and is Debian 12.
	cleanupExercise(t, rt, ex)
	pool := netip.MustParsePrefix(takePool(t))
	subnet := netip.PrefixFrom(pool.Addr(), 24)
	labels := func(role, name string) map[string]string {
		return map[string]string{orchestrator.LabelExercise: ex, orchestrator.LabelTeam: "t", orchestrator.LabelRole: role, orchestrator.LabelName: name}
	}
	netName := "cordillera-" + ex + "-lan"
	if _, err := rt.CreateNetwork(ctx, orchestrator.NetworkSpec{Name: netName, Labels: labels("network", "lan"),
		Subnet: subnet, Gateway: subnet.Addr().Next()}); err != nil {
		t.Fatal(err)
	}
	id, err := rt.CreateContainer(ctx, orchestrator.ContainerSpec{
		Name: "cordillera-" + ex + "-debian", Hostname: "debian", Image: tag, Labels: labels("host", "debian"),
		Command:  []string{"sleep", "300"},
		Networks: []orchestrator.Attachment{{Network: netName, Address: subnet.Addr().Next().Next()}},
		Memory:   64 << 20, CPUs: 0.5, Pids: 64,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, code := run(t, rt, id, "cat", "/etc/debian_version")
	if code != 0 || !strings.HasPrefix(out, "12.") {
		t.Errorf("/etc/debian_version: %q, exit %d; want Debian 12", out, code)
	}
}

// rootMode is the mode of the root folder in the image's first layer, as
// `docker save` gives it.
func rootMode(ctx context.Context, ref string) (fs.FileMode, error) {
	rc, err := engine.ImageSave(ctx, []string{ref})
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	outer := tar.NewReader(rc)
	for {
		h, err := outer.Next()
		if err != nil {
			return 0, fmt.Errorf("no layer with a root folder: %w", err)
		}
		if !strings.HasSuffix(h.Name, ".tar") && !strings.HasPrefix(h.Name, "blobs/") {
			continue
		}
		inner := tar.NewReader(outer)
		first, err := inner.Next()
		if err != nil || (first.Name != "./" && first.Name != "/") {
			continue // the config, or a layer that does not start at /
		}
		return fs.FileMode(first.Mode).Perm(), nil
	}
}
