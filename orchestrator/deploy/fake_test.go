package deploy_test

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"sync"
	"testing/fstest"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// teamPlans is a two-team exercise "ex": network lan, host web (checked on
// tcp 80, built from a Dockerfile when built is true), attacker red and the
// scorebot.
func teamPlans(built bool) []*scenarios.TeamPlan {
	var plans []*scenarios.TeamPlan
	for i := range 2 {
		addr := func(host byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 160, byte(16 * i), host}) }
		web := scenarios.HostPlan{
			Name: "web", Hostname: "web", Image: "cordillera/target-web:1",
			Networks: []scenarios.Attachment{{Network: "lan", Address: addr(10)}},
			Services: []scenarios.ServicePlan{{Name: "http", Port: 80, Protocol: "tcp",
				Check: &scenarios.CheckPlan{Type: "tcp", Host: "web", Service: "http", Address: addr(10), Port: 80, TCP: &scenarios.TCPCheck{}}}},
		}
		if built {
			web.Image = ""
			web.Build = &scenarios.Build{Context: "images/web", Dockerfile: "Dockerfile", Files: fstest.MapFS{
				"Dockerfile": {Data: []byte("FROM debian:bookworm-slim\n")},
			}}
		}
		plans = append(plans, &scenarios.TeamPlan{
			Exercise: "ex",
			Scenario: "water",
			Team:     scenarios.TeamInfo{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Index: i + 1, Country: "CL"},
			Networks: []scenarios.NetworkPlan{{Name: "lan", Subnet: netip.PrefixFrom(addr(0), 24), Gateway: addr(1)}},
			Hosts:    []scenarios.HostPlan{web},
			Attackers: []scenarios.AttackerPlan{
				{Name: "red", Image: "cordillera/attacker:1", Networks: []scenarios.Attachment{{Network: "lan", Address: addr(100)}}},
			},
			Scorebot: scenarios.ScorebotPlan{Networks: []scenarios.Attachment{{Network: "lan", Address: addr(200)}}},
		})
	}
	return plans
}

// fake is an in-memory engine that builds images and places teams on
// nodes. It records what it was asked, in order.
type fake struct {
	mu         sync.Mutex
	seq        int
	networks   map[string]orchestrator.Network
	containers map[string]orchestrator.Container
	images     map[string]bool
	calls      []string
	// hold, when it has a container's name, makes creating it wait until
	// the channel is closed.
	hold map[string]chan struct{}
	node string
}

func newFake(images ...string) *fake {
	f := &fake{networks: map[string]orchestrator.Network{}, containers: map[string]orchestrator.Container{},
		images: map[string]bool{}, hold: map[string]chan struct{}{}}
	for _, image := range images {
		f.images[image] = true
	}
	return f
}

func (f *fake) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

// called returns what the fake was asked so far.
func (f *fake) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (f *fake) ListNetworks(_ context.Context, labels map[string]string) ([]orchestrator.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []orchestrator.Network
	for _, n := range f.networks {
		if matches(n.Labels, labels) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fake) CreateNetwork(_ context.Context, spec orchestrator.NetworkSpec) (string, error) {
	f.record("create network " + spec.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("n%d", f.seq)
	f.networks[id] = orchestrator.Network{ID: id, Name: spec.Name, Labels: maps.Clone(spec.Labels), Subnet: spec.Subnet}
	return id, nil
}

func (f *fake) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "remove network "+f.networks[id].Name)
	delete(f.networks, id)
	return nil
}

func (f *fake) ListContainers(_ context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []orchestrator.Container
	for _, c := range f.containers {
		if matches(c.Labels, labels) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fake) CreateContainer(ctx context.Context, spec orchestrator.ContainerSpec) (string, error) {
	f.mu.Lock()
	hold := f.hold[spec.Name]
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f.record("create container " + spec.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("c%d", f.seq)
	f.containers[id] = orchestrator.Container{ID: id, Name: spec.Name, Image: spec.Image, Labels: maps.Clone(spec.Labels),
		State: "running", Running: true, Node: f.node}
	return id, nil
}

func (f *fake) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "remove container "+f.containers[id].Name)
	delete(f.containers, id)
	return nil
}

func (f *fake) Exec(context.Context, string, orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	return orchestrator.ExecResult{}, nil
}

func (f *fake) ImageExists(_ context.Context, ref string) (bool, error) {
	f.record("image exists " + ref)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[ref], nil
}

func (f *fake) BuildImage(_ context.Context, b orchestrator.ImageBuild, progress func(string)) error {
	f.record("build image " + b.Tags[0])
	progress("Step 1/1 : FROM debian:bookworm-slim")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tag := range b.Tags {
		f.images[tag] = true
	}
	return nil
}

func (f *fake) ImageLabel(_ context.Context, ref, _ string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return "", f.images[ref], nil
}

// The fake as a cluster: every container it creates from Pin on runs on
// the node pinned.

func (f *fake) Place(context.Context, []orchestrator.ContainerSpec) error { return nil }
func (f *fake) Unplace(context.Context, string) error                     { return nil }
func (f *fake) Nodes(context.Context) ([]orchestrator.Node, error)        { return nil, nil }

func (f *fake) Pin(_ context.Context, _, team, node string) (string, error) {
	f.record("pin " + team + " on " + node)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.node = node
	return node, nil
}
