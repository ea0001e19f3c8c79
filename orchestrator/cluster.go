package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Placer is a [Runtime] whose containers live on several machines, the
// nodes of a cluster. [Execute] hands it every container a plan creates
// before it creates any, so that it places whole teams at once and readies
// the nodes for them (copying the images they lack); a container it was not
// told of, as [Reset] creates, is placed when it is created. Find it with a
// type assertion.
type Placer interface {
	// Place decides the node of every container's team that has none yet,
	// and readies the nodes for the containers.
	Place(ctx context.Context, specs []ContainerSpec) error
	// Unplace forgets where the exercise's teams were placed. [Down] calls
	// it once everything of the exercise is removed.
	Unplace(ctx context.Context, exercise string) error
}

// Cluster is a [Placer] that can say what its nodes are and move a team
// from one to another.
type Cluster interface {
	Runtime
	Placer
	// Nodes lists the cluster's nodes, with the teams placed on them.
	Nodes(ctx context.Context) ([]Node, error)
	// Pin places the team on the node from now on, named by its name or
	// ID, and returns the node's name. The containers the team has
	// elsewhere stay where they are: [Move] removes and recreates them.
	Pin(ctx context.Context, exercise, team, node string) (string, error)
}

// Node is a machine of a cluster.
type Node struct {
	ID   string
	Name string
	// State is the cluster's word for it: "ready", "down", "unknown" or
	// "disconnected". Availability is "active", "pause" or "drain".
	State, Availability string
	Manager             bool
	// Engine is the address Cordillera reaches the node's engine at.
	Engine string
	// Eligible says teams may be placed on it; Why says why not.
	Eligible bool
	Why      string
	// CPUs and Memory (bytes) are what the node has; the Reserved ones are
	// what the hosts of the teams placed on it declare.
	CPUs           float64
	Memory         int64
	ReservedCPUs   float64
	ReservedMemory int64
	// Teams are the teams placed on it, by exercise.
	Teams  []NodeTeam
	Labels map[string]string
}

// NodeTeam is a team placed on a node.
type NodeTeam struct {
	Exercise, Team string
}

// Move moves a team of the exercise to the node, with the same addresses:
// it pins the team there, removes its containers that are elsewhere and
// creates them again on the node, as the team's plan says, fresh from
// their images. The scoreboard is not the orchestrator's: the team's ledger
// stays as it is. progress is told of each action, as [Execute] does.
func Move(ctx context.Context, c Cluster, d *Desired, team, node string, progress func(Event)) (Plan, error) {
	if d == nil || !slices.Contains(d.Teams(), team) {
		return Plan{}, fmt.Errorf("move: exercise has no team %q: %w", team, ErrNotFound)
	}
	node, err := c.Pin(ctx, d.Exercise, team, node)
	if err != nil {
		return Plan{Exercise: d.Exercise}, fmt.Errorf("move team %q: %w", team, err)
	}
	own := &Desired{Exercise: d.Exercise, Builds: d.Builds}
	for _, n := range d.Networks {
		if KeyOf(n.Labels).Team == team {
			own.Networks = append(own.Networks, n)
		}
	}
	for _, s := range d.Containers {
		if KeyOf(s.Labels).Team == team {
			own.Containers = append(own.Containers, s)
		}
	}
	o, err := Observe(ctx, c, d.Exercise)
	if err != nil && !errors.Is(err, ErrNodeDown) {
		return Plan{Exercise: d.Exercise}, err
	}
	mine := &Observed{Exercise: d.Exercise}
	for _, n := range o.Networks {
		if KeyOf(n.Labels).Team == team {
			mine.Networks = append(mine.Networks, n)
		}
	}
	var away []Action
	for _, ct := range o.Containers {
		if KeyOf(ct.Labels).Team != team {
			continue
		}
		if ct.Node != node {
			away = append(away, Action{Kind: RemoveContainer, Key: KeyOf(ct.Labels), Name: ct.Name, ID: ct.ID, Reason: "moving to " + node})
			continue
		}
		mine.Containers = append(mine.Containers, ct)
	}
	plan := Reconcile(own, mine)
	plan.Actions = append(away, plan.Actions...)
	return plan, Execute(ctx, c, plan, progress)
}
