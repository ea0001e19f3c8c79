package dockertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
)

// NodeImage is the image of a swarm node for tests: Debian's Docker engine
// (docker.io), built on Base.
const NodeImage = "cordillera/test-swarm-node:dev"

// Base is the Debian image NodeImage is built on, which `cordillera images
// bootstrap` makes.
const Base = "debian:bookworm-slim"

// labelSwarm marks every container and network a test swarm is made of.
const labelSwarm = "cordillera.test.swarm"

// nodeCaps are the capabilities a node's engine needs to run containers:
// all of them but SYS_RESOURCE, since the engine Cordillera's tests run on
// refuses --privileged and --cap-add ALL.
var nodeCaps = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
	"LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
	"MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
}

// Engine is a client of the test engine, as [Client] returns it, for
// programs that use this package without the Docker SDK.
type Engine = client.Client

// CPU is the CPU time each node's container has used so far, in the order
// of Nodes: its engine's work (dockerd, containerd, the shims), not the
// range containers', whose cgroups are not under it.
func (s *Swarm) CPU(ctx context.Context) []time.Duration {
	var out []time.Duration
	for _, nd := range s.Nodes() {
		var st struct {
			CPU struct {
				Usage struct {
					Total uint64 `json:"total_usage"`
				} `json:"cpu_usage"`
			} `json:"cpu_stats"`
		}
		resp, err := s.engine.ContainerStatsOneShot(ctx, nd.Container)
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		out = append(out, time.Duration(st.CPU.Usage.Total))
	}
	return out
}

// Swarm is a Docker Swarm whose nodes are Docker engines in containers on
// the test engine, on a bridge network of their own: test infrastructure
// only. Each node's engine listens without TLS on its address on that
// network, which only the test engine's machine reaches; the range
// containers inside the nodes keep every rule they have anywhere.
type Swarm struct {
	engine *client.Client
	name   string
	subnet netip.Prefix
	netID  string
	// cgroupParent holds the nodes' cgroups.
	cgroupParent string

	mu    sync.Mutex
	nodes []*Node
	token string
}

// Node is a node of a test swarm.
type Node struct {
	// Name is its host name, which is its name in the swarm.
	Name string
	// Container is the node's container on the test engine.
	Container string
	// Addr is its address on the nodes' network; Engine is its engine's,
	// such as tcp://10.230.0.2:2375.
	Addr   netip.Addr
	Engine string
	// Client speaks to its engine.
	Client *client.Client
	// Stopped says Stop stopped it.
	Stopped bool
}

// BuildNodeImage builds NodeImage on the engine from Base, unless it is
// there already built from the same recipe.
func BuildNodeImage(ctx context.Context, engine *client.Client) error {
	recipe := "FROM " + Base + "\n" +
		"RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io iptables iproute2 procps ca-certificates && rm -rf /var/lib/apt/lists/*\n" +
		"CMD [\"dockerd\", \"--storage-driver=vfs\", \"--host=unix:///var/run/docker.sock\", \"--host=tcp://0.0.0.0:2375\", \"--tls=false\"]\n"
	if err := buildContext(ctx, engine, NodeImage, []file{{"Dockerfile", 0o644, []byte(recipe)}}); err != nil {
		return fmt.Errorf("build %s: %w", NodeImage, err)
	}
	return nil
}

// StartSwarm starts a swarm of n nodes (the first is its manager) on a
// network of its own in subnet (a /24 or wider that no network on the
// engine overlaps), each labelled with cordillera.engine, and loads the
// images from the test engine into the manager. name tells its objects
// apart from other tests'. NodeImage must be built.
func StartSwarm(ctx context.Context, engine *client.Client, name string, subnet netip.Prefix, n int, images ...string) (*Swarm, error) {
	s := &Swarm{engine: engine, name: name, subnet: subnet, cgroupParent: "/cordillera-test-nodes"}
	// The nodes' containers go under a cgroup of their own, in the
	// engine's way of naming one.
	if info, err := engine.Info(ctx); err == nil && info.CgroupDriver == "systemd" {
		s.cgroupParent = "cordillera-test-nodes.slice"
	}
	created, err := engine.NetworkCreate(ctx, "cordillera-test-"+name+"-nodes", network.CreateOptions{
		Driver: "bridge",
		IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet.String(), Gateway: subnet.Addr().Next().String()}}},
		Labels: map[string]string{labelSwarm: name},
	})
	if err != nil {
		return nil, fmt.Errorf("nodes' network: %w", err)
	}
	s.netID = created.ID
	for range n {
		if _, err := s.AddNode(ctx); err != nil {
			return nil, errors.Join(err, s.Close(context.WithoutCancel(ctx)))
		}
	}
	for _, img := range images {
		if err := CopyImage(ctx, engine, s.Manager().Client, img); err != nil {
			return nil, errors.Join(err, s.Close(context.WithoutCancel(ctx)))
		}
	}
	return s, nil
}

// Manager is the swarm's manager, its first node.
func (s *Swarm) Manager() *Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nodes[0]
}

// Nodes are the swarm's nodes, in the order they joined.
func (s *Swarm) Nodes() []*Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Node(nil), s.nodes...)
}

// AddNode starts one more node and joins it to the swarm: the first one
// made starts the swarm.
func (s *Swarm) AddNode(ctx context.Context) (*Node, error) {
	s.mu.Lock()
	i := len(s.nodes) + 1
	s.mu.Unlock()
	nd := &Node{Name: fmt.Sprintf("%s-node%d", s.name, i)}
	// Addresses from .10 up: the gateway is .1.
	a := s.subnet.Addr().As4()
	a[3] = byte(9 + i)
	nd.Addr = netip.AddrFrom4(a)
	nd.Engine = "tcp://" + netip.AddrPortFrom(nd.Addr, 2375).String()
	resp, err := s.engine.ContainerCreate(ctx,
		&container.Config{
			Image: NodeImage, Hostname: nd.Name, Labels: map[string]string{labelSwarm: s.name},
			// The node's images and containers, on the machine's file
			// system rather than in the container's own layer.
			Volumes: map[string]struct{}{"/var/lib/docker": {}},
		},
		&container.HostConfig{
			CapAdd:      nodeCaps,
			SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"},
			Binds:       []string{"/sys/fs/cgroup:/sys/fs/cgroup:rw"},
			Resources:   container.Resources{CgroupParent: s.cgroupParent},
			NetworkMode: container.NetworkMode(s.netID),
			Tmpfs:       map[string]string{"/run": "", "/tmp": ""},
		},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			s.netID: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: nd.Addr.String()}},
		}},
		nil, "cordillera-test-"+nd.Name)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", nd.Name, err)
	}
	nd.Container = resp.ID
	if err := s.engine.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return nil, fmt.Errorf("node %s: start: %w", nd.Name, err)
	}
	if nd.Client, err = client.NewClientWithOpts(client.WithHost(nd.Engine), client.WithAPIVersionNegotiation()); err != nil {
		return nil, err
	}
	if err := waitEngine(ctx, nd); err != nil {
		return nil, fmt.Errorf("node %s: %w\n%s", nd.Name, err, s.logs(ctx, nd))
	}
	s.mu.Lock()
	first := len(s.nodes) == 0
	s.nodes = append(s.nodes, nd)
	token := s.token
	var manager *Node
	if !first {
		manager = s.nodes[0]
	}
	s.mu.Unlock()
	if first {
		if _, err := nd.Client.SwarmInit(ctx, swarm.InitRequest{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: nd.Addr.String()}); err != nil {
			return nil, fmt.Errorf("node %s: swarm init: %w", nd.Name, err)
		}
		sw, err := nd.Client.SwarmInspect(ctx)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.token = sw.JoinTokens.Worker
		s.mu.Unlock()
		manager = nd
	} else if err := nd.Client.SwarmJoin(ctx, swarm.JoinRequest{
		ListenAddr: "0.0.0.0:2377", AdvertiseAddr: nd.Addr.String(),
		RemoteAddrs: []string{netip.AddrPortFrom(manager.Addr, 2377).String()}, JoinToken: token,
	}); err != nil {
		return nil, fmt.Errorf("node %s: swarm join: %w", nd.Name, err)
	}
	// The cluster reaches each node's engine where this label says.
	if err := s.label(ctx, manager, nd); err != nil {
		return nil, fmt.Errorf("node %s: %w", nd.Name, err)
	}
	return nd, nil
}

// label sets cordillera.engine on the node, once the manager lists it.
func (s *Swarm) label(ctx context.Context, manager, nd *Node) error {
	for {
		nodes, err := manager.Client.NodeList(ctx, swarm.NodeListOptions{Filters: filters.NewArgs(filters.Arg("name", nd.Name))})
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if n.Description.Hostname != nd.Name || n.Status.State != swarm.NodeStateReady {
				continue
			}
			spec := n.Spec
			if spec.Labels == nil {
				spec.Labels = map[string]string{}
			}
			spec.Labels["cordillera.engine"] = nd.Engine
			return manager.Client.NodeUpdate(ctx, n.ID, n.Version, spec)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the manager does not list it ready: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func waitEngine(ctx context.Context, nd *Node) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := nd.Client.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("its engine does not answer at %s: %w", nd.Engine, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *Swarm) logs(ctx context.Context, nd *Node) string {
	rc, err := s.engine.ContainerLogs(ctx, nd.Container, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "20"})
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// Stop kills the node's container, as a machine that loses power.
func (s *Swarm) Stop(ctx context.Context, nd *Node) error {
	s.mu.Lock()
	nd.Stopped = true
	s.mu.Unlock()
	return s.engine.ContainerKill(ctx, nd.Container, "KILL")
}

// WaitState waits until the manager sees the node in the state, such as
// swarm.NodeStateDown after Stop.
func (s *Swarm) WaitState(ctx context.Context, nd *Node, state swarm.NodeState) error {
	for {
		nodes, err := s.Manager().Client.NodeList(ctx, swarm.NodeListOptions{})
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if n.Description.Hostname == nd.Name && n.Status.State == state {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s never became %s: %w", nd.Name, state, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Remove removes the node from the swarm, as `docker node rm --force`.
func (s *Swarm) Remove(ctx context.Context, nd *Node) error {
	nodes, err := s.Manager().Client.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Description.Hostname == nd.Name {
			return s.Manager().Client.NodeRemove(ctx, n.ID, swarm.NodeRemoveOptions{Force: true})
		}
	}
	return fmt.Errorf("node %s is not in the swarm", nd.Name)
}

// Close removes every node's container and the nodes' network.
func (s *Swarm) Close(ctx context.Context) error {
	for _, nd := range s.Nodes() {
		if nd.Client != nil {
			nd.Client.Close()
		}
	}
	return RemoveSwarm(ctx, s.engine, s.name)
}

// RemoveSwarm removes what the swarm of that name was made of: its nodes'
// containers, with their volumes, and their network.
func RemoveSwarm(ctx context.Context, engine *client.Client, name string) error {
	var errs []error
	f := filters.NewArgs(filters.Arg("label", labelSwarm+"="+name))
	list, err := engine.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	errs = append(errs, err)
	for _, c := range list {
		errs = append(errs, engine.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}))
	}
	nets, err := engine.NetworkList(ctx, network.ListOptions{Filters: f})
	errs = append(errs, err)
	for _, n := range nets {
		errs = append(errs, engine.NetworkRemove(ctx, n.ID))
	}
	return errors.Join(errs...)
}

// CopyImage copies an image from one engine to another, as `docker save |
// docker load` does.
func CopyImage(ctx context.Context, from, to *client.Client, ref string) error {
	rc, err := from.ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("save %s: %w", ref, err)
	}
	defer rc.Close()
	resp, err := to.ImageLoad(ctx, rc, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load %s: %w", ref, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("load %s: %w", ref, err)
	}
	if strings.Contains(string(out), `"error"`) {
		return fmt.Errorf("load %s: %s", ref, out)
	}
	return nil
}
