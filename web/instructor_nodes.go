package web

import (
	"fmt"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// nodeRow is a swarm node as the instructor's page shows it.
type nodeRow struct {
	Name    string
	Manager bool
	// State is the swarm's word: "ready", "down", "unknown",
	// "disconnected"; Availability "active", "pause" or "drain".
	State, Availability string
	Eligible            bool
	CPUs                float64
	MemoryGiB           string
	// Reserved is the share of the node's memory the hosts of the teams
	// placed on it declare, in percent.
	Reserved int64
	Teams    []string
}

func nodeRows(nodes []orchestrator.Node) []nodeRow {
	var out []nodeRow
	for _, n := range nodes {
		r := nodeRow{Name: n.Name, Manager: n.Manager, State: n.State, Availability: n.Availability, Eligible: n.Eligible,
			CPUs: n.CPUs, MemoryGiB: fmt.Sprintf("%.1f", float64(n.Memory)/(1<<30))}
		if n.Memory > 0 {
			r.Reserved = n.ReservedMemory * 100 / n.Memory
		}
		for _, t := range n.Teams {
			r.Teams = append(r.Teams, t.Exercise+"/"+t.Team)
		}
		out = append(out, r)
	}
	return out
}

// apiNode is a swarm node in the grid's JSON.
type apiNode struct {
	Name           string   `json:"name"`
	State          string   `json:"state"`
	Availability   string   `json:"availability"`
	Manager        bool     `json:"manager"`
	Eligible       bool     `json:"eligible"`
	Why            string   `json:"why,omitempty"`
	CPUs           float64  `json:"cpus"`
	Memory         int64    `json:"memory_bytes"`
	ReservedCPUs   float64  `json:"reserved_cpus"`
	ReservedMemory int64    `json:"reserved_memory_bytes"`
	Teams          []string `json:"teams"`
}

func apiNodes(nodes []orchestrator.Node) []apiNode {
	out := []apiNode{}
	for _, n := range nodes {
		a := apiNode{Name: n.Name, State: n.State, Availability: n.Availability, Manager: n.Manager, Eligible: n.Eligible, Why: n.Why,
			CPUs: n.CPUs, Memory: n.Memory, ReservedCPUs: n.ReservedCPUs, ReservedMemory: n.ReservedMemory, Teams: []string{}}
		for _, t := range n.Teams {
			a.Teams = append(a.Teams, t.Exercise+"/"+t.Team)
		}
		out = append(out, a)
	}
	return out
}

// MoveTargets are the nodes a team on node from may be moved to: those
// that take teams, but its own.
func (v instructExerciseView) MoveTargets(from string) []string {
	var out []string
	for _, n := range v.Nodes {
		if n.Eligible && n.Name != from {
			out = append(out, n.Name)
		}
	}
	return out
}
