package docker

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"golang.org/x/sync/errgroup"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// Where a team is placed is a swarm config of its own, whose labels say
// it: the config lives in the swarm's replicated store, so it outlives
// Cordillera's processes and the nodes themselves, and every process that
// speaks to the swarm reads the same. Only a config's labels can change.
const (
	rolePlacement = "placement"
	// labelNode is the node a team's containers go on, by node ID.
	labelNode = "cordillera.node"
	// labelNodeOf + "<role>.<name>" is the node of one container of a team
	// spread over several nodes.
	labelNodeOf = "cordillera.node."
	// labelMemory + "<node ID>" and labelCPUs + "<node ID>" are what the
	// team's containers on that node declare.
	labelMemory = "cordillera.memory."
	labelCPUs   = "cordillera.cpus."
)

// record is where a team is placed.
type record struct {
	id       string
	version  swarm.Version
	exercise string
	team     string
	// node is the node of the team's containers, by ID; spread gives the
	// node of those that are elsewhere, by "<role>.<name>".
	node   string
	spread map[string]string
	// memory and cpus are what the team's containers declare, by node ID.
	memory map[string]int64
	cpus   map[string]float64
}

// nodes are the IDs of the nodes the team is on.
func (r record) nodes() []string {
	out := []string{r.node}
	for _, n := range r.spread {
		out = append(out, n)
	}
	out = append(out, slices.Collect(maps.Keys(r.memory))...)
	slices.Sort(out)
	return slices.Compact(out)
}

// nodeOf is the node of the container with the key.
func (r record) nodeOf(k orchestrator.Key) string {
	if n, ok := r.spread[string(k.Role)+"."+k.Name]; ok {
		return n
	}
	return r.node
}

func (r record) labels() map[string]string {
	l := map[string]string{
		orchestrator.LabelExercise: r.exercise,
		orchestrator.LabelTeam:     r.team,
		orchestrator.LabelRole:     rolePlacement,
		labelNode:                  r.node,
	}
	for k, n := range r.spread {
		l[labelNodeOf+k] = n
	}
	for n, m := range r.memory {
		l[labelMemory+n] = strconv.FormatInt(m, 10)
	}
	for n, v := range r.cpus {
		l[labelCPUs+n] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return l
}

func recordOf(cfg swarm.Config) record {
	l := cfg.Spec.Labels
	r := record{
		id: cfg.ID, version: cfg.Version,
		exercise: l[orchestrator.LabelExercise], team: l[orchestrator.LabelTeam], node: l[labelNode],
		spread: map[string]string{}, memory: map[string]int64{}, cpus: map[string]float64{},
	}
	for k, v := range l {
		switch {
		case strings.HasPrefix(k, labelNodeOf):
			r.spread[strings.TrimPrefix(k, labelNodeOf)] = v
		case strings.HasPrefix(k, labelMemory):
			r.memory[strings.TrimPrefix(k, labelMemory)], _ = strconv.ParseInt(v, 10, 64)
		case strings.HasPrefix(k, labelCPUs):
			r.cpus[strings.TrimPrefix(k, labelCPUs)], _ = strconv.ParseFloat(v, 64)
		}
	}
	return r
}

// recordName is the config's name: unique per team, whatever its
// characters.
func recordName(exercise, team string) string {
	sum := sha256.Sum256([]byte(exercise + "\x00" + team))
	return "cordillera-place-" + hex.EncodeToString(sum[:12])
}

// records lists where the teams of the exercise are placed; every
// exercise's when it is "".
func (c *Cluster) records(ctx context.Context, exercise string) ([]record, error) {
	args := filters.NewArgs(filters.Arg("label", orchestrator.LabelRole+"="+rolePlacement))
	if exercise != "" {
		args.Add("label", orchestrator.LabelExercise+"="+exercise)
	}
	list, err := c.manager.cli.ConfigList(ctx, swarm.ConfigListOptions{Filters: args})
	if err != nil {
		return nil, fmt.Errorf("read where the teams are placed: %w", c.manager.check(err))
	}
	out := make([]record, 0, len(list))
	for _, cfg := range list {
		out = append(out, recordOf(cfg))
	}
	return out, nil
}

func (c *Cluster) record(ctx context.Context, exercise, team string) (record, bool, error) {
	recs, err := c.records(ctx, exercise)
	if err != nil {
		return record{}, false, err
	}
	for _, r := range recs {
		if r.team == team {
			return r, true, nil
		}
	}
	return record{}, false, nil
}

// save writes the record: a new config, or new labels on the one there.
func (c *Cluster) save(ctx context.Context, r record) error {
	spec := swarm.ConfigSpec{
		Annotations: swarm.Annotations{Name: recordName(r.exercise, r.team), Labels: r.labels()},
		Data:        []byte(r.exercise + "/" + r.team),
	}
	var err error
	if r.id == "" {
		_, err = c.manager.cli.ConfigCreate(ctx, spec)
	} else {
		err = c.manager.cli.ConfigUpdate(ctx, r.id, r.version, spec)
	}
	if err != nil {
		return fmt.Errorf("record where team %q is placed: %w", r.team, c.manager.check(err))
	}
	return nil
}

func (c *Cluster) forget(ctx context.Context, r record) error {
	if err := c.manager.cli.ConfigRemove(ctx, r.id); err != nil && !notFound(err) {
		return fmt.Errorf("forget where team %q was placed: %w", r.team, c.manager.check(err))
	}
	return nil
}

// Place places every team of the containers that is on no node yet, then
// copies to each node the images its containers lack.
func (c *Cluster) Place(ctx context.Context, specs []orchestrator.ContainerSpec) error {
	c.placing.Lock()
	defer c.placing.Unlock()
	nodes, err := c.nodes(ctx)
	if err != nil {
		return err
	}
	recs, err := c.records(ctx, "")
	if err != nil {
		return err
	}
	d := demandOf(specs)
	byID := map[string]node{}
	for _, n := range nodes {
		byID[n.id] = n
	}
	placed, kept, err := c.keepPlacements(ctx, recs, d, byID)
	if err != nil {
		return err
	}
	room := newRoom(nodes, kept, c.self)
	// The biggest teams first, so that they find room whole.
	slices.SortStableFunc(d.order, func(a, b teamKey) int { return cmp.Compare(total(d.specs[b]), total(d.specs[a])) })
	if err := c.placeTeams(ctx, room, d, placed, byID); err != nil {
		return err
	}
	return c.copyImages(ctx, d, placed, byID)
}

// teamKey is a team of an exercise.
type teamKey struct{ exercise, team string }

// demand is the containers a Place is for, by team, and their teams in the
// order they come.
type demand struct {
	order []teamKey
	specs map[teamKey][]orchestrator.ContainerSpec
}

func demandOf(specs []orchestrator.ContainerSpec) demand {
	d := demand{specs: map[teamKey][]orchestrator.ContainerSpec{}}
	for _, s := range specs {
		k := teamKey{s.Labels[orchestrator.LabelExercise], s.Labels[orchestrator.LabelTeam]}
		if _, ok := d.specs[k]; !ok {
			d.order = append(d.order, k)
		}
		d.specs[k] = append(d.specs[k], s)
	}
	return d
}

// keepPlacements forgets where a team of the demand was placed when a node
// of it has left the swarm. It returns where the other teams of the demand
// are placed, and every placement kept.
func (c *Cluster) keepPlacements(ctx context.Context, recs []record, d demand, byID map[string]node) (map[teamKey]record, []record, error) {
	placed := map[teamKey]record{}
	var kept []record
	for _, r := range recs {
		gone := slices.ContainsFunc(r.nodes(), func(id string) bool { _, ok := byID[id]; return !ok })
		k := teamKey{r.exercise, r.team}
		if _, wanted := d.specs[k]; wanted && gone {
			// A node of the team has left the swarm: its containers and
			// their addresses went with it, so the team is placed anew.
			if err := c.forget(ctx, r); err != nil {
				return nil, nil, err
			}
			continue
		}
		kept = append(kept, r)
		if _, wanted := d.specs[k]; wanted {
			placed[k] = r
		}
	}
	return placed, kept, nil
}

// placeTeams places, in the demand's order, each of its teams not placed
// yet, and records where.
func (c *Cluster) placeTeams(ctx context.Context, room *room, d demand, placed map[teamKey]record, byID map[string]node) error {
	for _, k := range d.order {
		if _, ok := placed[k]; ok {
			continue
		}
		r, err := room.place(k.exercise, k.team, d.specs[k])
		if err != nil {
			return err
		}
		if err := c.save(ctx, r); err != nil {
			return err
		}
		placed[k] = r
		where := make([]string, 0, len(r.nodes()))
		for _, id := range r.nodes() {
			where = append(where, byID[id].name)
		}
		c.log("placed team %s on node %s", k.team, strings.Join(where, ", "))
	}
	return nil
}

// copyImages makes sure every node that answers has every image its
// containers need, several nodes at once.
func (c *Cluster) copyImages(ctx context.Context, d demand, placed map[teamKey]record, byID map[string]node) error {
	type need struct{ node, image string }
	var needs []need
	for _, k := range d.order {
		for _, s := range d.specs[k] {
			n := need{placed[k].nodeOf(orchestrator.KeyOf(s.Labels)), s.Image}
			if !slices.Contains(needs, n) {
				needs = append(needs, n)
			}
		}
	}
	var g errgroup.Group
	g.SetLimit(4)
	for _, n := range needs {
		nd, ok := byID[n.node]
		if !ok || !nd.reachable(c.self) {
			continue // creating the container says the node is down
		}
		g.Go(func() error {
			r, err := c.engine(ctx, nd)
			if err != nil {
				return nil
			}
			return c.ensureImage(ctx, nd, r, n.image)
		})
	}
	return g.Wait()
}

func total(specs []orchestrator.ContainerSpec) int64 {
	var m int64
	for _, s := range specs {
		m += s.Memory
	}
	return m
}

// nodeOf is the node the container goes on, placing its team when it is
// on none.
func (c *Cluster) nodeOf(ctx context.Context, spec orchestrator.ContainerSpec) (node, error) {
	ex, team := spec.Labels[orchestrator.LabelExercise], spec.Labels[orchestrator.LabelTeam]
	if ex == "" || team == "" {
		return node{}, fmt.Errorf("container %q has no exercise and team labels: the cluster places teams", spec.Name)
	}
	for range 2 {
		r, ok, err := c.record(ctx, ex, team)
		if err != nil {
			return node{}, err
		}
		if ok {
			n, err := c.nodeByID(ctx, r.nodeOf(orchestrator.KeyOf(spec.Labels)))
			if err == nil {
				if !n.ready() {
					return node{}, &orchestrator.NodeDownError{Nodes: []string{n.name}, Teams: []string{ex + "/" + team}}
				}
				return n, nil
			}
			if !errors.Is(err, orchestrator.ErrNotFound) {
				return node{}, err
			}
		}
		if err := c.Place(ctx, []orchestrator.ContainerSpec{spec}); err != nil {
			return node{}, err
		}
	}
	return node{}, fmt.Errorf("team %q of exercise %q could not be placed", team, ex)
}

// Unplace forgets where the exercise's teams were placed.
func (c *Cluster) Unplace(ctx context.Context, exercise string) error {
	recs, err := c.records(ctx, exercise)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range recs {
		errs = append(errs, c.forget(ctx, r))
	}
	return errors.Join(errs...)
}

// Pin places the team on the node from now on. It refuses while a node the
// team is on is down but still in the swarm: the swarm keeps the addresses
// of that node's containers taken until the node comes back or is removed.
func (c *Cluster) Pin(ctx context.Context, exercise, team, ref string) (string, error) {
	c.placing.Lock()
	defer c.placing.Unlock()
	nodes, err := c.nodes(ctx)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(nodes, func(n node) bool { return n.name == ref || n.id == ref })
	if i < 0 {
		names := make([]string, len(nodes))
		for i, n := range nodes {
			names[i] = n.name
		}
		return "", fmt.Errorf("the swarm has no node %q; its nodes are %s", ref, strings.Join(names, ", "))
	}
	to := nodes[i]
	if ok, why := to.eligible(c.self); !ok {
		return "", fmt.Errorf("node %s cannot take teams: %s", to.name, why)
	}
	r, ok, err := c.record(ctx, exercise, team)
	if err != nil {
		return "", err
	}
	var mem int64
	var cpus float64
	if ok {
		for _, id := range r.nodes() {
			j := slices.IndexFunc(nodes, func(n node) bool { return n.id == id })
			if j >= 0 && !nodes[j].ready() && id != to.id {
				return "", fmt.Errorf("node %s, where team %q is, is %s, and the swarm keeps its containers' addresses taken until it comes back or leaves: if it is gone for good, remove it (docker node rm --force %s) and move the team again",
					nodes[j].name, team, nodes[j].state, nodes[j].name)
			}
		}
		for _, m := range r.memory {
			mem += m
		}
		for _, v := range r.cpus {
			cpus += v
		}
	} else {
		r = record{exercise: exercise, team: team}
	}
	r.node, r.spread = to.id, map[string]string{}
	r.memory, r.cpus = map[string]int64{to.id: mem}, map[string]float64{to.id: cpus}
	if err := c.save(ctx, r); err != nil {
		return "", err
	}
	c.log("pinned team %s to node %s", team, to.name)
	return to.name, nil
}

// Nodes lists the swarm's nodes with the teams placed on them.
func (c *Cluster) Nodes(ctx context.Context) ([]orchestrator.Node, error) {
	nodes, err := c.nodes(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := c.records(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]orchestrator.Node, 0, len(nodes))
	for _, n := range nodes {
		ok, why := n.eligible(c.self)
		on := orchestrator.Node{
			ID: n.id, Name: n.name, State: n.state, Availability: n.avail, Manager: n.manager,
			Engine: n.engine, Eligible: ok, Why: why, CPUs: n.cpus, Memory: n.memory, Labels: n.labels,
		}
		if n.id == c.self && on.Engine == "" {
			on.Engine = c.manager.Host()
		}
		for _, r := range recs {
			if !slices.Contains(r.nodes(), n.id) {
				continue
			}
			on.ReservedMemory += r.memory[n.id]
			on.ReservedCPUs += r.cpus[n.id]
			on.Teams = append(on.Teams, orchestrator.NodeTeam{Exercise: r.exercise, Team: r.team})
		}
		slices.SortFunc(on.Teams, func(a, b orchestrator.NodeTeam) int {
			return cmp.Or(cmp.Compare(a.Exercise, b.Exercise), cmp.Compare(a.Team, b.Team))
		})
		out = append(out, on)
	}
	return out, nil
}
