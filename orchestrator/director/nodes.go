package director

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// OpMove is the kind of the operation that moves a team to another node.
const OpMove = "move"

// StateNodeDown is a host's state in the grid when the node it runs on
// does not answer.
const StateNodeDown = "node-down"

// cluster is the runtime as a cluster, or nil on a single engine.
func (d *Director) cluster() orchestrator.Cluster {
	cl, _ := d.rt.(orchestrator.Cluster)
	return cl
}

// Nodes lists the nodes of the cluster the director runs exercises on,
// with the teams placed on each. ok is false on a single engine, which has
// no nodes to show.
func (d *Director) Nodes(ctx context.Context) (nodes []orchestrator.Node, ok bool, err error) {
	cl := d.cluster()
	if cl == nil {
		return nil, false, nil
	}
	nodes, err = cl.Nodes(ctx)
	return nodes, true, err
}

// MoveTeam moves a team's range to another node of the cluster, in the
// background: its containers are removed where they are and created again
// on the node from their images, with the same addresses, and the move
// waits for every check of the team to pass. The team's ledger stays as it
// is. Operation shows the progress. While the team moves its services are
// down, as in a reset; an instructor who wants the move kept out of the
// score pauses the exercise first.
func (d *Director) MoveTeam(ctx context.Context, name, team, node, author string) error {
	x, ok := d.Exercise(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return d.noRuntime()
	}
	cl := d.cluster()
	if cl == nil {
		return fmt.Errorf("%w: the exercises run on one engine, %s, not on a swarm: there is no other node to move a team to", ErrInvalid, runtimeHost(d.rt))
	}
	if !slices.Contains(x.rng.Desired.Teams(), team) {
		return fmt.Errorf("%w: exercise %s has no team %q", ErrInvalid, name, team)
	}
	nodes, err := cl.Nodes(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(nodes, func(n orchestrator.Node) bool { return n.Name == node || n.ID == node })
	if i < 0 {
		var names []string
		for _, n := range nodes {
			names = append(names, n.Name)
		}
		return fmt.Errorf("%w: the swarm has no node %q; its nodes are %s", ErrInvalid, node, strings.Join(names, ", "))
	}
	if n := nodes[i]; !n.Eligible {
		return fmt.Errorf("%w: node %s takes no team: %s", ErrInvalid, n.Name, n.Why)
	}
	node = nodes[i].Name
	if x, err = d.begin(name, OpMove, author); err != nil {
		return err
	}
	d.event(name, "", scoreboard.AudienceStaff, fmt.Sprintf("%s moves team %s to node %s.", author, team, node))
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		err := d.move(d.base, cl, x, team, node)
		d.finish(x, err)
		if err == nil {
			d.event(name, team, scoreboard.AudienceTeam, fmt.Sprintf("%s moved the range of team %s to another machine; its score is as it was.", author, team))
		}
	}()
	return nil
}

func (d *Director) move(ctx context.Context, cl orchestrator.Cluster, x *Exercise, team, node string) error {
	x.say("Moving team %s of exercise %s to node %s", team, x.Name, node)
	_, err := deploy.Move(ctx, cl, x.rng, team, node, deploy.Options{Wait: d.opt.Wait, Agent: d.opt.Engine.Agent, Report: x.report(true)})
	if err != nil {
		return err
	}
	x.say("Team %s runs on node %s; its ledger is as it was.", team, node)
	return nil
}
