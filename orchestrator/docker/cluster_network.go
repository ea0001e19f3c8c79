package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/docker/docker/api/types/network"
	"golang.org/x/sync/errgroup"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// overlayEncrypted is the overlay driver's option that encrypts the VXLAN
// traffic between nodes.
const overlayEncrypted = "encrypted"

// engineRange is the part of an overlay's subnet the swarm may give
// addresses from on its own: each node on the network takes one for its
// load balancer. It is the subnet's last /27, above every address the plan
// gives (hosts from .10, attackers from .100, the scorebot at .200), so
// the swarm never takes an address a container is planned to have.
func engineRange(subnet netip.Prefix) netip.Prefix {
	if subnet.Bits() >= 27 {
		return subnet
	}
	a := subnet.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += 1<<(32-subnet.Bits()) - 32
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 27)
}

// ListNetworks lists the swarm's networks that carry the labels.
func (c *Cluster) ListNetworks(ctx context.Context, labels map[string]string) ([]orchestrator.Network, error) {
	return c.manager.ListNetworks(ctx, labels)
}

// CreateNetwork creates an attachable overlay network on the manager with
// the spec's subnet and gateway, internal (sealed) unless the spec lets it
// reach the internet, encrypted when the cluster's options say so. Every
// node joins it when a container of its joins.
func (c *Cluster) CreateNetwork(ctx context.Context, spec orchestrator.NetworkSpec) (string, error) {
	opts := network.CreateOptions{
		Driver:     "overlay",
		Internal:   !spec.Internet,
		Attachable: true,
		IPAM: &network.IPAM{
			Driver: "default",
			Config: []network.IPAMConfig{{
				Subnet:  spec.Subnet.String(),
				Gateway: spec.Gateway.String(),
				IPRange: engineRange(spec.Subnet).String(),
			}},
		},
		Labels: spec.Labels,
	}
	if c.opts.Encrypt {
		opts.Options = map[string]string{overlayEncrypted: ""}
	}
	resp, err := c.manager.cli.NetworkCreate(ctx, spec.Name, opts)
	if err != nil {
		return "", fmt.Errorf("create: %w", c.manager.check(err))
	}
	return resp.ID, nil
}

// RemoveNetwork detaches what is still on the network on every node that
// answers, then removes it from the swarm.
func (c *Cluster) RemoveNetwork(ctx context.Context, id string) error {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	var g errgroup.Group
	for _, n := range nodes {
		if !n.reachable(c.self) {
			continue
		}
		g.Go(func() error {
			r, err := c.engine(ctx, n)
			if err != nil {
				return nil // a node that does not answer holds nothing it can let go of
			}
			nw, err := r.cli.NetworkInspect(ctx, id, network.InspectOptions{})
			if err != nil {
				return nil // not on this node
			}
			for cid := range nw.Containers {
				if strings.HasPrefix(cid, "lb-") {
					continue // the node's load balancer: the network's own
				}
				if err := r.cli.NetworkDisconnect(ctx, id, cid, true); err != nil && !notFound(err) {
					return onNode(n, fmt.Errorf("detach container %s: %w", cid, r.check(err)))
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	// The swarm lets go of a network in its own time: the attachments of
	// containers just removed hold it for a moment ("in use by task"), and
	// once removed it is listed for a moment more, when a network of the
	// same name made by the next up would be refused. Both are waited for.
	wait := 50 * time.Millisecond
	deadline := time.Now().Add(networkGone)
	removed := false
	for {
		var err error
		if !removed {
			err = c.manager.cli.NetworkRemove(ctx, id)
			removed = err == nil
		}
		if removed {
			_, err = c.manager.cli.NetworkInspect(ctx, id, network.InspectOptions{})
		}
		switch {
		case notFound(err):
			return nil
		case err != nil && !strings.Contains(err.Error(), "in use by task"):
			return fmt.Errorf("remove: %w", c.manager.check(err))
		case time.Now().After(deadline):
			if err != nil {
				return fmt.Errorf("remove: still after %v: %w", networkGone, err)
			}
			return fmt.Errorf("remove: the swarm still has the network %s %v after it was removed", id, networkGone)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("remove: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// networkGone bounds how long the swarm may take to remove a network.
const networkGone = 30 * time.Second
