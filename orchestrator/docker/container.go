package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// ListContainers lists the containers that carry the labels, running or
// not.
func (r *Runtime) ListContainers(ctx context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	list, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: labelFilter(labels)})
	if err != nil {
		return nil, r.check(err)
	}
	out := make([]orchestrator.Container, 0, len(list))
	for _, c := range list {
		oc := orchestrator.Container{
			ID:        c.ID,
			Image:     c.Image,
			Labels:    c.Labels,
			State:     string(c.State),
			Running:   c.State == container.StateRunning,
			Addresses: map[string]netip.Addr{},
		}
		if len(c.Names) > 0 {
			oc.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		if c.NetworkSettings != nil {
			for name, ep := range c.NetworkSettings.Networks {
				if addr, err := netip.ParseAddr(ep.IPAddress); err == nil {
					oc.Addresses[name] = addr
				}
			}
		}
		out = append(out, oc)
	}
	return out, nil
}

// CreateContainer creates the container on its first network, joins the
// others, and starts it. Every container is hardened the same way, whatever
// its spec: all capabilities dropped but the spec's, not privileged, no new
// privileges, its limits, nothing mounted, never restarted by the engine.
func (r *Runtime) CreateContainer(ctx context.Context, spec orchestrator.ContainerSpec) (string, error) {
	cfg, host, err := containerConfig(spec)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	first := spec.Networks[0]
	// Engines before API 1.44 take one network at creation; the others are
	// joined before the container starts.
	nets := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{first.Network: endpoint(first)}}
	created, err := r.cli.ContainerCreate(ctx, cfg, host, nets, nil, spec.Name)
	if cerrdefs.IsConflict(err) && r.removeLeftOver(ctx, spec) {
		created, err = r.cli.ContainerCreate(ctx, cfg, host, nets, nil, spec.Name)
	}
	if err != nil {
		// Docker says "not found" for a missing network too.
		if cerrdefs.IsNotFound(err) {
			if ok, ierr := r.ImageExists(ctx, spec.Image); ierr == nil && !ok {
				return "", fmt.Errorf("create: %w", &orchestrator.ImageMissingError{Image: spec.Image})
			}
		}
		return "", fmt.Errorf("create: %w", r.check(err))
	}
	for _, a := range spec.Networks[1:] {
		if err := r.cli.NetworkConnect(ctx, a.Network, created.ID, endpoint(a)); err != nil {
			return "", r.discard(ctx, created.ID, fmt.Errorf("join network %s: %w", a.Network, r.check(err)))
		}
	}
	if err := r.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return "", r.discard(ctx, created.ID, fmt.Errorf("start: %w", r.check(err)))
	}
	return created.ID, nil
}

// removeLeftOver removes the container that holds spec's name when it is
// the same container of the same exercise, left by a deploy that was
// killed while the engine made it (the engine finishes a create whose
// client is gone, after that client's successor looked): it may be half
// made, on one network of several, never started. It reports whether it
// removed one; a container that is not the exercise's own is never
// touched, and the create fails as the engine said.
func (r *Runtime) removeLeftOver(ctx context.Context, spec orchestrator.ContainerSpec) bool {
	want := orchestrator.KeyOf(spec.Labels)
	for attempt := range 5 {
		info, err := r.cli.ContainerInspect(ctx, spec.Name)
		if err != nil {
			return cerrdefs.IsNotFound(err) // gone meanwhile: the name is free
		}
		if info.Config == nil || info.Config.Labels[orchestrator.LabelExercise] != spec.Labels[orchestrator.LabelExercise] ||
			orchestrator.KeyOf(info.Config.Labels) != want {
			return false
		}
		err = r.cli.ContainerRemove(ctx, info.ID, container.RemoveOptions{Force: true})
		if err == nil || cerrdefs.IsNotFound(err) {
			return true
		}
		// The engine may still be making it: ask again shortly.
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return false
}

// containerConfig is how the engine is asked for the container. It refuses
// a spec with a capability outside the allow-list (see
// [orchestrator.CheckCapabilities]) however the spec was made: the
// scenario decoder and the orchestrator check too, and this is the last
// place before the engine, which would read "CAP_SYS_ADMIN" as SYS_ADMIN.
func containerConfig(spec orchestrator.ContainerSpec) (*container.Config, *container.HostConfig, error) {
	if len(spec.Networks) == 0 {
		return nil, nil, errors.New("the container is on no network")
	}
	if err := orchestrator.CheckCapabilities(spec.CapAdd); err != nil {
		return nil, nil, fmt.Errorf("container %q: %w", spec.Name, err)
	}
	first := spec.Networks[0]
	pids := spec.Pids
	cfg := &container.Config{
		Hostname: spec.Hostname,
		Image:    spec.Image,
		Env:      envList(spec.Env),
		Cmd:      spec.Command,
		Labels:   spec.Labels,
	}
	host := &container.HostConfig{
		NetworkMode:   container.NetworkMode(first.Network),
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		CapDrop:       []string{"ALL"},
		CapAdd:        spec.CapAdd,
		SecurityOpt:   []string{"no-new-privileges:true"},
		Resources: container.Resources{
			Memory: spec.Memory,
			// Swap counts in the limit, so a container cannot grow past it.
			MemorySwap: spec.Memory,
			NanoCPUs:   int64(spec.CPUs * 1e9),
			PidsLimit:  &pids,
		},
	}
	return cfg, host, nil
}

// discard removes a container that could not be set up, so that no
// half-made container is left behind, and returns why it could not.
func (r *Runtime) discard(ctx context.Context, id string, why error) error {
	// The removal must happen even when ctx is why setting up failed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := r.RemoveContainer(ctx, id); err != nil {
		return errors.Join(why, fmt.Errorf("and the container %s is left over: %w", id, err))
	}
	return why
}

func endpoint(a orchestrator.Attachment) *network.EndpointSettings {
	return &network.EndpointSettings{
		IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: a.Address.String()},
		Aliases:    a.Aliases,
	}
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// RemoveContainer kills and removes the container with its anonymous
// volumes.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	err := r.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove: %w", r.check(err))
	}
	return nil
}

// ImageExists reports whether the engine has the image.
func (r *Runtime) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := r.cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	}
	return false, r.check(err)
}
