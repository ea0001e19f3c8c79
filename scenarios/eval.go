package scenarios

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Address offsets inside every subnet: the gateway first, then hosts, then
// attackers, then the scorebot, so the scorebot and the attackers reach a
// team's hosts from different addresses that the team can tell apart.
const (
	gatewayOffset  = 1
	hostOffset     = 10
	maxHostsPerNet = 90
	attackerOffset = 100
	maxAttackers   = 50
	scorebotOffset = 200
)

// SampleExercise returns an exercise of n teams, alternating between Chile
// and Colombia, for validating and previewing a scenario without an exercise
// file.
func SampleExercise(n int) *Exercise {
	ex := &Exercise{Name: "preview", Speed: 1, Seed: "preview", AddressPool: DefaultAddressPool}
	countries := []string{"CL", "CO"}
	for i := range n {
		ex.Teams = append(ex.Teams, &Team{
			ID:      fmt.Sprintf("team-%d", i+1),
			Name:    fmt.Sprintf("Team %d", i+1),
			Country: countries[i%len(countries)],
		})
	}
	return ex
}

// Plan evaluates the scenario for every team of the exercise. It reports
// every mistake an evaluation finds once, at the place it was written, and
// the subnets that two teams would share.
func Plan(sc *Scenario, ex *Exercise) ([]*TeamPlan, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	var plans []*TeamPlan
	for i := range ex.Teams {
		p, d := EvaluateTeam(sc, ex, i+1)
		for _, diag := range d {
			// Most mistakes are the same for every team; say each once.
			key := fmt.Sprintf("%s|%s|%v", diag.Summary, diag.Detail, diag.Subject)
			if v, ok := diag.Extra.(timelineValue); ok {
				// The same wrong time for many teams: said once, for
				// the first of them.
				key = fmt.Sprintf("%s|%s|%v", diag.Summary, v, diag.Subject)
			}
			if !seen[key] {
				seen[key] = true
				diags = append(diags, diag)
			}
		}
		if p != nil {
			plans = append(plans, p)
		}
	}
	if diags.HasErrors() {
		return plans, diags
	}
	return plans, append(diags, checkTeamOverlap(sc, plans)...)
}

const summarySharedSubnet = "Subnet shared by teams"

// checkTeamOverlap reports subnets that two teams would share; Docker
// refuses two networks with the same range, and teams must stay apart.
func checkTeamOverlap(sc *Scenario, plans []*TeamPlan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	reported := map[string]bool{}
	for i := range plans {
		for j := range i {
			for k, a := range plans[i].Networks {
				for _, b := range plans[j].Networks {
					if !a.Subnet.Overlaps(b.Subnet) || reported[a.Name] {
						continue
					}
					reported[a.Name] = true
					rng := sc.Networks[k].DeclRange
					if sc.Networks[k].Subnet != nil {
						rng = sc.Networks[k].Subnet.Range()
					}
					diags = append(diags, errorAt(rng, summarySharedSubnet,
						fmt.Sprintf("Network %q of team %q (%s) overlaps network %q of team %q (%s): every team needs its own range. Leave subnet out to have one assigned, or make it differ per team, such as subnet = \"10.20.${team.index}.0/24\".",
							a.Name, plans[i].Team.ID, a.Subnet, b.Name, plans[j].Team.ID, b.Subnet)))
				}
			}
		}
	}
	return diags
}

// EvaluateTeam works out the plan of the team at index (from 1) of the
// exercise.
func EvaluateTeam(sc *Scenario, ex *Exercise, index int) (*TeamPlan, hcl.Diagnostics) {
	t := ex.Teams[index-1]
	p := &TeamPlan{
		Exercise: ex.Name,
		Scenario: sc.Name,
		Team:     TeamInfo{ID: t.ID, Name: t.Name, Index: index, Country: t.Country},
		Scorebot: ScorebotPlan{Round: Duration(sc.Scorebot.Round), Jitter: Duration(sc.Scorebot.Jitter)},
	}
	key := TeamKey(ex.Seed, ex.Name, t.ID)
	teamVal := cty.ObjectVal(map[string]cty.Value{
		"id":      cty.StringVal(t.ID),
		"name":    cty.StringVal(t.Name),
		"index":   cty.NumberIntVal(int64(index)),
		"country": cty.StringVal(t.Country),
	})
	exVal := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(ex.Name)})

	// Subnets may use the team's own values, but nothing that depends on
	// addresses, which come from the subnets.
	b := sc.evalBudget()
	netCtx := staticContext(sc.fsys, b)
	netCtx.Variables = map[string]cty.Value{"team": teamVal, "exercise": exVal}
	diags := assignSubnets(sc, ex, index, netCtx, p)
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, assignAddresses(sc, p)...)
	if diags.HasErrors() {
		return nil, diags
	}

	ctx := teamContext(sc, p, teamVal, exVal, key, b)
	e := &evaluator{ctx: ctx}
	e.hosts(sc, p)
	for i, a := range sc.Attackers {
		p.Attackers[i].Env = e.stringMap(a.Env, "env")
	}
	runCtx := ctx.NewChild()
	runCtx.Variables = map[string]cty.Value{"run": cty.ObjectVal(map[string]cty.Value{
		"id":    cty.StringVal(RunIDPlaceholder),
		"nonce": cty.StringVal(RunNoncePlaceholder),
	})}
	re := &evaluator{ctx: runCtx}
	re.attacks(sc, p)
	// The timeline is planned before any attack runs: its per-team values
	// see the team's context, without run.*.
	e.attackTimes(sc, p)
	e.injects(sc, p)
	e.challenges(sc, p)

	diags = append(diags, e.diags...)
	diags = append(diags, re.diags...)
	// A time that could not be evaluated is zero, never beyond the end.
	diags = append(diags, checkTeamTimeline(sc, p)...)
	return p, dedupe(diags)
}

// hosts evaluates each host's environment, command and checks.
func (e *evaluator) hosts(sc *Scenario, p *TeamPlan) {
	for i, h := range sc.Hosts {
		hp := &p.Hosts[i]
		hp.Env = e.stringMap(h.Env, "env")
		hp.Command = e.strings(h.Command, "command")
		for _, s := range h.Services {
			sp := ServicePlan{Name: s.Name, Port: s.Port, Protocol: s.Protocol}
			if s.Check != nil {
				sp.Check = e.check(s.Check, h.Name, s, hp.Address())
			}
			hp.Services = append(hp.Services, sp)
		}
	}
}

// attacks plans each attack: where it goes, and its commands and success
// evaluated in a context whose run is a placeholder.
func (e *evaluator) attacks(sc *Scenario, p *TeamPlan) {
	for _, a := range sc.Attacks {
		ap := AttackPlan{
			Name: a.Name, Title: a.Title, Technique: a.Technique, At: Duration(a.At),
			When: a.When, Delay: Duration(a.Delay), From: a.From.Name, Target: a.Target.Name, Timeout: Duration(a.Timeout),
		}
		if a.After != nil {
			ap.After = a.After.Name
		}
		ap.TargetAddress = p.reachableAddress(a.From.Name, a.Target.Name)
		ap.Run = e.strings(a.Run, "run")
		if a.Run != nil && ap.Run != nil && len(ap.Run) == 0 {
			e.diags = append(e.diags, errorAt(a.Run.Range(), "Empty command",
				"run is the attack's command and its arguments, such as [\"nmap\", \"-sV\", host.portal.address]."))
		}
		ap.Cleanup = e.strings(a.Cleanup, "cleanup")
		if a.Success != nil {
			ap.Success = e.success(a.Success)
		}
		p.Attacks = append(p.Attacks, ap)
	}
}

// injects plans the injects sent to the team's country.
func (e *evaluator) injects(sc *Scenario, p *TeamPlan) {
	for _, in := range sc.Injects {
		if len(in.Countries) > 0 && !contains(in.Countries, p.Team.Country) {
			continue
		}
		ip := InjectPlan{Name: in.Name, At: Duration(in.At), From: in.From, Subject: in.Subject, Body: e.string(in.Body, "body")}
		if in.AtExpr != nil {
			if d, ok := e.timelineDuration(in.AtExpr, "at", fmt.Sprintf("inject %q's", in.Name), p.Team); ok {
				ip.At = Duration(d)
			}
		}
		if in.Response != nil {
			ip.Response = &ResponsePlan{Due: Duration(in.Response.Due), Points: in.Response.Points}
		}
		p.Injects = append(p.Injects, ip)
	}
}

// challenges plans each challenge, a hint without a cost of its own costing
// the scenario's hint penalty.
func (e *evaluator) challenges(sc *Scenario, p *TeamPlan) {
	for _, c := range sc.Challenges {
		cp := ChallengePlan{Name: c.Name, Points: c.Points, Match: c.Match,
			Question: e.string(c.Question, "question"), Answers: e.answers(c.Answer, c.Match)}
		for _, h := range c.Hints {
			cost := h.Cost
			if cost < 0 {
				cost = sc.Scoring.Penalties.Hint
			}
			cp.Hints = append(cp.Hints, HintPlan{Text: h.Text, Cost: cost})
		}
		p.Challenges = append(p.Challenges, cp)
	}
}

// evalBudget is the budget an evaluation of the scenario spends: while it
// is loaded, the loading's, which its validation shares; after, a new one
// for each team's plan.
func (sc *Scenario) evalBudget() *budget {
	if sc.budget != nil {
		return sc.budget
	}
	return newBudget()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *TeamPlan) host(name string) *HostPlan {
	for i := range p.Hosts {
		if p.Hosts[i].Name == name {
			return &p.Hosts[i]
		}
	}
	return nil
}

// reachableAddress is the target host's address on the first of its
// networks that the attacker is on too: the address the attack goes to.
func (p *TeamPlan) reachableAddress(attacker, target string) netip.Addr {
	h := p.host(target)
	if h == nil {
		return netip.Addr{}
	}
	for _, a := range p.Attackers {
		if a.Name != attacker {
			continue
		}
		for _, ha := range h.Networks {
			for _, aa := range a.Networks {
				if ha.Network == aa.Network {
					return ha.Address
				}
			}
		}
	}
	return h.Address()
}

func (p *TeamPlan) network(name string) *NetworkPlan {
	for i := range p.Networks {
		if p.Networks[i].Name == name {
			return &p.Networks[i]
		}
	}
	return nil
}

func evalSubnet(n *Network, ctx *hcl.EvalContext) (netip.Prefix, hcl.Diagnostics) {
	v, diags := exprValue(n.Subnet, "subnet", ctx, cty.String, "an IPv4 range such as \"10.20.2.0/24\"")
	if diags.HasErrors() {
		return netip.Prefix{}, diags
	}
	s := v.AsString()
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		return p, hcl.Diagnostics{errorAt(n.Subnet.Range(), "Invalid subnet",
			fmt.Sprintf("%q is not an IPv4 range. Write one such as \"10.20.2.0/24\".", s))}
	case p.Masked() != p:
		return p, hcl.Diagnostics{errorAt(n.Subnet.Range(), "Invalid subnet",
			fmt.Sprintf("%q has bits set past its prefix length. Did you mean %q?", s, p.Masked()))}
	case p.Bits() > 24:
		return p, hcl.Diagnostics{errorAt(n.Subnet.Range(), "Subnet too small",
			fmt.Sprintf("%s is smaller than a /24. Use a /24 or wider, so every host, attacker and the scorebot have an address.", p))}
	case p.Bits() < 8:
		return p, hcl.Diagnostics{errorAt(n.Subnet.Range(), "Subnet too large",
			fmt.Sprintf("%s is wider than a /8. Use a range such as \"10.20.2.0/24\".", p))}
	}
	return p, nil
}

// assignSubnets gives each network its subnet: the one the scenario writes,
// or the next /24 of the team's share of the address pool. Each team's share
// is the same size, so team N's networks are always in the same place.
func assignSubnets(sc *Scenario, ex *Exercise, index int, ctx *hcl.EvalContext, p *TeamPlan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	pool, err := netip.ParsePrefix(ex.AddressPool)
	if err != nil {
		return hcl.Diagnostics{errorAt(ex.DeclRange, "Invalid address pool", err.Error())}
	}
	stride := TeamShare(sc)
	if stride > 0 && !ex.AddressPoolSet {
		p.AddressPool = pool
	}
	capacity := 1 << (24 - pool.Bits())
	if stride > 0 && index*stride > capacity {
		return hcl.Diagnostics{errorAt(ex.DeclRange, "Address pool too small",
			fmt.Sprintf("The address pool %s holds %d teams of this scenario (each needs %d /24 networks), and this is team %d. Set a wider address_pool in the exercise, such as \"10.128.0.0/9\".",
				pool, capacity/stride, stride, index))}
	}
	base := pool.Addr().As4()
	baseN := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	k := 0
	for _, n := range sc.Networks {
		np := NetworkPlan{Name: n.Name, Internet: n.Internet}
		if n.Subnet != nil {
			prefix, d := evalSubnet(n, ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			np.Subnet = prefix
		} else {
			block := uint32((index-1)*stride + k)
			a := baseN + block<<8
			np.Subnet = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), 0}), 24)
			k++
		}
		np.Gateway = offset(np.Subnet, gatewayOffset)
		p.Networks = append(p.Networks, np)
	}
	return diags
}

func offset(prefix netip.Prefix, n int) netip.Addr {
	a := prefix.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// assignAddresses places hosts, attackers and the scorebot on their
// networks, in the order the scenario declares them.
func assignAddresses(sc *Scenario, p *TeamPlan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	hostsOn := map[string]int{}
	attackersOn := map[string]int{}
	attach := func(refs []Ref, counter map[string]int, base, max int, what string, rng hcl.Range) []Attachment {
		var out []Attachment
		for _, r := range refs {
			n := p.network(r.Name)
			if n == nil {
				continue
			}
			i := counter[r.Name]
			counter[r.Name]++
			if i == max {
				diags = append(diags, errorAt(rng, "Network full",
					fmt.Sprintf("Network %q holds at most %d %s; split them across more networks.", r.Name, max, what)))
			}
			out = append(out, Attachment{Network: r.Name, Address: offset(n.Subnet, base+i)})
		}
		return out
	}
	for _, h := range sc.Hosts {
		memory, cpus, pids := h.Memory, h.CPUs, h.Pids
		if memory == 0 {
			memory = DefaultMemory
		}
		if cpus == 0 {
			cpus = DefaultCPUs
		}
		if pids == 0 {
			pids = DefaultPids
		}
		caps := h.Capabilities
		if caps == nil {
			caps = []string{}
		}
		p.Hosts = append(p.Hosts, HostPlan{
			Name: h.Name, Hostname: h.Hostname, Description: h.Description, Image: h.Image, Build: h.Build.inScenario(sc.fsys),
			Networks: attach(h.Networks, hostsOn, hostOffset, maxHostsPerNet, "hosts", h.DeclRange),
			Memory:   memory, CPUs: cpus, Pids: pids, Capabilities: caps, Shell: h.Shell,
		})
	}
	for _, a := range sc.Attackers {
		caps := a.Capabilities
		if caps == nil {
			caps = []string{}
		}
		p.Attackers = append(p.Attackers, AttackerPlan{
			Name: a.Name, Image: a.Image, Build: a.Build.inScenario(sc.fsys), Capabilities: caps,
			Networks: attach(a.Networks, attackersOn, attackerOffset, maxAttackers, "attackers", a.DeclRange),
		})
	}
	refs := sc.Scorebot.Networks
	if len(refs) == 0 {
		for _, n := range sc.Networks {
			refs = append(refs, Ref{Kind: "network", Name: n.Name})
		}
	}
	for _, r := range refs {
		if n := p.network(r.Name); n != nil {
			p.Scorebot.Networks = append(p.Scorebot.Networks, Attachment{Network: r.Name, Address: offset(n.Subnet, scorebotOffset)})
		}
	}
	for i, h := range p.Hosts {
		if len(h.Networks) == 0 {
			diags = append(diags, errorAt(sc.Hosts[i].DeclRange, "Host on no network",
				fmt.Sprintf("Host %q is on no network; list at least one in networks.", h.Name)))
		}
	}
	for i, a := range p.Attackers {
		if len(a.Networks) == 0 {
			diags = append(diags, errorAt(sc.Attackers[i].DeclRange, "Attacker on no network",
				fmt.Sprintf("Attacker %q is on no network; list at least one in networks.", a.Name)))
		}
	}
	return diags
}

// teamContext is the evaluation context of per-team attributes.
func teamContext(sc *Scenario, p *TeamPlan, teamVal, exVal cty.Value, key []byte, b *budget) *hcl.EvalContext {
	addrs := func(att []Attachment) (cty.Value, cty.Value) {
		m := map[string]cty.Value{}
		for _, a := range att {
			m[a.Network] = cty.StringVal(a.Address.String())
		}
		primary := cty.StringVal("")
		if len(att) > 0 {
			primary = cty.StringVal(att[0].Address.String())
		}
		return primary, cty.ObjectVal(m)
	}
	networks := map[string]cty.Value{}
	for _, n := range p.Networks {
		networks[n.Name] = cty.ObjectVal(map[string]cty.Value{
			"name":    cty.StringVal(n.Name),
			"subnet":  cty.StringVal(n.Subnet.String()),
			"gateway": cty.StringVal(n.Gateway.String()),
		})
	}
	hosts := map[string]cty.Value{}
	for _, h := range p.Hosts {
		primary, all := addrs(h.Networks)
		hosts[h.Name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(h.Name), "hostname": cty.StringVal(h.Hostname),
			"address": primary, "addresses": all,
		})
	}
	attackers := map[string]cty.Value{}
	for _, a := range p.Attackers {
		primary, all := addrs(a.Networks)
		attackers[a.Name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(a.Name), "address": primary, "addresses": all,
		})
	}
	primary, all := addrs(p.Scorebot.Networks)

	ctx := staticContext(sc.fsys, b)
	ctx.Functions["secret"] = b.guardFunction("secret", secretFunc(key))
	ctx.Functions["weak_secret"] = b.guardFunction("weak_secret", weakSecretFunc(key))
	ctx.Variables = map[string]cty.Value{
		"team":     teamVal,
		"exercise": exVal,
		"network":  cty.ObjectVal(networks),
		"host":     cty.ObjectVal(hosts),
		"attacker": cty.ObjectVal(attackers),
		"scorebot": cty.ObjectVal(map[string]cty.Value{"address": primary, "addresses": all}),
	}
	return ctx
}

// evaluator evaluates per-team expressions, collecting diagnostics so that
// one team's evaluation reports every mistake.
type evaluator struct {
	ctx   *hcl.EvalContext
	diags hcl.Diagnostics
}

func (e *evaluator) value(expr hcl.Expression, name string, want cty.Type, what string) (cty.Value, bool) {
	if expr == nil {
		return cty.NilVal, false
	}
	v, d := exprValue(expr, name, e.ctx, want, what)
	e.diags = append(e.diags, d...)
	return v, !d.HasErrors()
}

func (e *evaluator) string(expr hcl.Expression, name string) string {
	v, ok := e.value(expr, name, cty.String, "a string")
	if !ok {
		return ""
	}
	return v.AsString()
}

func (e *evaluator) strings(expr hcl.Expression, name string) []string {
	v, ok := e.value(expr, name, cty.List(cty.String), `a list of strings, such as ["nmap", "-sV", host.portal.address]`)
	if !ok {
		return nil
	}
	return ctyStrings(v)
}

func (e *evaluator) stringMap(expr hcl.Expression, name string) map[string]string {
	v, ok := e.value(expr, name, cty.Map(cty.String), `a map of strings, such as { ADMIN_PASSWORD = secret("admin") }`)
	if !ok {
		return nil
	}
	return ctyStringMap(v)
}

func (e *evaluator) int(attr *hcl.Attribute, def, min, max int) int {
	if attr == nil {
		return def
	}
	n, d := decodeInt(attr, e.ctx, int64(min), int64(max))
	e.diags = append(e.diags, d...)
	return int(n)
}

func (e *evaluator) optString(attr *hcl.Attribute, def string) string {
	if attr == nil {
		return def
	}
	return e.string(attr.Expr, attr.Name)
}

// regex evaluates a regular expression and checks that it compiles.
func (e *evaluator) regex(expr hcl.Expression, name string) string {
	if expr == nil {
		return ""
	}
	s := e.string(expr, name)
	if _, err := regexp.Compile(s); err != nil {
		e.diags = append(e.diags, errorAt(expr.Range(), "Invalid regular expression",
			fmt.Sprintf("%s: %v. Write a Go regular expression (RE2 syntax); escape special characters such as . and ( with \\\\.", name, err)))
	}
	return s
}

func (e *evaluator) attrRegex(attr *hcl.Attribute) string {
	if attr == nil {
		return ""
	}
	return e.regex(attr.Expr, attr.Name)
}

func (e *evaluator) check(c *Check, host string, s *Service, addr netip.Addr) *CheckPlan {
	cp := &CheckPlan{Type: c.Type, Host: host, Service: s.Name, Address: addr, Port: s.Port, Timeout: Duration(c.Timeout)}
	a := c.Attrs
	switch c.Type {
	case CheckHTTP:
		cp.HTTP = &HTTPCheck{
			Scheme:       e.optString(a["scheme"], "http"),
			Method:       e.optString(a["method"], "GET"),
			Path:         e.optString(a["path"], "/"),
			HostHeader:   e.optString(a["host_header"], ""),
			ExpectStatus: e.int(a["expect_status"], 200, 100, 599),
			BodyMatches:  e.attrRegex(a["body_matches"]),
		}
		if attr := a["method"]; attr != nil {
			e.diags = append(e.diags, oneOf(attr, cp.HTTP.Method, "GET", "HEAD", "POST", "OPTIONS")...)
		}
		if attr := a["scheme"]; attr != nil && cp.HTTP.Scheme != "http" && cp.HTTP.Scheme != "https" {
			e.diags = append(e.diags, oneOf(attr, cp.HTTP.Scheme, "http", "https")...)
		}
		if attr := a["path"]; attr != nil && (cp.HTTP.Path == "" || cp.HTTP.Path[0] != '/') {
			e.diags = append(e.diags, errorAt(attr.Expr.Range(), "Invalid path", "An HTTP check's path starts with /, such as \"/health\"."))
		}
	case CheckTCP:
		cp.TCP = &TCPCheck{Send: e.optString(a["send"], ""), Expect: e.attrRegex(a["expect"])}
	case CheckDNS:
		cp.DNS = &DNSCheck{Name: e.optString(a["name"], ""), Type: e.optString(a["type"], "A"), Expect: e.attrRegex(a["expect"])}
		if attr := a["type"]; attr != nil {
			e.diags = append(e.diags, oneOf(attr, cp.DNS.Type, "A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV")...)
		}
	case CheckCommand:
		cp.Command = &CommandCheck{
			ExpectExit:    e.int(a["expect_exit"], 0, 0, 255),
			OutputMatches: e.attrRegex(a["output_matches"]),
		}
		if attr := a["run"]; attr != nil {
			cp.Command.Run = e.strings(attr.Expr, "run")
			if cp.Command.Run != nil && len(cp.Command.Run) == 0 {
				e.diags = append(e.diags, errorAt(attr.Expr.Range(), "Empty command", "run is the command and its arguments, such as [\"pg_isready\", \"-h\", host.db.address]."))
			}
		}
	}
	return cp
}

func (e *evaluator) success(s *Success) *SuccessPlan {
	sp := &SuccessPlan{
		Mode:           s.Mode,
		OutputMatches:  e.regex(s.OutputMatches, "output_matches"),
		OutputExcludes: e.regex(s.OutputExcludes, "output_excludes"),
	}
	for _, p := range s.Probes {
		sp.Probes = append(sp.Probes, ProbePlan{
			Command:       e.strings(p.Command, "command"),
			ExpectExit:    p.ExpectExit,
			OutputMatches: e.regex(p.OutputMatches, "output_matches"),
		})
	}
	for _, c := range s.Callbacks {
		sp.Callbacks = append(sp.Callbacks, CallbackPlan{Port: c.Port, Within: Duration(c.Within)})
	}
	for _, h := range s.HTTP {
		sp.HTTP = append(sp.HTTP, HTTPProbePlan{
			URL:          e.string(h.URL, "url"),
			Method:       h.Method,
			ExpectStatus: h.ExpectStatus,
			BodyMatches:  e.regex(h.BodyMatches, "body_matches"),
		})
	}
	return sp
}

// answers evaluates a challenge's answer: one string or a list of accepted
// strings.
func (e *evaluator) answers(expr hcl.Expression, match string) []string {
	if expr == nil {
		return nil
	}
	v, d := expr.Value(e.ctx)
	if sd := spentDiagnostic(e.ctx, expr); sd != nil {
		e.diags = append(e.diags, sd)
		return nil
	}
	if d.HasErrors() {
		e.diags = append(e.diags, d...)
		return nil
	}
	var out []string
	if v.Type() == cty.String && !v.IsNull() {
		out = []string{v.AsString()}
	} else if list, ok := e.value(expr, "answer", cty.List(cty.String), `a string or a list of accepted strings`); ok {
		out = ctyStrings(list)
	}
	if len(out) == 0 && !e.diags.HasErrors() {
		e.diags = append(e.diags, errorAt(expr.Range(), "No answer", "A challenge needs at least one accepted answer."))
	}
	if match == "regex" {
		for _, a := range out {
			if _, err := regexp.Compile(a); err != nil {
				e.diags = append(e.diags, errorAt(expr.Range(), "Invalid regular expression",
					fmt.Sprintf("The answer %q does not compile: %v.", a, err)))
			}
		}
	}
	return out
}

func sortTimeline(events []TimelineEvent) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].At < events[j].At })
}
