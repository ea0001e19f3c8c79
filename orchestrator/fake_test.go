package orchestrator_test

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"sync"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// teamPlans is a two-team exercise "ex": networks dmz and ot, hosts portal
// (on dmz) and plc (on ot), attacker red, and the scorebot on both.
func teamPlans() []*scenarios.TeamPlan {
	var plans []*scenarios.TeamPlan
	for i, third := range []byte{0, 16} {
		addr := func(net, host byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 160, third + net, host}) }
		subnet := func(net byte) netip.Prefix { return netip.PrefixFrom(addr(net, 0), 24) }
		plans = append(plans, &scenarios.TeamPlan{
			Exercise: "ex",
			Scenario: "water",
			Team:     scenarios.TeamInfo{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Index: i + 1, Country: "CL"},
			Networks: []scenarios.NetworkPlan{
				{Name: "dmz", Subnet: subnet(0), Gateway: addr(0, 1)},
				{Name: "ot", Subnet: subnet(1), Gateway: addr(1, 1)},
			},
			Hosts: []scenarios.HostPlan{
				{
					Name: "portal", Hostname: "portal", Image: "cordillera/target-web:1",
					Networks: []scenarios.Attachment{{Network: "dmz", Address: addr(0, 10)}},
					Memory:   256 << 20, CPUs: 0.5, Pids: 256, Capabilities: []string{"NET_ADMIN"},
					Env: map[string]string{"ADMIN_PASSWORD": "Operador1"},
				},
				{
					Name: "plc", Hostname: "plc", Image: "cordillera/plc:1",
					Networks: []scenarios.Attachment{{Network: "ot", Address: addr(1, 10)}},
					Memory:   128 << 20, CPUs: 0.25, Pids: 64, Capabilities: []string{},
				},
			},
			Attackers: []scenarios.AttackerPlan{
				{Name: "red", Image: "cordillera/attacker:1", Networks: []scenarios.Attachment{{Network: "dmz", Address: addr(0, 100)}}},
			},
			Scorebot: scenarios.ScorebotPlan{Networks: []scenarios.Attachment{
				{Network: "dmz", Address: addr(0, 200)}, {Network: "ot", Address: addr(1, 200)},
			}},
		})
	}
	return plans
}

// fake is an in-memory Runtime. It records what it was asked to do and
// fails what failures names.
type fake struct {
	mu         sync.Mutex
	seq        int
	networks   map[string]orchestrator.Network
	containers map[string]orchestrator.Container
	images     map[string]bool
	// failures maps an object's name to the error creating it returns.
	failures map[string]error
	calls    []string
	inFlight int
	maxSeen  int
	// block, when set, holds every create until it is closed, so tests can
	// see how many run at once.
	block chan struct{}
}

func newFake() *fake {
	return &fake{
		networks:   map[string]orchestrator.Network{},
		containers: map[string]orchestrator.Container{},
		images:     map[string]bool{},
		failures:   map[string]error{},
	}
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (f *fake) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fake) enter() func() {
	f.mu.Lock()
	f.inFlight++
	f.maxSeen = max(f.maxSeen, f.inFlight)
	block := f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	return func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}
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
	defer f.enter()()
	f.record("create network " + spec.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failures[spec.Name]; err != nil {
		return "", err
	}
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

func (f *fake) CreateContainer(_ context.Context, spec orchestrator.ContainerSpec) (string, error) {
	defer f.enter()()
	f.record("create container " + spec.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failures[spec.Name]; err != nil {
		return "", err
	}
	f.seq++
	id := fmt.Sprintf("c%d", f.seq)
	addrs := map[string]netip.Addr{}
	for _, a := range spec.Networks {
		addrs[a.Network] = a.Address
	}
	f.containers[id] = orchestrator.Container{
		ID: id, Name: spec.Name, Image: spec.Image, Labels: maps.Clone(spec.Labels),
		State: "running", Running: true, Addresses: addrs,
	}
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
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[ref], nil
}

// addContainer and addNetwork put objects someone else made on the fake
// engine.
func (f *fake) addContainer(name string, labels map[string]string, running bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("c%d", f.seq)
	f.containers[id] = orchestrator.Container{ID: id, Name: name, Labels: labels, Running: running}
}

func (f *fake) addNetwork(name string, labels map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("n%d", f.seq)
	f.networks[id] = orchestrator.Network{ID: id, Name: name, Labels: labels}
}
