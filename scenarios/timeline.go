package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The timeline's attributes (an attack's at and delay, an inject's at) may
// depend on the team, so that a campaign hits one country's teams first and
// the partner's later. A value that names no variable is decoded once, as
// before; one that names team.country, team.index or another per-team value
// is kept as an expression and evaluated in each team's plan, with the
// per-team values every other per-team argument sees (but not run.*, which
// is known only when the attack runs).

// decodeTimelineDuration decodes a timeline attribute: a duration when it
// is the same for every team, or the expression to evaluate per team.
func decodeTimelineDuration(attr *hcl.Attribute, ctx *hcl.EvalContext) (time.Duration, hcl.Expression, hcl.Diagnostics) {
	vars := attr.Expr.Variables()
	if len(vars) == 0 {
		d, diags := decodeDuration(attr, ctx)
		return d, nil, diags
	}
	var diags hcl.Diagnostics
	for _, v := range vars {
		if v.RootName() == "run" {
			diags = append(diags, errorAt(v.SourceRange(), "Run values not allowed here",
				fmt.Sprintf("run.id and run.nonce are known only once the attack runs, and %s places it on the timeline before that. Use team.country, team.index, team.id or another per-team value.", attr.Name)))
		}
	}
	diags = append(diags, countryComparisons(attr.Expr)...)
	if diags.HasErrors() {
		return 0, nil, diags
	}
	return 0, attr.Expr, diags
}

// countryComparisons reports each comparison of team.country with a string
// that no team's country can be: countries are upper-case ISO 3166-1
// alpha-2 codes ("CL", "CO"), so team.country == "cl" or == "Chile" is
// false for every team, and a conditional on it would quietly send every
// team down the same branch.
func countryComparisons(expr hcl.Expression) hcl.Diagnostics {
	node, ok := expr.(hclsyntax.Node)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		bin, ok := n.(*hclsyntax.BinaryOpExpr)
		if !ok || (bin.Op != hclsyntax.OpEqual && bin.Op != hclsyntax.OpNotEqual) {
			return nil
		}
		for _, pair := range [][2]hclsyntax.Expression{{bin.LHS, bin.RHS}, {bin.RHS, bin.LHS}} {
			if !isTeamCountry(pair[0]) {
				continue
			}
			s, ok := literalString(pair[1])
			if !ok || IsCountryCode(s) {
				continue
			}
			detail := fmt.Sprintf("team.country is an upper-case ISO 3166-1 alpha-2 code, such as \"CL\" for Chile or \"CO\" for Colombia, so it is never %q and this comparison is the same for every team.", s)
			if code := countryCodeFor(s); code != "" {
				detail += fmt.Sprintf(" Write %q.", code)
			} else {
				detail += " Write a country code."
			}
			diags = append(diags, errorAt(pair[1].Range(), "Country that no team has", detail))
		}
		return nil
	})
	return diags
}

func isTeamCountry(e hclsyntax.Expression) bool {
	st, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(st.Traversal) != 2 || st.Traversal.RootName() != "team" {
		return false
	}
	step, ok := st.Traversal[1].(hcl.TraverseAttr)
	return ok && step.Name == "country"
}

// literalString is the value of a string written as a literal, such as
// "CL".
func literalString(e hclsyntax.Expression) (string, bool) {
	switch x := e.(type) {
	case *hclsyntax.TemplateExpr:
		if !x.IsStringLiteral() {
			return "", false
		}
		v, diags := x.Value(nil)
		if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			return "", false
		}
		return v.AsString(), true
	case *hclsyntax.LiteralValueExpr:
		if x.Val.Type() != cty.String || x.Val.IsNull() {
			return "", false
		}
		return x.Val.AsString(), true
	}
	return "", false
}

// countryCodeFor guesses the code meant by a country written another way:
// in lower case, or by the name of one of the program's countries.
func countryCodeFor(s string) string {
	t := strings.ToUpper(strings.TrimSpace(s))
	if IsCountryCode(t) {
		return t
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "chile":
		return "CL"
	case "colombia":
		return "CO"
	}
	return ""
}

// timelineValue marks a diagnostic about one team's timeline with the value
// it is about, so that a plan of many teams says once what many teams
// share.
type timelineValue string

// timelineDuration evaluates a per-team timeline attribute for the team: a
// duration, zero or more.
func (e *evaluator) timelineDuration(expr hcl.Expression, name, what string, t TeamInfo) (time.Duration, bool) {
	who := fmt.Sprintf("team %q (%s)", t.ID, t.Country)
	v, d := exprValue(expr, name, e.ctx, cty.String, `a duration such as "10m"`)
	for _, diag := range d {
		if diag.Summary == "Missing value" || diag.Summary == "Incorrect value type" {
			// Which team got the wrong value, since another may not.
			diag.Detail = fmt.Sprintf("For %s, %s %s is not a duration. %s Make every team's value a string such as \"10m\".", who, what, name, diag.Detail)
			diag.Extra = timelineValue(diag.Summary)
		}
	}
	e.diags = append(e.diags, d...)
	if d.HasErrors() {
		return 0, false
	}
	s := strings.TrimSpace(v.AsString())
	dur, err := time.ParseDuration(s)
	switch {
	case err != nil:
		detail := fmt.Sprintf("For %s, %s %s is %q, which is not a duration. Every team's value must be a number with a unit, such as \"90s\", \"10m\" or \"1h30m\".", who, what, name, s)
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			detail += " A number needs its unit: write \"${...}m\" rather than a bare number."
		}
		e.diags = append(e.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid duration", Detail: detail,
			Subject: expr.Range().Ptr(), Extra: timelineValue(s)})
		return 0, false
	case dur < 0:
		fix := "an offset from the exercise's start, zero or more"
		if name == "delay" {
			fix = "a wait after the parent attack, zero or more"
		}
		e.diags = append(e.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Negative time",
			Detail:  fmt.Sprintf("For %s, %s %s is %s. It is %s: change the expression so that no team gets a negative value.", who, what, name, Human(dur), fix),
			Subject: expr.Range().Ptr(), Extra: timelineValue(s)})
		return 0, false
	}
	return dur, true
}

// attackTimes evaluates the attacks' per-team at and delay for the team.
func (e *evaluator) attackTimes(sc *Scenario, p *TeamPlan) {
	for i, a := range sc.Attacks {
		what := fmt.Sprintf("attack %q's", a.Name)
		if a.AtExpr != nil {
			if d, ok := e.timelineDuration(a.AtExpr, "at", what, p.Team); ok {
				p.Attacks[i].At = Duration(d)
			}
		}
		if a.DelayExpr != nil {
			if d, ok := e.timelineDuration(a.DelayExpr, "delay", what, p.Team); ok {
				p.Attacks[i].Delay = Duration(d)
			}
		}
	}
}

// perTeamChain says whether an attack's start depends on the team: its own
// at or delay, or those of an attack it waits on.
func perTeamChain(a *Attack, attacks map[string]*Attack) bool {
	for range len(attacks) + 1 {
		if a.AtExpr != nil || a.DelayExpr != nil {
			return true
		}
		if a.After == nil {
			return false
		}
		parent, ok := attacks[a.After.Name]
		if !ok {
			return false
		}
		a = parent
	}
	return false
}

// checkTeamTimeline checks, for one team, what validation could not check
// for every team at once: that each attack whose start depends on the team
// starts, at the earliest, within the scenario's duration, and so does each
// inject sent to the team. An attack that waits on another is placed as
// the plan places it: its parent's start plus its delay.
func checkTeamTimeline(sc *Scenario, p *TeamPlan) hcl.Diagnostics {
	if sc.Duration <= 0 {
		return nil
	}
	var diags hcl.Diagnostics
	who := fmt.Sprintf("team %q (%s)", p.Team.ID, p.Team.Country)
	beyond := func(rng hcl.Range, what string, at time.Duration, fix string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Beyond the scenario's end",
			Detail: fmt.Sprintf("For %s, %s is at %s, after the scenario ends at %s. %s, or make the scenario's duration longer.",
				who, what, Human(at), Human(sc.Duration), fix),
			Subject: rng.Ptr(), Extra: timelineValue(Human(at))})
	}
	attacks := map[string]*Attack{}
	for _, a := range sc.Attacks {
		attacks[a.Name] = a
	}
	starts := map[string]Duration{}
	for _, ev := range p.Timeline() {
		if ev.Kind == "attack" {
			starts[ev.Name] = ev.At
		}
	}
	for _, a := range sc.Attacks {
		if !perTeamChain(a, attacks) {
			continue // checked once for every team when the scenario was validated
		}
		at := time.Duration(starts[a.Name])
		if at <= sc.Duration {
			continue
		}
		what := fmt.Sprintf("attack %q", a.Name)
		fix := "Make its at smaller for that team"
		if a.After != nil {
			what += " at the earliest, after the attacks it waits on,"
			fix = "Make the at or delay of its chain smaller for that team"
		}
		beyond(a.DeclRange, what, at, fix)
	}
	for _, in := range sc.Injects {
		if in.AtExpr == nil {
			continue
		}
		for _, ip := range p.Injects {
			if ip.Name == in.Name && time.Duration(ip.At) > sc.Duration {
				beyond(in.DeclRange, fmt.Sprintf("inject %q", in.Name), time.Duration(ip.At), "Make its at smaller for that team")
			}
		}
	}
	return diags
}

// PerTeamTimeline says whether any attack or inject of the scenario falls
// at a time that depends on the team.
func (sc *Scenario) PerTeamTimeline() bool {
	for _, a := range sc.Attacks {
		if a.AtExpr != nil || a.DelayExpr != nil {
			return true
		}
	}
	for _, in := range sc.Injects {
		if in.AtExpr != nil {
			return true
		}
	}
	return false
}
