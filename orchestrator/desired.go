package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cordillera-range/cordillera/scenarios"
)

// DefaultScorebotImage is the image of every team's scorebot unless
// [Options] name another.
const DefaultScorebotImage = "cordillera/scorebot:1"

// Options tune how plans become specs.
type Options struct {
	// ScorebotImage is the image every team's scorebot runs; empty means
	// DefaultScorebotImage.
	ScorebotImage string
}

// Desired is everything an exercise should have running: every team's
// networks and containers, labelled with their owner and a hash of their
// spec.
type Desired struct {
	Exercise   string
	Networks   []NetworkSpec
	Containers []ContainerSpec
	// Builds are the images that hosts and attackers with a build block
	// run, each once however many teams run it, to be built before the
	// containers are created (see [Build]).
	Builds []BuildSpec
}

// BuildOf returns how the image is built, when it is one of Builds.
func (d *Desired) BuildOf(image string) (BuildSpec, bool) {
	for _, b := range d.Builds {
		if b.Tag == image {
			return b, true
		}
	}
	return BuildSpec{}, false
}

// Teams are the teams that have containers, in the order of their first.
func (d *Desired) Teams() []string {
	var teams []string
	for _, c := range d.Containers {
		if t := KeyOf(c.Labels).Team; !slices.Contains(teams, t) {
			teams = append(teams, t)
		}
	}
	return teams
}

// Container returns the spec of the container with the key.
func (d *Desired) Container(k Key) (ContainerSpec, bool) {
	for _, c := range d.Containers {
		if KeyOf(c.Labels) == k {
			return c, true
		}
	}
	return ContainerSpec{}, false
}

// NewDesired works out the specs of the exercise's teams from their plans,
// which must all be of one exercise. It reports every problem it finds, each
// once: most come from the scenario, so they are the same for every team.
func NewDesired(plans []*scenarios.TeamPlan, opts Options) (*Desired, error) {
	if len(plans) == 0 {
		return nil, errors.New("no team plans: an exercise needs at least one team")
	}
	if plans[0] == nil || plans[0].Exercise == "" {
		return nil, errors.New("the team plans name no exercise")
	}
	scorebotImage := opts.ScorebotImage
	if scorebotImage == "" {
		scorebotImage = DefaultScorebotImage
	}
	b := &builder{d: &Desired{Exercise: plans[0].Exercise}, seen: map[string]bool{}, built: map[Key]string{}}
	teams := map[string]bool{}
	for i, p := range plans {
		switch {
		case p == nil:
			b.fail("team plan %d is missing", i+1)
			continue
		case p.Exercise != b.d.Exercise:
			b.fail("team %q is in exercise %q, not %q: deploy one exercise at a time", p.Team.ID, p.Exercise, b.d.Exercise)
			continue
		case p.Team.ID == "":
			b.fail("team plan %d has no team id", i+1)
			continue
		case teams[p.Team.ID]:
			b.fail("team %q is planned twice", p.Team.ID)
			continue
		}
		teams[p.Team.ID] = true
		b.team(p, scorebotImage)
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	return b.d, nil
}

type builder struct {
	d    *Desired
	errs []error
	seen map[string]bool
	// built maps a host or attacker (with no team) to the tag of the image
	// it is built as, or "" when its build cannot be prepared.
	built map[Key]string
}

// fail records a problem unless the same was already said.
func (b *builder) fail(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	if !b.seen[err.Error()] {
		b.seen[err.Error()] = true
		b.errs = append(b.errs, err)
	}
}

// team adds the specs of a team's networks and containers: its hosts, its
// attackers and its scorebot.
func (b *builder) team(p *scenarios.TeamPlan, scorebotImage string) {
	ex, team := b.d.Exercise, p.Team.ID
	c := &teamContainers{b: b, team: team, networks: b.teamNetworks(p), names: map[string]Key{}}
	for _, h := range p.Hosts {
		image, ok := b.image(p.Scenario, RoleHost, h.Name, h.Image, h.Build)
		if !ok {
			continue
		}
		hostname := h.Hostname
		if hostname == "" {
			hostname = h.Name
		}
		c.add(ContainerSpec{
			Name:     objectName(ex, team, h.Name),
			Hostname: hostname,
			Image:    image,
			Labels:   labels(ex, team, RoleHost, h.Name),
			Env:      copyEnv(h.Env),
			Command:  slices.Clone(h.Command),
			Memory:   orDefault(h.Memory, scenarios.DefaultMemory),
			CPUs:     orDefault(h.CPUs, scenarios.DefaultCPUs),
			Pids:     orDefault(h.Pids, scenarios.DefaultPids),
			CapAdd:   sortedCopy(h.Capabilities),
		}, h.Networks)
	}
	for _, a := range p.Attackers {
		image, ok := b.image(p.Scenario, RoleAttacker, a.Name, a.Image, a.Build)
		if !ok {
			continue
		}
		c.add(ContainerSpec{
			Name:     objectName(ex, team, a.Name),
			Hostname: a.Name,
			Image:    image,
			Labels:   labels(ex, team, RoleAttacker, a.Name),
			Env:      copyEnv(a.Env),
			Memory:   scenarios.DefaultMemory,
			CPUs:     scenarios.DefaultCPUs,
			Pids:     scenarios.DefaultPids,
			CapAdd:   sortedCopy(a.Capabilities),
		}, a.Networks)
	}
	c.add(ContainerSpec{
		Name:     objectName(ex, team, string(RoleScorebot)),
		Hostname: string(RoleScorebot),
		Image:    scorebotImage,
		Labels:   labels(ex, team, RoleScorebot, string(RoleScorebot)),
		Memory:   scenarios.DefaultMemory,
		CPUs:     scenarios.DefaultCPUs,
		Pids:     scenarios.DefaultPids,
	}, p.Scorebot.Networks)
}

// teamNetworks adds the specs of a team's networks, and returns them by
// their name in the scenario.
func (b *builder) teamNetworks(p *scenarios.TeamPlan) map[string]NetworkSpec {
	ex, team := b.d.Exercise, p.Team.ID
	networks := map[string]NetworkSpec{}
	for _, n := range p.Networks {
		if _, dup := networks[n.Name]; dup {
			b.fail("team %q network %q is planned twice", team, n.Name)
			continue
		}
		if !n.Subnet.IsValid() || !n.Subnet.Addr().Is4() || n.Subnet != n.Subnet.Masked() || !n.Subnet.Contains(n.Gateway) {
			b.fail("team %q network %q: subnet %s with gateway %s is not an IPv4 range holding its gateway", team, n.Name, n.Subnet, n.Gateway)
			continue
		}
		spec := NetworkSpec{
			Name:     objectName(ex, team, n.Name),
			Labels:   labels(ex, team, RoleNetwork, n.Name),
			Subnet:   n.Subnet,
			Gateway:  n.Gateway,
			Internet: n.Internet,
		}
		spec.Labels[LabelConfigHash] = configHash(spec)
		// After the hash: a range made before pools were labelled is
		// not recreated for the label, nor for a pool that holds it
		// where it is.
		if p.AddressPool.IsValid() {
			spec.Labels[LabelPool] = p.AddressPool.String()
		}
		networks[n.Name] = spec
		b.d.Networks = append(b.d.Networks, spec)
	}
	return networks
}

// teamContainers adds the containers of one team.
type teamContainers struct {
	b        *builder
	team     string
	networks map[string]NetworkSpec
	// names maps the container names taken so far to what took them.
	names map[string]Key
}

// add attaches a container to the team's networks and adds its spec,
// unless its name is taken or its attachments or capabilities are wrong.
func (c *teamContainers) add(spec ContainerSpec, atts []scenarios.Attachment) {
	b, team := c.b, c.team
	k := KeyOf(spec.Labels)
	if prev, taken := c.names[spec.Name]; taken {
		b.fail("team %q: %s %q and %s %q would both be the container %q: rename one", team, prev.Role, prev.Name, k.Role, k.Name, spec.Name)
		return
	}
	c.names[spec.Name] = k
	if len(atts) == 0 {
		b.fail("team %q %s %q is on no network", team, k.Role, k.Name)
		return
	}
	var netHashes []string
	for _, a := range atts {
		n, ok := c.networks[a.Network]
		if !ok {
			b.fail("team %q %s %q: network %q is not one of the team's", team, k.Role, k.Name, a.Network)
			return
		}
		if !n.Subnet.Contains(a.Address) || a.Address == n.Gateway {
			b.fail("team %q %s %q: address %s is not a host address of network %q (%s)", team, k.Role, k.Name, a.Address, a.Network, n.Subnet)
			return
		}
		spec.Networks = append(spec.Networks, Attachment{Network: n.Name, Address: a.Address, Aliases: unique(k.Name, spec.Hostname)})
		netHashes = append(netHashes, n.Labels[LabelConfigHash])
	}
	// Plans come from the scenario decoder, which refuses the same
	// names; this catches a plan made or changed by any other path.
	if err := CheckCapabilities(spec.CapAdd); err != nil {
		b.fail("%s %q: %w", k.Role, k.Name, err)
		return
	}
	// A container's hash covers its networks' too: when a network is
	// recreated, the containers on it must be as well.
	spec.Labels[LabelConfigHash] = configHash(struct {
		Spec     ContainerSpec
		Networks []string
	}{spec, netHashes})
	b.d.Containers = append(b.d.Containers, spec)
}

// image is the image a host or attacker runs: the one it names, or the one
// its build block makes, prepared once for every team. Images are never
// pulled.
func (b *builder) image(scenario string, role Role, name, image string, build *scenarios.Build) (string, bool) {
	switch {
	case image != "":
		return image, true
	case build == nil:
		b.fail("%s %q names no image", role, name)
		return "", false
	}
	k := Key{Role: role, Name: name}
	if tag, done := b.built[k]; done {
		return tag, tag != ""
	}
	spec, err := prepareBuild(scenario, role, name, build)
	if err != nil {
		b.built[k] = ""
		b.fail("%s %q: %w", role, name, err)
		return "", false
	}
	b.built[k] = spec.Tag
	if _, dup := b.d.BuildOf(spec.Tag); !dup {
		b.d.Builds = append(b.d.Builds, spec)
	}
	return spec.Tag, true
}

func labels(exercise, team string, role Role, name string) map[string]string {
	return map[string]string{
		LabelExercise: exercise,
		LabelTeam:     team,
		LabelRole:     string(role),
		LabelName:     name,
	}
}

// configHash is a short hash of a spec, labelled on what is created from
// it, so that a later plan can tell whether it changed.
func configHash(v any) string {
	// Specs are plain data, which always encodes; maps encode sorted.
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func orDefault[T int64 | float64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func copyEnv(env map[string]string) map[string]string {
	if len(env) == 0 {
		return nil
	}
	return maps.Clone(env)
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func unique(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
