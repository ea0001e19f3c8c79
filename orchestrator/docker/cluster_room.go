package docker

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// room is what the nodes that may take teams have left, by the memory and
// CPUs that the containers placed on them declare. Memory decides whether
// a team fits, as it is what a node cannot lend twice; CPUs, which
// containers share, only break ties.
type room struct {
	slots []*slot
	// why says, for each node that may take no team, why not.
	why []string
}

type slot struct {
	id, name     string
	memory, used int64
	cpus, usedCP float64
	teams        int
}

func (s *slot) free() int64 { return s.memory - s.used }

// load is the share of the node's memory in use once extra more is.
func (s *slot) load(extra int64) float64 {
	if s.memory <= 0 {
		return 1
	}
	return float64(s.used+extra) / float64(s.memory)
}

func newRoom(nodes []node, recs []record, self string) *room {
	r := &room{}
	byID := map[string]*slot{}
	for _, n := range nodes {
		ok, why := n.eligible(self)
		if !ok {
			r.why = append(r.why, fmt.Sprintf("%s: %s", n.name, why))
			continue
		}
		s := &slot{id: n.id, name: n.name, memory: n.memory, cpus: n.cpus}
		r.slots = append(r.slots, s)
		byID[n.id] = s
	}
	for _, rec := range recs {
		for id, m := range rec.memory {
			if s := byID[id]; s != nil {
				s.used += m
				s.usedCP += rec.cpus[id]
			}
		}
		if s := byID[rec.node]; s != nil {
			s.teams++
		}
	}
	return r
}

// best is the slot that takes mem with the least load after, then the one
// with fewer teams, then fewer CPUs in use, then by name; nil when none has
// room.
func (r *room) best(mem int64) *slot {
	var fit []*slot
	for _, s := range r.slots {
		if s.free() >= mem {
			fit = append(fit, s)
		}
	}
	if len(fit) == 0 {
		return nil
	}
	return slices.MinFunc(fit, func(a, b *slot) int {
		return cmp.Or(
			cmp.Compare(a.load(mem), b.load(mem)),
			cmp.Compare(a.teams, b.teams),
			cmp.Compare(a.usedCP/max(a.cpus, 1e-9), b.usedCP/max(b.cpus, 1e-9)),
			strings.Compare(a.name, b.name),
		)
	})
}

// place puts the team on the node that has room for it whole and the least
// load; when none has, it spreads the team's containers, the biggest
// first, each on the node with the most room left.
func (r *room) place(exercise, team string, specs []orchestrator.ContainerSpec) (record, error) {
	if len(r.slots) == 0 {
		return record{}, fmt.Errorf("no node of the swarm can take team %q: %s", team, strings.Join(r.why, "; "))
	}
	rec := record{exercise: exercise, team: team, spread: map[string]string{}, memory: map[string]int64{}, cpus: map[string]float64{}}
	var mem int64
	var cpus float64
	for _, s := range specs {
		mem += s.Memory
		cpus += s.CPUs
	}
	if s := r.best(mem); s != nil {
		s.used += mem
		s.usedCP += cpus
		s.teams++
		rec.node = s.id
		rec.memory[s.id], rec.cpus[s.id] = mem, cpus
		return rec, nil
	}
	big := slices.Clone(specs)
	slices.SortStableFunc(big, func(a, b orchestrator.ContainerSpec) int { return cmp.Compare(b.Memory, a.Memory) })
	held := map[string]int64{}
	for _, spec := range big {
		s := slices.MaxFunc(r.slots, func(a, b *slot) int { return cmp.Compare(a.free(), b.free()) })
		if s.free() < spec.Memory {
			k := orchestrator.KeyOf(spec.Labels)
			return record{}, fmt.Errorf("team %q does not fit in the swarm: its %s %q declares %s of memory, and the node with the most room, %s, has %s left; add nodes, or give the hosts less memory",
				team, k.Role, k.Name, byteSize(spec.Memory), s.name, byteSize(s.free()))
		}
		s.used += spec.Memory
		s.usedCP += spec.CPUs
		k := orchestrator.KeyOf(spec.Labels)
		rec.spread[string(k.Role)+"."+k.Name] = s.id
		rec.memory[s.id] += spec.Memory
		rec.cpus[s.id] += spec.CPUs
		held[s.id] += spec.Memory
	}
	// The node that holds most of the team is its own; the others hold
	// the containers spread names.
	for id, m := range held {
		if rec.node == "" || m > held[rec.node] || m == held[rec.node] && id < rec.node {
			rec.node = id
		}
	}
	for k, id := range rec.spread {
		if id == rec.node {
			delete(rec.spread, k)
		}
	}
	for _, s := range r.slots {
		if s.id == rec.node {
			s.teams++
		}
	}
	return rec, nil
}
