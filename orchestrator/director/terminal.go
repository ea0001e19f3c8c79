package director

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Terminal opens an interactive shell on a team's host (or, with host
// "attacker:NAME", on its attacker), on a pseudo-terminal of the given
// size. The caller checks who may open it.
func (d *Director) Terminal(ctx context.Context, name, team, host string, size orchestrator.TermSize) (orchestrator.Session, error) {
	x, ok := d.Exercise(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return nil, d.noRuntime()
	}
	term, ok := d.rt.(orchestrator.Terminal)
	if !ok {
		return nil, errors.New("the container engine offers no terminals")
	}
	role, shell := orchestrator.RoleHost, ""
	for _, p := range x.Plans {
		if p.Team.ID != team {
			continue
		}
		for _, h := range p.Hosts {
			if h.Name == host {
				shell = cmp.Or(h.Shell, "/bin/sh")
			}
		}
		for _, a := range p.Attackers {
			if "attacker:"+a.Name == host {
				role, host, shell = orchestrator.RoleAttacker, a.Name, "/bin/sh"
			}
		}
	}
	if shell == "" {
		return nil, fmt.Errorf("%w: team %q has no host %q", ErrInvalid, team, host)
	}
	cs, err := d.rt.ListContainers(ctx, map[string]string{
		orchestrator.LabelExercise: name, orchestrator.LabelTeam: team,
		orchestrator.LabelRole: string(role), orchestrator.LabelName: host,
	})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cs, func(c orchestrator.Container) bool { return c.Running })
	if i < 0 {
		return nil, fmt.Errorf("%w: host %s of team %s is not running: deploy the exercise or reset the host", ErrInvalid, host, team)
	}
	return term.ExecInteractive(ctx, cs[i].ID, []string{shell, "-l"}, size)
}

// Grid is the state of every team's range: what an instructor watches.
type Grid struct {
	Teams []GridTeam
	// Nodes are the swarm's nodes when the exercises run on one, nil on a
	// single engine. NodeError says why they could not be listed.
	Nodes     []orchestrator.Node
	NodeError string
	// Down says which nodes do not answer and which teams are on them,
	// when one does not; the teams' hosts are then StateNodeDown.
	Down string
}

// GridTeam is one team's range.
type GridTeam struct {
	ID, Name, Country string
	// Node is the swarm node the team is placed on ("" on one engine);
	// NodeDown is true while it does not answer.
	Node     string
	NodeDown bool
	Hosts    []GridHost
}

// GridHost is one host or attacker of a team, with its services' last
// checks.
type GridHost struct {
	Name, Role string
	// State is "running", "stopped", "missing", or StateNodeDown.
	State     string
	Addresses []string
	Services  []scoreboard.CheckResult
}

// Grid observes the exercise's containers and reads the last check of
// every service. Without a container engine, every host is "unknown".
func (d *Director) Grid(ctx context.Context, name string) (Grid, error) {
	x, ok := d.Exercise(name)
	if !ok {
		return Grid{}, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	var g Grid
	rs := rangeStates{containers: map[orchestrator.Key]string{}, down: map[string]bool{}, placed: map[string]string{}}
	if d.rt != nil {
		var err error
		if g.Down, err = d.observeRanges(ctx, name, rs); err != nil {
			return Grid{}, err
		}
	}
	if cl := d.cluster(); cl != nil {
		g.Nodes, g.NodeError = listNodes(ctx, cl, name, rs.placed)
	}
	status, err := d.store.ServiceStatus(ctx, name)
	if err != nil {
		return Grid{}, err
	}
	for _, p := range x.Plans {
		g.Teams = append(g.Teams, d.gridTeam(name, p, rs, status[p.Team.ID]))
	}
	return g, nil
}

// rangeStates is what the container engine and the cluster say of an
// exercise's ranges.
type rangeStates struct {
	containers map[orchestrator.Key]string // "running" or "stopped"
	down       map[string]bool             // teams on nodes that do not answer
	placed     map[string]string           // the node each team is on
}

// observeRanges records the state of the exercise's containers and the
// nodes they are on. When a node does not answer, it records the teams on
// it and returns why.
func (d *Director) observeRanges(ctx context.Context, name string, rs rangeStates) (string, error) {
	var down string
	o, err := orchestrator.Observe(ctx, d.rt, name)
	var nd *orchestrator.NodeDownError
	switch {
	case errors.As(err, &nd):
		down = nd.Error()
		for _, t := range nd.Teams {
			if ex, team, ok := strings.Cut(t, "/"); ok && ex == name {
				rs.down[team] = true
			}
		}
	case err != nil:
		return "", err
	}
	for _, c := range o.Containers {
		st := "stopped"
		if c.Running {
			st = "running"
		}
		k := orchestrator.KeyOf(c.Labels)
		rs.containers[k] = st
		rs.placed[k.Team] = cmp.Or(rs.placed[k.Team], c.Node)
	}
	return down, nil
}

// listNodes lists the cluster's nodes and records the node each of the
// exercise's teams is placed on, over the one its containers are on. It
// returns the nodes, and why they could not be listed.
func listNodes(ctx context.Context, cl orchestrator.Cluster, name string, placed map[string]string) ([]orchestrator.Node, string) {
	var nodeError string
	nodes, err := cl.Nodes(ctx)
	if err != nil {
		nodeError = err.Error()
	}
	for _, n := range nodes {
		for _, t := range n.Teams {
			if t.Exercise == name {
				placed[t.Team] = n.Name
			}
		}
	}
	return nodes, nodeError
}

// gridTeam is a team's range: its hosts, with their services' last checks
// (status, by host/service), and its attackers.
func (d *Director) gridTeam(name string, p *scenarios.TeamPlan, rs rangeStates, status map[string]scoreboard.CheckResult) GridTeam {
	t := GridTeam{ID: p.Team.ID, Name: p.Team.Name, Country: p.Team.Country, Node: rs.placed[p.Team.ID], NodeDown: rs.down[p.Team.ID]}
	state := func(k orchestrator.Key) string {
		switch {
		case d.rt == nil:
			return "unknown"
		case t.NodeDown && rs.containers[k] == "":
			return StateNodeDown
		}
		return cmp.Or(rs.containers[k], "missing")
	}
	for _, h := range p.Hosts {
		gh := GridHost{Name: h.Name, Role: string(orchestrator.RoleHost),
			State: state(orchestrator.Key{Team: p.Team.ID, Role: orchestrator.RoleHost, Name: h.Name})}
		for _, a := range h.Networks {
			gh.Addresses = append(gh.Addresses, a.Address.String())
		}
		for _, s := range h.Services {
			if r, ok := status[h.Name+"/"+s.Name]; ok {
				gh.Services = append(gh.Services, r)
			} else {
				gh.Services = append(gh.Services, scoreboard.CheckResult{Exercise: name, Team: p.Team.ID, Host: h.Name, Service: s.Name, Detail: "not checked yet"})
			}
		}
		t.Hosts = append(t.Hosts, gh)
	}
	for _, a := range p.Attackers {
		t.Hosts = append(t.Hosts, GridHost{Name: a.Name, Role: string(orchestrator.RoleAttacker),
			State: state(orchestrator.Key{Team: p.Team.ID, Role: orchestrator.RoleAttacker, Name: a.Name})})
	}
	return t
}
