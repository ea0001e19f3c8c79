// Package docker is the orchestrator's runtime on a Docker engine: one
// bridge network per team network, one container per host, attacker and
// scorebot. It is the only package of Cordillera that uses the Docker SDK.
//
// The engine is found as the docker command finds it (DOCKER_HOST and the
// other DOCKER_* variables) and spoken to in the newest API version both
// sides know, so an older engine works.
//
// The package's tests run against that engine and fail when it cannot be
// reached; CORDILLERA_NO_DOCKER=1 skips them on a machine without Docker.
package docker

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// Runtime is a Docker engine. It is an [orchestrator.Runtime] and an
// [orchestrator.Terminal], and safe for concurrent use.
type Runtime struct {
	cli *client.Client
}

var (
	_ orchestrator.Runtime  = (*Runtime)(nil)
	_ orchestrator.Terminal = (*Runtime)(nil)
)

// New connects to the Docker engine and checks that it answers.
func New(ctx context.Context) (*Runtime, error) {
	return NewAt(ctx, "")
}

// NewAt connects to the Docker engine at host, such as
// tcp://10.0.0.5:2376, with the TLS settings of DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH; an empty host is DOCKER_HOST's, as for [New].
func NewAt(ctx context.Context, host string) (*Runtime, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker engine settings (DOCKER_HOST and friends): %w", err)
	}
	ping, err := cli.Ping(ctx)
	if err != nil {
		host := cli.DaemonHost()
		cli.Close()
		return nil, &unreachableError{host: host, cause: err}
	}
	// The API version is settled now, before requests run concurrently: the
	// client would otherwise negotiate it on the first of them while the
	// others read it.
	cli.NegotiateAPIVersionPing(ping)
	return &Runtime{cli: cli}, nil
}

// Host is the address of the engine, such as unix:///var/run/docker.sock.
func (r *Runtime) Host() string { return r.cli.DaemonHost() }

// Close releases the connection to the engine.
func (r *Runtime) Close() error { return r.cli.Close() }

// unreachableError is orchestrator.ErrEngineUnreachable with the engine's
// address and how to fix it.
type unreachableError struct {
	host  string
	cause error
}

func (e *unreachableError) Error() string {
	msg := fmt.Sprintf("cannot reach the Docker engine at %s: start Docker or set DOCKER_HOST", e.host)
	if strings.Contains(e.cause.Error(), "permission denied") {
		msg += " (permission denied: run as a user allowed to use the engine, such as a member of the docker group)"
	}
	return msg
}

func (e *unreachableError) Unwrap() []error {
	return []error{orchestrator.ErrEngineUnreachable, e.cause}
}

// check turns an engine that stopped answering into ErrEngineUnreachable.
func (r *Runtime) check(err error) error {
	if err != nil && client.IsErrConnectionFailed(err) {
		return &unreachableError{host: r.cli.DaemonHost(), cause: err}
	}
	return err
}

func labelFilter(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		args.Add("label", k+"="+labels[k])
	}
	return args
}

// firstIPv4 is a network's first IPv4 range, or none.
func firstIPv4(subnets []string) netip.Prefix {
	for _, s := range subnets {
		if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
			return p
		}
	}
	return netip.Prefix{}
}
