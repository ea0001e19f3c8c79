package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// inhibitIPv4 keeps the bridge itself off the network. On a sealed network
// nothing may answer at the gateway address: it would be the engine's
// machine, whose services (Cordillera's own web server among them) would be
// in reach of every range container.
const inhibitIPv4 = "com.docker.network.bridge.inhibit_ipv4"

// ListNetworks lists the networks that carry the labels.
func (r *Runtime) ListNetworks(ctx context.Context, labels map[string]string) ([]orchestrator.Network, error) {
	list, err := r.cli.NetworkList(ctx, network.ListOptions{Filters: labelFilter(labels)})
	if err != nil {
		return nil, r.check(err)
	}
	out := make([]orchestrator.Network, 0, len(list))
	for _, n := range list {
		out = append(out, orchestrator.Network{ID: n.ID, Name: n.Name, Labels: n.Labels, Subnet: firstIPv4(subnets(n))})
	}
	return out, nil
}

// CreateNetwork creates a bridge network with the spec's subnet and
// gateway, sealed unless the spec lets it reach the internet.
func (r *Runtime) CreateNetwork(ctx context.Context, spec orchestrator.NetworkSpec) (string, error) {
	opts := network.CreateOptions{
		Driver:   "bridge",
		Internal: !spec.Internet,
		IPAM: &network.IPAM{
			Driver: "default",
			Config: []network.IPAMConfig{{Subnet: spec.Subnet.String(), Gateway: spec.Gateway.String()}},
		},
		Labels: spec.Labels,
	}
	if !spec.Internet {
		opts.Options = map[string]string{inhibitIPv4: "true"}
	}
	resp, err := r.cli.NetworkCreate(ctx, spec.Name, opts)
	if err != nil {
		// Docker says only that some pool overlaps; find which, so the
		// message names it.
		if strings.Contains(strings.ToLower(err.Error()), "pool overlaps") {
			return "", fmt.Errorf("create: %w", &orchestrator.SubnetTakenError{
				Subnet: spec.Subnet, Network: spec.Name, Other: r.holder(ctx, spec.Subnet),
			})
		}
		return "", fmt.Errorf("create: %w", r.check(err))
	}
	return resp.ID, nil
}

// holder names a network whose range overlaps subnet, if one is found.
func (r *Runtime) holder(ctx context.Context, subnet netip.Prefix) string {
	list, err := r.cli.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return ""
	}
	for _, n := range list {
		for _, s := range subnets(n) {
			if p, err := netip.ParsePrefix(s); err == nil && p.Overlaps(subnet) {
				return n.Name
			}
		}
	}
	return ""
}

func subnets(n network.Summary) []string {
	var out []string
	for _, c := range n.IPAM.Config {
		out = append(out, c.Subnet)
	}
	return out
}

// RemoveNetwork detaches whatever is still on the network, then removes
// it. Containers someone attached by hand are not the orchestrator's to
// remove, but must not keep an exercise's network alive.
func (r *Runtime) RemoveNetwork(ctx context.Context, id string) error {
	n, err := r.cli.NetworkInspect(ctx, id, network.InspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove: %w", r.check(err))
	}
	for cid := range n.Containers {
		if err := r.cli.NetworkDisconnect(ctx, id, cid, true); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("remove: detach container %s: %w", cid, r.check(err))
		}
	}
	if err := r.cli.NetworkRemove(ctx, id); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove: %w", r.check(err))
	}
	return nil
}
