package scenarios

import (
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// validate checks what no single block can: names, references between
// blocks, the timeline, and addressing. Then it evaluates the scenario for
// two sample teams, so every per-team expression is checked too.
func validate(sc *Scenario) hcl.Diagnostics {
	var diags hcl.Diagnostics
	networks := index(sc.Networks, func(n *Network) (string, hcl.Range) { return n.Name, n.DeclRange }, "network", &diags)
	hosts := index(sc.Hosts, func(h *Host) (string, hcl.Range) { return h.Name, h.DeclRange }, "host", &diags)
	attackers := index(sc.Attackers, func(a *Attacker) (string, hcl.Range) { return a.Name, a.DeclRange }, "attacker", &diags)
	attacks := index(sc.Attacks, func(a *Attack) (string, hcl.Range) { return a.Name, a.DeclRange }, "attack", &diags)
	index(sc.Injects, func(i *Inject) (string, hcl.Range) { return i.Name, i.DeclRange }, "inject", &diags)
	index(sc.Challenges, func(c *Challenge) (string, hcl.Range) { return c.Name, c.DeclRange }, "challenge", &diags)

	// Hosts and attackers become containers side by side on the same
	// networks, so they share one namespace, with the scorebot.
	for _, a := range sc.Attackers {
		if h, ok := hosts[a.Name]; ok {
			diags = append(diags, errorAt(a.DeclRange, "Name taken by a host",
				fmt.Sprintf("Attacker %q has the name of the host at %s; hosts and attackers share one set of names. Rename one.", a.Name, where(h.DeclRange))))
		}
	}
	for _, h := range sc.Hosts {
		if h.Name == "scorebot" {
			diags = append(diags, errorAt(h.DeclRange, "Reserved name", "\"scorebot\" names the scorebot's container. Give the host another name."))
		}
	}
	if len(sc.Networks) == 0 {
		diags = append(diags, errorAt(sc.DeclRange, "No networks",
			"A scenario needs at least one network for its hosts: network \"lan\" {}."))
	}

	diags = append(diags, resolveNetworks(networks, sc)...)
	for _, a := range sc.Attacks {
		if a.From.Name != "" {
			diags = append(diags, resolve(a.From, attackers)...)
		}
		if a.Target.Name != "" {
			diags = append(diags, resolve(a.Target, hosts)...)
		}
		if a.After != nil {
			diags = append(diags, resolve(*a.After, attacks)...)
		}
		att, hasAtt := attackers[a.From.Name]
		tgt, hasTgt := hosts[a.Target.Name]
		if hasAtt && hasTgt && !shareNetwork(att.Networks, tgt.Networks) {
			diags = append(diags, errorAt(a.Target.Range, "Target out of reach",
				fmt.Sprintf("Attacker %q and host %q share no network, so the attack cannot reach its target. Add one of the host's networks (%s) to the attacker's networks.",
					att.Name, tgt.Name, refNames(tgt.Networks))))
		}
	}
	diags = append(diags, checkScorebotReach(sc)...)
	diags = append(diags, checkTimeline(sc, attacks)...)
	diags = append(diags, checkStaticSubnets(sc)...)
	diags = append(diags, checkBuilds(sc)...)

	for _, h := range sc.Hosts {
		checked := false
		for _, s := range h.Services {
			checked = checked || s.hasCheckBlock
		}
		if !checked {
			diags = append(diags, warningAt(h.DeclRange, "Host without checked service",
				fmt.Sprintf("No service of host %q is checked, so keeping it up earns no availability points. Add a service with a check, such as service \"ssh\" { port = 22 check \"tcp\" {} }.", h.Name)))
		}
	}

	if diags.HasErrors() {
		// Evaluation would only repeat the same mistakes in other words.
		return diags
	}
	return append(diags, checkEvaluation(sc)...)
}

// index maps names to blocks and reports duplicates.
func index[T any](items []T, key func(T) (string, hcl.Range), kind string, diags *hcl.Diagnostics) map[string]T {
	m := make(map[string]T, len(items))
	first := map[string]hcl.Range{}
	for _, it := range items {
		name, rng := key(it)
		if prev, dup := first[name]; dup {
			*diags = append(*diags, errorAt(rng, fmt.Sprintf("Duplicate %s", kind),
				fmt.Sprintf("A %s %q is already declared at %s. Give each %s its own name.", kind, name, where(prev), kind)))
			continue
		}
		first[name] = rng
		m[name] = it
	}
	return m
}

func resolve[T any](r Ref, declared map[string]T) hcl.Diagnostics {
	if _, ok := declared[r.Name]; ok {
		return nil
	}
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	sort.Strings(names)
	detail := fmt.Sprintf("No %s named %q is declared.", r.Kind, r.Name)
	if s := suggest(r.Name, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %s.%s?", r.Kind, s)
	} else if len(names) > 0 {
		detail += fmt.Sprintf(" Declared: %s.", strings.Join(names, ", "))
	} else {
		detail += fmt.Sprintf(" Declare it with a %s \"%s\" { ... } block.", r.Kind, r.Name)
	}
	return hcl.Diagnostics{errorAt(r.Range, fmt.Sprintf("Reference to undeclared %s", r.Kind), detail)}
}

func resolveNetworks(networks map[string]*Network, sc *Scenario) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(owner string, refs []Ref) {
		seen := map[string]bool{}
		for _, r := range refs {
			diags = append(diags, resolve(r, networks)...)
			if seen[r.Name] {
				diags = append(diags, errorAt(r.Range, "Network listed twice",
					fmt.Sprintf("%s lists network.%s more than once; a container joins a network once.", owner, r.Name)))
			}
			seen[r.Name] = true
		}
	}
	for _, h := range sc.Hosts {
		check(fmt.Sprintf("Host %q", h.Name), h.Networks)
	}
	for _, a := range sc.Attackers {
		check(fmt.Sprintf("Attacker %q", a.Name), a.Networks)
	}
	check("The scorebot", sc.Scorebot.Networks)
	return diags
}

func shareNetwork(a, b []Ref) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Name == y.Name {
				return true
			}
		}
	}
	return false
}

func refNames(refs []Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.String()
	}
	return strings.Join(names, ", ")
}

func checkScorebotReach(sc *Scenario) hcl.Diagnostics {
	if len(sc.Scorebot.Networks) == 0 {
		return nil // the scorebot joins every network
	}
	var diags hcl.Diagnostics
	for _, h := range sc.Hosts {
		if shareNetwork(sc.Scorebot.Networks, h.Networks) {
			continue
		}
		for _, s := range h.Services {
			if s.Check != nil {
				diags = append(diags, errorAt(s.Check.DeclRange, "Check out of the scorebot's reach",
					fmt.Sprintf("Host %q is on %s, and the scorebot only on %s, so this check would always fail. Add one of the host's networks to the scorebot block, or remove the check.",
						h.Name, refNames(h.Networks), refNames(sc.Scorebot.Networks))))
			}
		}
	}
	return diags
}

func checkTimeline(sc *Scenario, attacks map[string]*Attack) hcl.Diagnostics {
	var diags hcl.Diagnostics
	beyond := func(rng hcl.Range, what string, at time.Duration) {
		diags = append(diags, errorAt(rng, "Beyond the scenario's end",
			fmt.Sprintf("%s is at %s, after the scenario ends at %s. Move it earlier or make the scenario's duration longer.", what, Human(at), Human(sc.Duration))))
	}
	for _, a := range sc.Attacks {
		if a.After != nil && (a.At > 0 || a.AtExpr != nil) {
			continue // "Both at and after" says what to fix
		}
		if perTeamChain(a, attacks) {
			continue // checked for each team when it is planned
		}
		if at, ok := earliestStart(a, attacks); ok && sc.Duration > 0 && at > sc.Duration {
			what := fmt.Sprintf("Attack %q", a.Name)
			if a.After != nil {
				what += " at the earliest, after the attacks it waits on,"
			}
			beyond(a.DeclRange, what, at)
		}
	}
	for _, in := range sc.Injects {
		if sc.Duration > 0 && in.AtExpr == nil && in.At > sc.Duration {
			beyond(in.DeclRange, fmt.Sprintf("Inject %q", in.Name), in.At)
		}
	}

	// An attack that waits on itself, directly or through others, never runs.
	state := map[string]int{} // 0 unvisited, 1 on the path, 2 done
	var visit func(a *Attack, path []string) bool
	visit = func(a *Attack, path []string) bool {
		switch state[a.Name] {
		case 1:
			cycle := append(path[indexOf(path, a.Name):], a.Name)
			diags = append(diags, errorAt(a.After.Range, "Cycle in after chain",
				fmt.Sprintf("These attacks wait on each other and would never run: %s. Give one of them an at time instead of after.", strings.Join(cycle, " → "))))
			return true
		case 2:
			return false
		}
		state[a.Name] = 1
		found := false
		if a.After != nil {
			if parent, ok := attacks[a.After.Name]; ok {
				found = visit(parent, append(path, a.Name))
			}
		}
		state[a.Name] = 2
		return found
	}
	for _, a := range sc.Attacks {
		if state[a.Name] == 0 {
			visit(a, nil)
		}
	}
	return diags
}

// earliestStart is the soonest an attack can start: its at, or the start of
// the attack it waits on plus its delay. It is false for a chain that loops
// or names an undeclared attack, which are reported on their own.
func earliestStart(a *Attack, attacks map[string]*Attack) (time.Duration, bool) {
	var at time.Duration
	for range len(attacks) + 1 {
		if a.After == nil {
			return at + a.At, true
		}
		at += a.Delay
		parent, ok := attacks[a.After.Name]
		if !ok {
			return 0, false
		}
		a = parent
	}
	return 0, false
}

func indexOf(path []string, name string) int {
	for i, p := range path {
		if p == name {
			return i
		}
	}
	return 0
}

// checkStaticSubnets checks the subnets written as constants: each must be
// usable, and no two may overlap. Subnets that use team.index are checked
// per team when planning.
func checkStaticSubnets(sc *Scenario) hcl.Diagnostics {
	var diags hcl.Diagnostics
	type placed struct {
		name   string
		prefix netip.Prefix
		rng    hcl.Range
	}
	var seen []placed
	for _, n := range sc.Networks {
		if n.Subnet == nil || len(n.Subnet.Variables()) > 0 {
			continue
		}
		p, d := evalSubnet(n, staticContext(sc.fsys, sc.evalBudget()))
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		for _, s := range seen {
			if s.prefix.Overlaps(p) {
				diags = append(diags, errorAt(n.Subnet.Range(), "Overlapping subnets",
					fmt.Sprintf("%s overlaps %s of network %q (%s). Give each network its own range.", p, s.prefix, s.name, s.rng)))
			}
		}
		seen = append(seen, placed{n.Name, p, n.Subnet.Range()})
	}
	return diags
}

// checkEvaluation evaluates the scenario for two sample teams. The first
// team's diagnostics cover every per-team expression; the second team only
// shows what differs between teams, such as a fixed subnet that every team
// would share.
func checkEvaluation(sc *Scenario) hcl.Diagnostics {
	_, diags := Plan(sc, SampleExercise(2))
	for _, d := range diags {
		// A fixed subnet is fine for a drill of one team; an exercise with
		// more teams reports it as an error when it is planned.
		if d.Summary == summarySharedSubnet {
			d.Severity = hcl.DiagWarning
			d.Detail += " As it is, the scenario can run with one team only."
		}
	}
	return diags
}

// checkBuilds checks that every build context is a folder of the scenario
// holding its Dockerfile, so that a mistake shows when the scenario is
// validated, not when it is deployed. Paths that leave their folder were
// reported when decoded.
func checkBuilds(sc *Scenario) hcl.Diagnostics {
	if sc.fsys == nil {
		return nil
	}
	var diags hcl.Diagnostics
	check := func(kind, name string, b *Build) {
		if b == nil || b.Context == "" {
			return
		}
		if _, err := cleanRelative(b.Context); err != nil {
			return
		}
		info, err := fs.Stat(sc.fsys, b.Context)
		switch {
		case err != nil:
			diags = append(diags, errorAt(b.ContextRange, "Build context not found",
				fmt.Sprintf("The %s %q is built from %q, which is not a folder in the scenario's folder (%v). Create it with a Dockerfile in it, or correct the path.",
					kind, name, b.Context, unwrapPathError(err))))
			return
		case !info.IsDir():
			diags = append(diags, errorAt(b.ContextRange, "Build context not a folder",
				fmt.Sprintf("%q is a file; the build context is the folder holding the Dockerfile and what it copies, such as \"images/%s\".", b.Context, name)))
			return
		}
		if _, err := cleanRelative(b.Dockerfile); err != nil {
			return
		}
		info, err = fs.Stat(sc.fsys, path.Join(b.Context, b.Dockerfile))
		if err != nil || !info.Mode().IsRegular() {
			diags = append(diags, errorAt(b.DockerfileRange, "Dockerfile not found",
				fmt.Sprintf("The build context %q holds no file %q. Add it, or name the Dockerfile with dockerfile = \"...\", relative to the context.", b.Context, b.Dockerfile)))
		}
	}
	for _, h := range sc.Hosts {
		check("host", h.Name, h.Build)
	}
	for _, a := range sc.Attackers {
		check("attacker", a.Name, a.Build)
	}
	return diags
}
