package docker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/scenarios"
)

// TestDownAfterCrash deploys with one runtime, drops it as a crash would,
// and takes the exercise down with a fresh one, which knows only the
// exercise's name.
func TestDownAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex, pool := newExercise(), takePool(t)
	cleanupExercise(t, newRuntime(t), ex)
	d := desiredFor(t, plansFor(t, ex, pool, 1))

	crashed, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orchestrator.Up(ctx, crashed, d, nil); err != nil {
		t.Fatal(err)
	}
	crashed.Close()

	// Someone's own container on the exercise's network, and a network
	// named like the exercise's: neither is the exercise's to remove.
	testLabel := map[string]string{"cordillera.test": ex}
	foreign, err := engine.ContainerCreate(ctx, &container.Config{Image: testImage, Labels: testLabel},
		&container.HostConfig{NetworkMode: container.NetworkMode(d.Networks[0].Name), CapDrop: []string{"ALL"}}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.ContainerRemove(context.Background(), foreign.ID, container.RemoveOptions{Force: true}) })
	if err := engine.ContainerStart(ctx, foreign.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	lookalike, err := engine.NetworkCreate(ctx, fmt.Sprintf("cordillera-%s-team-1-extra", ex), network.CreateOptions{Internal: true, Labels: testLabel})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.NetworkRemove(context.Background(), lookalike.ID) })

	plan, err := orchestrator.Down(ctx, newRuntime(t), ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Actions) != len(d.Networks)+len(d.Containers) {
		t.Errorf("down removed:\n%s\nwant every network and container of the exercise", plan)
	}
	if left := leftovers(t, ex); len(left) > 0 {
		t.Errorf("left after down: %q", left)
	}
	if info, err := engine.ContainerInspect(ctx, foreign.ID); err != nil || !info.State.Running {
		t.Errorf("the foreign container: %v, running %v", err, err == nil && info.State.Running)
	}
	if _, err := engine.NetworkInspect(ctx, lookalike.ID, network.InspectOptions{}); err != nil {
		t.Errorf("the look-alike network: %v", err)
	}
}

func TestEngineUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	_, err := docker.New(context.Background())
	if !errors.Is(err, orchestrator.ErrEngineUnreachable) {
		t.Fatalf("error %v, want ErrEngineUnreachable", err)
	}
	if want := "cannot reach the Docker engine at unix:///nonexistent/docker.sock: start Docker or set DOCKER_HOST"; err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestImageMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t)
	ex, pool := newExercise(), takePool(t)
	cleanupExercise(t, rt, ex)
	plans := plansFor(t, ex, pool, 1)
	plans[0].Hosts[1].Image = "cordillera/test-missing:0"
	d := desiredFor(t, plans)

	_, err := orchestrator.Up(ctx, rt, d, nil)
	want := "image \"cordillera/test-missing:0\" is not on this engine: run `cordillera images bootstrap` and `cordillera images build`, or build it yourself"
	if !errors.Is(err, orchestrator.ErrImageMissing) || err.Error() != want {
		t.Fatalf("up: error %v, want %s", err, want)
	}
	if left := leftovers(t, ex); len(left) > 0 {
		t.Errorf("up with an image missing created %q", left)
	}

	// Asked directly, as by a reset, the runtime says the same.
	for _, n := range d.Networks {
		if _, err := rt.CreateNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	plc := spec(t, d, "team-1", orchestrator.RoleHost, "plc")
	if _, err := rt.CreateContainer(ctx, plc); !errors.Is(err, orchestrator.ErrImageMissing) || err.Error() != "create: "+want {
		t.Errorf("create: error %v, want ErrImageMissing", err)
	}
	// Docker says "not found" for a network too, which is not an image.
	web := spec(t, d, "team-1", orchestrator.RoleHost, "web")
	web.Networks[0].Network += "-gone"
	if _, err := rt.CreateContainer(ctx, web); err == nil || errors.Is(err, orchestrator.ErrImageMissing) {
		t.Errorf("create on a missing network: error %v", err)
	}
}

func TestSubnetTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t)
	pool := takePool(t)
	first, second := newExercise(), newExercise()
	cleanupExercise(t, rt, first)
	cleanupExercise(t, rt, second)
	holder := desiredFor(t, plansFor(t, first, pool, 1)).Networks[0]
	if _, err := rt.CreateNetwork(ctx, holder); err != nil {
		t.Fatal(err)
	}

	d := desiredFor(t, plansFor(t, second, pool, 1))
	_, err := orchestrator.Up(ctx, rt, d, nil)
	var taken *orchestrator.SubnetTakenError
	if !errors.Is(err, orchestrator.ErrSubnetTaken) || !errors.As(err, &taken) {
		t.Fatalf("up: error %v, want ErrSubnetTaken", err)
	}
	want := fmt.Sprintf(`team "team-1" network "dmz": create: subnet %s of network %q is already used by another network on this engine (%s): remove it or set address_pool in the exercise`,
		d.Networks[0].Subnet, d.Networks[0].Name, holder.Name)
	if err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	for _, left := range leftovers(t, second) {
		if strings.HasPrefix(left, "container") {
			t.Errorf("containers created though a network failed: %s", left)
		}
	}
}

// TestCreateRefusesCapabilityOffTheAllowList hands the real runtime a spec
// no scenario could make: it is refused before the engine is asked, and no
// container is left.
func TestCreateRefusesCapabilityOffTheAllowList(t *testing.T) {
	ctx := context.Background()
	rt, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	labels := map[string]string{orchestrator.LabelExercise: "t-capability-refused"}
	_, err = rt.CreateContainer(ctx, orchestrator.ContainerSpec{
		Name:     "cordillera-t-capability-refused",
		Image:    testImage,
		Labels:   labels,
		Networks: []orchestrator.Attachment{{Network: "none"}},
		CapAdd:   []string{"CAP_SYS_ADMIN"},
	})
	if !errors.Is(err, scenarios.ErrCapability) {
		t.Fatalf("CreateContainer with CAP_SYS_ADMIN: err = %v, want a refusal wrapping scenarios.ErrCapability", err)
	}
	left, err := rt.ListContainers(ctx, labels)
	if err != nil || len(left) != 0 {
		t.Errorf("after the refusal: %d containers, %v; want none", len(left), err)
	}
}

// TestCreateAfterAKilledDeploy: a deploy killed while the engine made a
// container leaves it behind after the next deploy looked, holding the
// container's name, half made. The next create removes it and makes the
// container again; a container of someone else that holds the name is
// left alone, and the create fails.
func TestCreateAfterAKilledDeploy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex, pool := newExercise(), takePool(t)
	rt := newRuntime(t)
	cleanupExercise(t, rt, ex)
	d := desiredFor(t, plansFor(t, ex, pool, 1))
	for _, n := range d.Networks {
		if _, err := rt.CreateNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	spec := d.Containers[0]
	left, err := engine.ContainerCreate(ctx, &container.Config{Image: testImage, Labels: spec.Labels},
		&container.HostConfig{NetworkMode: "none", CapDrop: []string{"ALL"}}, nil, nil, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatalf("create over a half-made container of the exercise: %v", err)
	}
	if id == left.ID {
		t.Error("the half-made container was taken as it was")
	}
	info, err := engine.ContainerInspect(ctx, id)
	if err != nil || !info.State.Running || len(info.NetworkSettings.Networks) != len(spec.Networks) {
		t.Errorf("the container made again: %v, running %v, on %d networks; want running on %d", err,
			err == nil && info.State.Running, len(info.NetworkSettings.Networks), len(spec.Networks))
	}

	other := d.Containers[1]
	foreign, err := engine.ContainerCreate(ctx, &container.Config{Image: testImage, Labels: map[string]string{"cordillera.test": ex}},
		&container.HostConfig{NetworkMode: "none", CapDrop: []string{"ALL"}}, nil, nil, other.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.ContainerRemove(context.Background(), foreign.ID, container.RemoveOptions{Force: true}) })
	if _, err := rt.CreateContainer(ctx, other); err == nil {
		t.Error("create over someone else's container of the same name succeeded")
	}
	if _, err := engine.ContainerInspect(ctx, foreign.ID); err != nil {
		t.Errorf("someone else's container: %v; want it left alone", err)
	}
}
