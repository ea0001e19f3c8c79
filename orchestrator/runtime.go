// Package orchestrator deploys the teams' copies of a scenario as containers
// and networks, in three steps: [Observe] what exists, [Reconcile] it with
// what the plans want into a [Plan], and [Execute] the plan.
//
// Everything it creates carries labels naming the exercise, team, role, name
// and a hash of the spec it was created from; it finds its objects by those
// labels only, never by name, so it can take over after a crash and remove an
// exercise whose scenario has since changed ([Down]).
//
// It talks to containers only through a [Runtime]; orchestrator/docker is the
// Docker one. The types here are the runtime's own, so no engine's types leak
// into the rest of Cordillera.
package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"strings"

	"github.com/cordillera-range/cordillera/scenarios"
)

// Runtime is a container engine as the orchestrator uses it. Lists filter
// by labels: an object is listed when it carries every label given, with the
// value given.
//
// Implementations reach containers only through the engine, never by
// sharing a machine with them, so the same plans can later run on a cluster.
type Runtime interface {
	ListNetworks(ctx context.Context, labels map[string]string) ([]Network, error)
	// CreateNetwork creates a network and returns its ID.
	CreateNetwork(ctx context.Context, spec NetworkSpec) (string, error)
	// RemoveNetwork removes a network, first detaching any container still
	// on it. Removing one that is gone is not an error.
	RemoveNetwork(ctx context.Context, id string) error

	ListContainers(ctx context.Context, labels map[string]string) ([]Container, error)
	// CreateContainer creates a container, attaches it to its networks with
	// their addresses and starts it. It returns the container's ID. A
	// container that cannot start is removed again.
	CreateContainer(ctx context.Context, spec ContainerSpec) (string, error)
	// RemoveContainer kills and removes a container at once: range
	// containers hold nothing worth a graceful stop. Removing one that is
	// gone is not an error.
	RemoveContainer(ctx context.Context, id string) error

	// Exec runs a command in a running container and waits for it. A
	// command that runs and fails is not an error: see ExitCode.
	Exec(ctx context.Context, id string, spec ExecSpec) (ExecResult, error)

	// ImageExists reports whether the engine has the image, without
	// pulling it.
	ImageExists(ctx context.Context, ref string) (bool, error)
}

// Terminal is a [Runtime] that can run commands interactively: on a
// pseudo-terminal, for a person at a keyboard (the trainees' web terminal,
// `cordillera shell`), or with piped standard streams, for scripts. Find it
// with a type assertion.
type Terminal interface {
	// ExecInteractive starts cmd in the container on a pseudo-terminal of
	// the given size (zero keeps the engine's default). The session ends
	// when the command exits, when Close is called or when ctx is done.
	ExecInteractive(ctx context.Context, id string, cmd []string, size TermSize) (Session, error)

	// ExecStream runs cmd in the container with no terminal: it feeds the
	// command stdin until stdin ends (a nil stdin gives it none), copies its
	// standard output and error to stdout and stderr, and waits for it to
	// exit. A command that runs and fails is not an error: the exit code
	// says how it ended. Unlike [Runtime.Exec], nothing is kept in memory,
	// so the output may be as long as it likes.
	ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// Files is a [Runtime] that can put a file into a running container, as
// Cordillera puts its agent into each team's scorebot at deploy time, so
// that any scorebot image works and no image is rebuilt when the agent
// changes. Find it with a type assertion.
type Files interface {
	// PutFile writes data to path (absolute) in the container with the
	// given permission bits, owned by root, making its folders as needed
	// and replacing a file already there.
	PutFile(ctx context.Context, id, path string, mode fs.FileMode, data []byte) error
}

// Session is an interactive command on a pseudo-terminal: reads return what
// the terminal shows, writes are keystrokes. Reads end with io.EOF when the
// command exits.
type Session interface {
	io.ReadWriteCloser
	Resize(ctx context.Context, size TermSize) error
	// Wait waits for the command to exit and returns its exit code. Call it
	// once reads have ended.
	Wait(ctx context.Context) (int, error)
}

// TermSize is a terminal's size in characters.
type TermSize struct {
	Rows, Cols uint16
}

// NetworkSpec is a network to create.
type NetworkSpec struct {
	Name   string
	Labels map[string]string
	Subnet netip.Prefix
	// Gateway is the subnet's router address. On a sealed network nothing
	// answers on it: there is nowhere to route to, and an address on the
	// engine's machine would let range containers reach its services.
	Gateway netip.Addr
	// Internet lets the network route outside the engine; networks are
	// sealed otherwise.
	Internet bool
}

// Network is a network that exists.
type Network struct {
	ID     string
	Name   string
	Labels map[string]string
	// Subnet is the network's first IPv4 range, if it has one.
	Subnet netip.Prefix
}

// ContainerSpec is a container to create. What every range container must
// be is not in it, so that no spec can change it: runtimes drop every
// capability but CapAdd, never run a container privileged or let it gain
// privileges, mount nothing from the machine (the engine's socket least of
// all) and never restart a container on their own.
type ContainerSpec struct {
	Name     string
	Hostname string
	Image    string
	Labels   map[string]string
	Env      map[string]string
	// Command replaces the image's command when set.
	Command []string
	// Networks are joined in order, each with a fixed address.
	Networks []Attachment

	// Memory is the limit in bytes, swap included; CPUs is in cores; Pids
	// caps the number of processes.
	Memory int64
	CPUs   float64
	Pids   int64
	// CapAdd are the only Linux capabilities the container keeps, such as
	// "NET_ADMIN", written as [CheckCapabilities] wants them.
	CapAdd []string
}

// CheckCapabilities refuses capabilities a range container may not have:
// names that are no Linux capability, names not written canonically (in
// capitals, without CAP_), and those that would break the container's
// containment or reach the machine, such as SYS_ADMIN (the allow-list is
// scenarios.AllowedCapabilities). Runtimes call it before they create a
// container, whatever made the spec. The error wraps scenarios.ErrCapability.
func CheckCapabilities(caps []string) error {
	return scenarios.CheckCapAdd(caps)
}

// Attachment is a container's place on a network.
type Attachment struct {
	// Network is the network's name in the runtime.
	Network string
	Address netip.Addr
	// Aliases are names other containers on the network may use for it.
	Aliases []string
}

// Container is a container that exists.
type Container struct {
	ID     string
	Name   string
	Image  string
	Labels map[string]string
	// State is the runtime's word for it, such as "running" or "exited".
	State   string
	Running bool
	// Addresses maps the runtime's name of each network the container is on
	// to its address there.
	Addresses map[string]netip.Addr
	// Node is the machine of a cluster the container runs on, by its name;
	// empty on a single engine.
	Node string
}

// ExecSpec is a command to run in a container.
type ExecSpec struct {
	Cmd []string
	// Env adds "NAME=value" entries to the container's environment.
	Env []string
}

// MaxExecOutput is how much of a command's output [Runtime.Exec] keeps. The
// commands run in containers that trainees and attacks control, so their
// output must not be able to exhaust Cordillera's memory.
const MaxExecOutput = 1 << 20

// ExecResult is how a command ended.
type ExecResult struct {
	ExitCode int
	// Output is standard output and standard error, interleaved as the
	// command wrote them, up to MaxExecOutput bytes.
	Output []byte
	// Truncated says output past MaxExecOutput was dropped.
	Truncated bool
}

// Errors a runtime reports, for errors.Is.
var (
	// ErrEngineUnreachable: the container engine does not answer.
	ErrEngineUnreachable = errors.New("cannot reach the container engine")
	// ErrImageMissing: an image is not on the engine (it is never pulled).
	// The error is an *ImageMissingError.
	ErrImageMissing = errors.New("image missing")
	// ErrSubnetTaken: another network on the engine holds a network's
	// subnet. The error is a *SubnetTakenError.
	ErrSubnetTaken = errors.New("subnet taken")
	// ErrNotFound: the container or network does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNodeDown: a machine of a cluster does not answer, or has left it.
	// The error is a *NodeDownError.
	ErrNodeDown = errors.New("node down")
)

// NodeDownError says which machines of a cluster do not answer, and which
// teams live on them. A list that meets one still returns what the other
// machines hold, with this error.
type NodeDownError struct {
	// Nodes are the machines' names; Teams are "exercise/team" of the teams
	// placed on them, when known.
	Nodes []string
	Teams []string
	Cause error
}

func (e *NodeDownError) Error() string {
	msg := fmt.Sprintf("node %s of the cluster does not answer", strings.Join(e.Nodes, ", "))
	if len(e.Nodes) > 1 {
		msg = fmt.Sprintf("nodes %s of the cluster do not answer", strings.Join(e.Nodes, ", "))
	}
	if len(e.Teams) > 0 {
		msg += fmt.Sprintf(" (teams there: %s)", strings.Join(e.Teams, ", "))
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg + "; bring it back, or move its teams to another node with `cordillera move`"
}

// Is makes errors.Is(err, ErrNodeDown) hold.
func (e *NodeDownError) Is(target error) bool { return target == ErrNodeDown }

// Unwrap gives the cause, so that errors.Is finds what it wraps too.
func (e *NodeDownError) Unwrap() error { return e.Cause }

// ImageMissingError says which image a container needs is not on the
// engine.
type ImageMissingError struct {
	Image string
}

func (e *ImageMissingError) Error() string {
	return fmt.Sprintf("image %q is not on this engine: run `cordillera images bootstrap` and `cordillera images build`, or build it yourself", e.Image)
}

// Is makes errors.Is(err, ErrImageMissing) hold.
func (e *ImageMissingError) Is(target error) bool { return target == ErrImageMissing }

// SubnetTakenError says a network could not be created because another
// network holds its subnet.
type SubnetTakenError struct {
	Subnet  netip.Prefix
	Network string
	// Other names the network in the way, when it could be found.
	Other string
}

func (e *SubnetTakenError) Error() string {
	other := ""
	if e.Other != "" {
		other = fmt.Sprintf(" (%s)", e.Other)
	}
	return fmt.Sprintf("subnet %s of network %q is already used by another network on this engine%s: remove it or set address_pool in the exercise",
		e.Subnet, e.Network, other)
}

// Is makes errors.Is(err, ErrSubnetTaken) hold.
func (e *SubnetTakenError) Is(target error) bool { return target == ErrSubnetTaken }
