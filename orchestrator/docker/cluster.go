package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"golang.org/x/sync/errgroup"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// Labels of a swarm's nodes that Cordillera reads.
const (
	// LabelEngine is how Cordillera reaches a node's engine, such as
	// tcp://10.0.0.12:2376. The swarm's API runs no command on another node
	// than the one it is asked on (moby issue 27552), so every check,
	// attack, terminal and reset goes to the engine of the node that runs
	// the container. A node without it holds no team, except the manager
	// Cordillera speaks to, which it reaches already.
	LabelEngine = "cordillera.engine"
	// LabelRange set to "false" keeps teams off a node, such as the
	// manager that runs Cordillera itself.
	LabelRange = "cordillera.range"
)

// Engine is a Docker engine or a swarm of them, as [Connect] finds it.
type Engine interface {
	orchestrator.Runtime
	orchestrator.Terminal
	orchestrator.Files
	orchestrator.ImageBuilder
	// Host is where the engine is, such as unix:///var/run/docker.sock.
	Host() string
	Close() error
}

// ClusterOptions tune a [Cluster].
type ClusterOptions struct {
	// Manager is the address of the swarm's manager; empty is DOCKER_HOST.
	Manager string
	// Encrypt makes the overlay networks encrypt what crosses between
	// nodes (IPsec, which each node's kernel must support).
	Encrypt bool
	// Log, when set, is told of long steps, such as an image copied to a
	// node, one line at a time.
	Log func(string)
}

// Connect reaches the engine DOCKER_HOST names, as [New] does. When that
// engine is the manager of a swarm at least one of whose nodes carries the
// [LabelEngine] label, the exercises run across the swarm: the result is a
// [Cluster]. Otherwise it is the engine itself.
func Connect(ctx context.Context, opts ClusterOptions) (Engine, error) {
	r, self, err := reachManager(ctx, opts.Manager)
	if err != nil || self == "" {
		return r, err
	}
	nodes, err := r.cli.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("list the swarm's nodes: %w", r.check(err))
	}
	if !slices.ContainsFunc(nodes, func(n swarm.Node) bool { return n.Spec.Labels[LabelEngine] != "" }) {
		return r, nil
	}
	return newCluster(r, self, opts), nil
}

// reachManager reaches the engine at host (DOCKER_HOST's when empty) and
// returns its node ID when it is a manager of a swarm, or "".
func reachManager(ctx context.Context, host string) (*Runtime, string, error) {
	r, err := NewAt(ctx, host)
	if err != nil {
		return nil, "", err
	}
	info, err := r.cli.Info(ctx)
	if err != nil {
		r.Close()
		return nil, "", r.check(err)
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || !info.Swarm.ControlAvailable {
		return r, "", nil
	}
	return r, info.Swarm.NodeID, nil
}

// Cluster is a Docker Swarm: an exercise's networks are internal,
// attachable overlay networks made on the manager, and its containers are
// standalone containers on the nodes' engines, each with the address the
// plan gives it (a swarm service cannot have one: moby issue 24170). Each
// team is placed on one node by the memory and CPUs its hosts declare, and
// spread over several only when no node has room for it whole; where each
// team is placed is kept in the swarm itself (a config per team), so every
// Cordillera process that speaks to the swarm agrees.
//
// It is an [orchestrator.Cluster], an [orchestrator.Terminal] and an
// [orchestrator.Files], safe for concurrent use.
type Cluster struct {
	manager *Runtime
	self    string // the manager's node ID
	opts    ClusterOptions

	mu sync.Mutex
	// engines are the nodes' engines reached so far, by node ID.
	engines map[string]*Runtime
	// where is the node of each container met, by container ID.
	where map[string]string
	// copying is an image being copied to a node, by node and image.
	copying map[string]*sync.Mutex
	// placing serialises placements, so that two teams are not both
	// given the last room on a node.
	placing sync.Mutex
}

var (
	_ orchestrator.Cluster  = (*Cluster)(nil)
	_ orchestrator.Terminal = (*Cluster)(nil)
	_ orchestrator.Files    = (*Cluster)(nil)
	_ Engine                = (*Cluster)(nil)
	_ Engine                = (*Runtime)(nil)
)

// NewCluster speaks to the swarm whose manager DOCKER_HOST names, whatever
// its nodes' labels say; [Connect] is how commands find one.
func NewCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	r, self, err := reachManager(ctx, opts.Manager)
	if err != nil {
		return nil, err
	}
	if self == "" {
		r.Close()
		return nil, fmt.Errorf("the engine at %s is not a swarm manager: run Cordillera against a manager of the swarm (DOCKER_HOST)", r.Host())
	}
	return newCluster(r, self, opts), nil
}

func newCluster(manager *Runtime, self string, opts ClusterOptions) *Cluster {
	return &Cluster{
		manager: manager,
		self:    self,
		opts:    opts,
		engines: map[string]*Runtime{self: manager},
		where:   map[string]string{},
		copying: map[string]*sync.Mutex{},
	}
}

// Host is the manager's address, with the swarm said.
func (c *Cluster) Host() string { return c.manager.Host() + " (swarm)" }

// Close releases every engine's connection.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, r := range c.engines {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

func (c *Cluster) log(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log(fmt.Sprintf(format, args...))
	}
}

// node is a swarm node as the cluster sees it.
type node struct {
	id, name     string
	state, avail string
	manager      bool
	engine       string
	cpus         float64
	memory       int64
	labels       map[string]string
}

func (n node) ready() bool { return n.state == string(swarm.NodeStateReady) }

// reachable says whether the node's engine is worth asking: the swarm sees
// the node, and Cordillera knows where its engine is.
func (n node) reachable(self string) bool { return n.ready() && (n.engine != "" || n.id == self) }

// eligible says whether teams may be placed on the node, and why not.
func (n node) eligible(self string) (bool, string) {
	switch {
	case !n.ready():
		return false, "it is " + n.state
	case n.avail != string(swarm.NodeAvailabilityActive):
		return false, "its availability is " + n.avail
	case n.labels[LabelRange] == "false":
		return false, LabelRange + "=false"
	case n.engine == "" && n.id != self:
		return false, fmt.Sprintf("Cordillera cannot reach its engine: label it with docker node update --label-add %s=tcp://ADDRESS:2376 %s", LabelEngine, n.name)
	}
	return true, ""
}

// nodes lists the swarm's nodes.
func (c *Cluster) nodes(ctx context.Context) ([]node, error) {
	list, err := c.manager.cli.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the swarm's nodes: %w", c.manager.check(err))
	}
	out := make([]node, 0, len(list))
	for _, n := range list {
		nd := node{
			id:      n.ID,
			name:    n.Description.Hostname,
			state:   string(n.Status.State),
			avail:   string(n.Spec.Availability),
			manager: n.ManagerStatus != nil,
			engine:  n.Spec.Labels[LabelEngine],
			cpus:    float64(n.Description.Resources.NanoCPUs) / 1e9,
			memory:  n.Description.Resources.MemoryBytes,
			labels:  n.Spec.Labels,
		}
		if nd.name == "" {
			nd.name = n.ID
		}
		out = append(out, nd)
	}
	slices.SortFunc(out, func(a, b node) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// engine is the node's engine, reached the first time it is needed: at the
// address its label gives, with the TLS settings DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH give for the manager.
func (c *Cluster) engine(ctx context.Context, n node) (*Runtime, error) {
	c.mu.Lock()
	r := c.engines[n.id]
	c.mu.Unlock()
	if r != nil {
		return r, nil
	}
	if n.engine == "" {
		return nil, fmt.Errorf("node %s: no %s label says how to reach its engine", n.name, LabelEngine)
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithHost(n.engine), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("node %s: engine address %q (label %s): %w", n.name, n.engine, LabelEngine, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ping, err := cli.Ping(pctx)
	if err != nil {
		cli.Close()
		return nil, &orchestrator.NodeDownError{Nodes: []string{n.name}, Cause: fmt.Errorf("its engine at %s: %w", n.engine, err)}
	}
	cli.NegotiateAPIVersionPing(ping)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.engines[n.id]; r != nil {
		cli.Close()
		return r, nil
	}
	r = &Runtime{cli: cli}
	c.engines[n.id] = r
	return r, nil
}

// nodeByID finds a node.
func (c *Cluster) nodeByID(ctx context.Context, id string) (node, error) {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return node{}, err
	}
	for _, n := range nodes {
		if n.id == id {
			return n, nil
		}
	}
	return node{}, fmt.Errorf("node %s is not in the swarm: %w", id, orchestrator.ErrNotFound)
}

// on finds the engine of the node that runs the container.
func (c *Cluster) on(ctx context.Context, id string) (*Runtime, node, error) {
	c.mu.Lock()
	nid, ok := c.where[id]
	c.mu.Unlock()
	if ok {
		n, err := c.nodeByID(ctx, nid)
		if err == nil {
			r, err := c.engine(ctx, n)
			return r, n, err
		}
		if !errors.Is(err, orchestrator.ErrNotFound) {
			return nil, node{}, err
		}
	}
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, node{}, err
	}
	type found struct {
		r *Runtime
		n node
	}
	var (
		mu    sync.Mutex
		hit   *found
		downs []string
	)
	var g errgroup.Group
	for _, n := range nodes {
		if !n.reachable(c.self) {
			if !n.ready() {
				downs = append(downs, n.name)
			}
			continue
		}
		g.Go(func() error {
			r, err := c.engine(ctx, n)
			if err != nil {
				mu.Lock()
				downs = append(downs, n.name)
				mu.Unlock()
				return nil
			}
			if _, err := r.cli.ContainerInspect(ctx, id); err == nil {
				mu.Lock()
				hit = &found{r, n}
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if hit != nil {
		c.mu.Lock()
		c.where[id] = hit.n.id
		c.mu.Unlock()
		return hit.r, hit.n, nil
	}
	if len(downs) > 0 {
		slices.Sort(downs)
		return nil, node{}, &orchestrator.NodeDownError{Nodes: downs, Cause: fmt.Errorf("container %s is on no node that answers: %w", id, orchestrator.ErrNotFound)}
	}
	return nil, node{}, fmt.Errorf("container %s: %w", id, orchestrator.ErrNotFound)
}

// onNode wraps an engine's error on a node so that it names the node, and
// says the node is down when its engine no longer answers.
func onNode(n node, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, orchestrator.ErrEngineUnreachable) {
		return &orchestrator.NodeDownError{Nodes: []string{n.name}, Cause: err}
	}
	return fmt.Errorf("node %s: %w", n.name, err)
}

// ListContainers lists the containers that carry the labels on every node
// that answers, each with its node. When a node does not answer and teams
// the labels select are placed on it, what the others hold comes with an
// [orchestrator.NodeDownError] naming those teams.
func (c *Cluster) ListContainers(ctx context.Context, labels map[string]string) ([]orchestrator.Container, error) {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	var (
		mu    sync.Mutex
		out   []orchestrator.Container
		downs []node
		errs  []error
	)
	var g errgroup.Group
	g.SetLimit(16)
	for _, n := range nodes {
		if !n.reachable(c.self) {
			continue
		}
		g.Go(func() error {
			var list []orchestrator.Container
			r, err := c.engine(ctx, n)
			if err == nil {
				list, err = r.ListContainers(ctx, labels)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, orchestrator.ErrNodeDown), errors.Is(err, orchestrator.ErrEngineUnreachable):
				downs = append(downs, n)
			case err != nil:
				errs = append(errs, onNode(n, err))
			}
			c.mu.Lock()
			for i := range list {
				list[i].Node = n.name
				c.where[list[i].ID] = n.id
			}
			c.mu.Unlock()
			out = append(out, list...)
			return nil
		})
	}
	_ = g.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if !n.ready() && !slices.ContainsFunc(downs, func(d node) bool { return d.id == n.id }) {
			downs = append(downs, n)
		}
	}
	if len(downs) == 0 {
		return out, nil
	}
	if err := c.downError(ctx, downs, labels); err != nil {
		return out, err
	}
	return out, nil
}

// downError is the error of nodes that do not answer, when teams the
// labels select are placed on them; nil when none is.
func (c *Cluster) downError(ctx context.Context, downs []node, labels map[string]string) error {
	recs, err := c.records(ctx, labels[orchestrator.LabelExercise])
	if err != nil {
		return err
	}
	var names, teams []string
	for _, n := range downs {
		held := false
		for _, r := range recs {
			if team := labels[orchestrator.LabelTeam]; team != "" && r.team != team {
				continue
			}
			if slices.Contains(r.nodes(), n.id) {
				held = true
				teams = append(teams, r.exercise+"/"+r.team)
			}
		}
		if held {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(teams)
	return &orchestrator.NodeDownError{Nodes: names, Teams: slices.Compact(teams)}
}

// CreateContainer creates the container on the node its team is placed
// on, placing the team first if it is on none, and copying the image to
// the node if the node lacks it.
func (c *Cluster) CreateContainer(ctx context.Context, spec orchestrator.ContainerSpec) (string, error) {
	n, err := c.nodeOf(ctx, spec)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	r, err := c.engine(ctx, n)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	if err := c.ensureImage(ctx, n, r, spec.Image); err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	id, err := r.CreateContainer(ctx, spec)
	if err != nil {
		return "", onNode(n, err)
	}
	c.mu.Lock()
	c.where[id] = n.id
	c.mu.Unlock()
	return id, nil
}

// RemoveContainer removes the container from its node. One on no node
// that answers is gone, unless a node is down.
func (c *Cluster) RemoveContainer(ctx context.Context, id string) error {
	r, n, err := c.on(ctx, id)
	if errors.Is(err, orchestrator.ErrNotFound) && !errors.Is(err, orchestrator.ErrNodeDown) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if err := r.RemoveContainer(ctx, id); err != nil {
		return onNode(n, err)
	}
	c.mu.Lock()
	delete(c.where, id)
	c.mu.Unlock()
	return nil
}

// Exec runs the command on the container's node.
func (c *Cluster) Exec(ctx context.Context, id string, spec orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	r, n, err := c.on(ctx, id)
	if err != nil {
		return orchestrator.ExecResult{}, fmt.Errorf("exec: %w", err)
	}
	res, err := r.Exec(ctx, id, spec)
	return res, onNode(n, err)
}

// ExecInteractive opens the terminal on the container's node.
func (c *Cluster) ExecInteractive(ctx context.Context, id string, cmd []string, size orchestrator.TermSize) (orchestrator.Session, error) {
	r, n, err := c.on(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	s, err := r.ExecInteractive(ctx, id, cmd, size)
	return s, onNode(n, err)
}

// ExecStream runs the command on the container's node.
func (c *Cluster) ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	r, n, err := c.on(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("exec: %w", err)
	}
	code, err := r.ExecStream(ctx, id, cmd, stdin, stdout, stderr)
	return code, onNode(n, err)
}

// PutFile puts the file into the container on its node.
func (c *Cluster) PutFile(ctx context.Context, id, path string, mode fs.FileMode, data []byte) error {
	r, n, err := c.on(ctx, id)
	if err != nil {
		return fmt.Errorf("put file %s: %w", path, err)
	}
	return onNode(n, r.PutFile(ctx, id, path, mode, data))
}

// ImageExists reports whether the manager or a node that answers has the
// image: creating a container copies it to its node.
func (c *Cluster) ImageExists(ctx context.Context, ref string) (bool, error) {
	if ok, err := c.manager.ImageExists(ctx, ref); err != nil || ok {
		return ok, err
	}
	_, _, err := c.imageSource(ctx, ref, "")
	if errors.Is(err, orchestrator.ErrImageMissing) {
		return false, nil
	}
	return err == nil, err
}

// BuildImage builds on the manager; the nodes get the image when a
// container needs it.
func (c *Cluster) BuildImage(ctx context.Context, b orchestrator.ImageBuild, progress func(string)) error {
	return c.manager.BuildImage(ctx, b, progress)
}

// ImageLabel reads the label of the image on the manager.
func (c *Cluster) ImageLabel(ctx context.Context, ref, label string) (string, bool, error) {
	return c.manager.ImageLabel(ctx, ref, label)
}

// ImageID returns the ID of the image on the manager, where images are
// built.
func (c *Cluster) ImageID(ctx context.Context, ref string) (string, error) {
	return c.manager.ImageID(ctx, ref)
}

// imageSource finds an engine that has the image: the manager, or a node
// other than skip (an ID).
func (c *Cluster) imageSource(ctx context.Context, ref, skip string) (*Runtime, string, error) {
	if ok, err := c.manager.ImageExists(ctx, ref); err != nil {
		return nil, "", err
	} else if ok && c.self != skip {
		return c.manager, "the manager", nil
	}
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, n := range nodes {
		if n.id == skip || n.id == c.self || !n.reachable(c.self) {
			continue
		}
		r, err := c.engine(ctx, n)
		if err != nil {
			continue
		}
		if ok, err := r.ImageExists(ctx, ref); err == nil && ok {
			return r, "node " + n.name, nil
		}
	}
	return nil, "", &orchestrator.ImageMissingError{Image: ref}
}

// ensureImage copies the image to the node from an engine of the swarm
// that has it, unless the node has it: images are never pulled, and a
// swarm may have no registry. Copies to one node of one image happen once.
func (c *Cluster) ensureImage(ctx context.Context, n node, r *Runtime, ref string) error {
	key := n.id + "\x00" + ref
	c.mu.Lock()
	lock := c.copying[key]
	if lock == nil {
		lock = &sync.Mutex{}
		c.copying[key] = lock
	}
	c.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()
	if ok, err := r.ImageExists(ctx, ref); err != nil {
		return onNode(n, err)
	} else if ok {
		return nil
	}
	src, from, err := c.imageSource(ctx, ref, n.id)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.name, err)
	}
	start := time.Now()
	c.log("copying image %s from %s to node %s", ref, from, n.name)
	size, err := copyImage(ctx, src, r, ref)
	if err != nil {
		return fmt.Errorf("copy image %s from %s to node %s: %w", ref, from, n.name, err)
	}
	c.log("copied image %s to node %s: %s in %s", ref, n.name, byteSize(size), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// copyImage streams the image from one engine into another, as
// `docker save | docker load` does, and returns how many bytes went.
func copyImage(ctx context.Context, from, to *Runtime, ref string) (int64, error) {
	rc, err := from.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return 0, from.check(err)
	}
	defer rc.Close()
	counted := &counter{r: rc}
	resp, err := to.cli.ImageLoad(ctx, counted, client.ImageLoadWithQuiet(true))
	if err != nil {
		return 0, to.check(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if ok, err := to.ImageExists(ctx, ref); err != nil || !ok {
		return 0, errors.Join(errors.New("the image is not there after loading"), err)
	}
	return counted.n, nil
}

type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// notFound says whether the engine said a thing is not there.
func notFound(err error) bool { return cerrdefs.IsNotFound(err) }
