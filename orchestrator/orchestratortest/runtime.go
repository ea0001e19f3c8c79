// Package orchestratortest provides an in-memory container runtime for the
// unit tests of the orchestrator and of the packages above it, as
// net/http/httptest provides a server for those of HTTP handlers.
package orchestratortest

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"sync"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// Runtime is an in-memory [orchestrator.Runtime]. It records what it was
// asked to create and remove, in order ([Runtime.Calls]), fails the
// creates [Runtime.Fail] names, and can hold creates to show how many run
// at once ([Runtime.Block], [Runtime.Hold]). It builds no images and is no
// cluster: a test that needs those wraps it. Its methods are safe to call
// from several goroutines.
type Runtime struct {
	mu         sync.Mutex
	seq        int
	networks   map[string]orchestrator.Network
	containers map[string]orchestrator.Container
	images     map[string]bool
	failures   map[string]error
	calls      []string
	imageCalls bool
	inFlight   int
	maxSeen    int
	block      chan struct{}
	hold       map[string]<-chan struct{}
	node       string
}

// New returns an empty runtime that has the images named.
func New(images ...string) *Runtime {
	r := &Runtime{
		networks:   map[string]orchestrator.Network{},
		containers: map[string]orchestrator.Container{},
		images:     map[string]bool{},
		failures:   map[string]error{},
		hold:       map[string]<-chan struct{}{},
	}
	r.AddImages(images...)
	return r
}

// AddImages gives the runtime the images named.
func (r *Runtime) AddImages(refs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ref := range refs {
		r.images[ref] = true
	}
}

// RemoveImages takes the images named away.
func (r *Runtime) RemoveImages(refs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ref := range refs {
		delete(r.images, ref)
	}
}

// HasImage says whether the runtime has the image.
func (r *Runtime) HasImage(ref string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.images[ref]
}

// Fail makes creating the network or container of that name fail with
// err from now on; a nil err makes it succeed again.
func (r *Runtime) Fail(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.failures, name)
		return
	}
	r.failures[name] = err
}

// RecordImageChecks makes ImageExists record its calls too, as "image
// exists REF".
func (r *Runtime) RecordImageChecks() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.imageCalls = true
}

// Block holds every create, of a network or a container, until release is
// called, so that a test can see how many run at once ([Runtime.InFlight]).
func (r *Runtime) Block() (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	block := make(chan struct{})
	r.block = block
	return func() { close(block) }
}

// Hold makes creating the container of that name wait until ch is closed,
// or the create's context is done.
func (r *Runtime) Hold(name string, ch <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold[name] = ch
}

// SetNode makes every container created from now on run on node.
func (r *Runtime) SetNode(node string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.node = node
}

// InFlight is how many creates run now, and MaxInFlight the most that ran
// at once so far.
func (r *Runtime) InFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight
}

// MaxInFlight: see [Runtime.InFlight].
func (r *Runtime) MaxInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxSeen
}

// Calls returns what the runtime was asked so far, in order: "create
// network NAME", "create container NAME", "remove network NAME", "remove
// container NAME", and what a test records ([Runtime.Record]).
func (r *Runtime) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// ClearCalls forgets the calls recorded so far.
func (r *Runtime) ClearCalls() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// Record records a call, for a wrapper's methods.
func (r *Runtime) Record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

// Containers returns the containers there are now, by ID.
func (r *Runtime) Containers() map[string]orchestrator.Container {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.containers)
}

// Container returns the container of that ID.
func (r *Runtime) Container(id string) (orchestrator.Container, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	return c, ok
}

// Networks returns the networks there are now, by ID.
func (r *Runtime) Networks() map[string]orchestrator.Network {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.networks)
}

// AddContainer and AddNetwork put objects someone else made on the
// runtime, without recording a call; they return the object's ID.
func (r *Runtime) AddContainer(name string, labels map[string]string, running bool) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	id := fmt.Sprintf("c%d", r.seq)
	r.containers[id] = orchestrator.Container{ID: id, Name: name, Labels: labels, Running: running}
	return id
}

// AddNetwork: see [Runtime.AddContainer].
func (r *Runtime) AddNetwork(name string, labels map[string]string, subnet netip.Prefix) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	id := fmt.Sprintf("n%d", r.seq)
	r.networks[id] = orchestrator.Network{ID: id, Name: name, Labels: labels, Subnet: subnet}
	return id
}

// DropNetwork takes a network away as someone else would, without
// recording a call.
func (r *Runtime) DropNetwork(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.networks, id)
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// enter counts a create in flight, once Block lets it, and returns what
// ends it.
func (r *Runtime) enter() func() {
	r.mu.Lock()
	r.inFlight++
	r.maxSeen = max(r.maxSeen, r.inFlight)
	block := r.block
	r.mu.Unlock()
	if block != nil {
		<-block
	}
	return func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}
}

// ListNetworks implements [orchestrator.Runtime].
func (r *Runtime) ListNetworks(_ context.Context, labels map[string]string) ([]orchestrator.Network, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []orchestrator.Network
	for _, n := range r.networks {
		if matches(n.Labels, labels) {
			out = append(out, n)
		}
	}
	return out, nil
}

// CreateNetwork implements [orchestrator.Runtime].
func (r *Runtime) CreateNetwork(_ context.Context, spec orchestrator.NetworkSpec) (string, error) {
	defer r.enter()()
	r.Record("create network " + spec.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.failures[spec.Name]; err != nil {
		return "", err
	}
	r.seq++
	id := fmt.Sprintf("n%d", r.seq)
	r.networks[id] = orchestrator.Network{ID: id, Name: spec.Name, Labels: maps.Clone(spec.Labels), Subnet: spec.Subnet}
	return id, nil
}

// RemoveNetwork implements [orchestrator.Runtime].
func (r *Runtime) RemoveNetwork(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "remove network "+r.networks[id].Name)
	delete(r.networks, id)
	return nil
}

// ListContainers implements [orchestrator.Runtime].
func (r *Runtime) ListContainers(_ context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []orchestrator.Container
	for _, c := range r.containers {
		if matches(c.Labels, labels) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CreateContainer implements [orchestrator.Runtime].
func (r *Runtime) CreateContainer(ctx context.Context, spec orchestrator.ContainerSpec) (string, error) {
	defer r.enter()()
	r.mu.Lock()
	hold := r.hold[spec.Name]
	r.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	r.Record("create container " + spec.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.failures[spec.Name]; err != nil {
		return "", err
	}
	r.seq++
	id := fmt.Sprintf("c%d", r.seq)
	addrs := map[string]netip.Addr{}
	for _, a := range spec.Networks {
		addrs[a.Network] = a.Address
	}
	r.containers[id] = orchestrator.Container{
		ID: id, Name: spec.Name, Image: spec.Image, Labels: maps.Clone(spec.Labels),
		State: "running", Running: true, Addresses: addrs, Node: r.node,
	}
	return id, nil
}

// RemoveContainer implements [orchestrator.Runtime].
func (r *Runtime) RemoveContainer(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "remove container "+r.containers[id].Name)
	delete(r.containers, id)
	return nil
}

// Exec implements [orchestrator.Runtime]: every command succeeds, saying
// nothing.
func (r *Runtime) Exec(context.Context, string, orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	return orchestrator.ExecResult{}, nil
}

// ImageExists implements [orchestrator.Runtime].
func (r *Runtime) ImageExists(_ context.Context, ref string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.imageCalls {
		r.calls = append(r.calls, "image exists "+ref)
	}
	return r.images[ref], nil
}

var _ orchestrator.Runtime = (*Runtime)(nil)
