package docker_test

import (
	"context"
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
