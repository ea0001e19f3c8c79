package scenarios

import (
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Difficulties a scenario may declare.
var difficulties = []string{"beginner", "intermediate", "advanced", "expert"}

var scenarioSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title", Required: true},
		{Name: "summary"},
		{Name: "description"},
		{Name: "duration", Required: true},
		{Name: "difficulty"},
		{Name: "tags"},
	},
}

var networkSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "subnet"},
		{Name: "internet"},
	},
}

var scorebotSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "networks"},
		{Name: "round"},
		{Name: "jitter"},
	},
}

// namePattern is what a block's name may be: an HCL identifier, so that it
// can be referred to as host.NAME, and a valid container and DNS name.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

func checkName(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[len(b.Labels)-1]
	if namePattern.MatchString(name) {
		return nil
	}
	return hcl.Diagnostics{errorAt(b.LabelRanges[len(b.LabelRanges)-1], "Invalid name",
		fmt.Sprintf("%q cannot name a %s. Use lower-case letters, digits and dashes, starting with a letter, at most 40 characters, such as \"web-portal\".", name, b.Type))}
}

// decodeScenario decodes the blocks of every file of a scenario into one
// model. The model comes back with whatever could be decoded.
func decodeScenario(contents []*hcl.BodyContent, src source) (*Scenario, hcl.Diagnostics) {
	sc := &Scenario{Dir: src.display, fsys: src.fsys, budget: newBudget()}
	ctx := staticContext(src.fsys, sc.budget)
	var diags hcl.Diagnostics
	var seen singleBlocks
	for _, content := range contents {
		for _, b := range content.Blocks {
			if b.Type != "scorebot" && b.Type != "scoring" {
				if d := checkName(b); d.HasErrors() {
					diags = append(diags, d...)
					continue
				}
			}
			diags = append(diags, decodeScenarioFileBlock(sc, b, ctx, &seen)...)
		}
	}

	if seen.scenario == nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing scenario block",
			Detail: fmt.Sprintf("The scenario in %s has no scenario block. Add one, such as:\n\n"+
				"scenario \"my-drill\" {\n  title    = \"What the drill is about\"\n  duration = \"2h\"\n}", src.display),
			Subject: firstRange(contents),
		})
		sc.Name = "unnamed"
	}
	if sc.Scorebot == nil {
		sc.Scorebot = &Scorebot{Round: DefaultRound}
	}
	if sc.Scoring == nil {
		def := DefaultScoring()
		sc.Scoring = &def
	}
	return sc, diags
}

// singleBlocks holds the first of each block a scenario has at most one of.
type singleBlocks struct {
	scenario, scoring, scorebot *hcl.Block
}

// single records b as the scenario's block of its type, unless there
// already is one, which is an error.
func single(b *hcl.Block, seen **hcl.Block, hint string) hcl.Diagnostics {
	if *seen != nil {
		return hcl.Diagnostics{errorAt(b.DefRange, fmt.Sprintf("Duplicate %s block", b.Type),
			fmt.Sprintf("A scenario has one %s block; another is at %s. %s", b.Type, where((*seen).DefRange), hint))}
	}
	*seen = b
	return nil
}

// decodeScenarioFileBlock decodes one top-level block of a scenario's file
// into sc.
func decodeScenarioFileBlock(sc *Scenario, b *hcl.Block, ctx *hcl.EvalContext, seen *singleBlocks) hcl.Diagnostics {
	switch b.Type {
	case "scenario":
		if d := single(b, &seen.scenario, "Keep one and merge what the other says."); d != nil {
			return d
		}
		return decodeScenarioBlock(sc, b, ctx)
	case "network":
		n, d := decodeNetwork(b, ctx)
		sc.Networks = append(sc.Networks, n)
		return d
	case "host":
		h, d := decodeHost(b, ctx)
		sc.Hosts = append(sc.Hosts, h)
		return d
	case "attacker":
		a, d := decodeAttacker(b, ctx)
		sc.Attackers = append(sc.Attackers, a)
		return d
	case "attack":
		a, d := decodeAttack(b, ctx)
		sc.Attacks = append(sc.Attacks, a)
		return d
	case "inject":
		in, d := decodeInject(b, ctx)
		sc.Injects = append(sc.Injects, in)
		return d
	case "challenge":
		c, d := decodeChallenge(b, ctx)
		sc.Challenges = append(sc.Challenges, c)
		return d
	case "scorebot":
		if d := single(b, &seen.scorebot, "Merge them into one."); d != nil {
			return d
		}
		s, d := decodeScorebot(b, ctx)
		sc.Scorebot = s
		return d
	case "scoring":
		if d := single(b, &seen.scoring, "Merge them into one."); d != nil {
			return d
		}
		s, d := decodeScoring(b, ctx)
		sc.Scoring = s
		return d
	}
	return nil
}

func firstRange(contents []*hcl.BodyContent) *hcl.Range {
	if len(contents) == 0 {
		return nil
	}
	return contents[0].MissingItemRange.Ptr()
}

func decodeScenarioBlock(sc *Scenario, b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	sc.Name = b.Labels[0]
	sc.DeclRange = b.DefRange
	content, diags := b.Body.Content(scenarioSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "title":
			sc.Title, d = decodeString(attr, ctx)
		case "summary":
			sc.Summary, d = decodeString(attr, ctx)
		case "description":
			sc.Description, d = decodeString(attr, ctx)
		case "duration":
			sc.Duration, d = decodeDuration(attr, ctx)
			if !d.HasErrors() && sc.Duration == 0 {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid duration", "A scenario must last some time, such as \"2h\".")}
			}
		case "difficulty":
			sc.Difficulty, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, sc.Difficulty, difficulties...)
			}
		case "tags":
			sc.Tags, d = decodeStrings(attr, ctx)
		}
		diags = append(diags, d...)
	}
	return diags
}

// summaryInternet is the warning about a network open to the internet.
const summaryInternet = "Network open to the internet"

func decodeNetwork(b *hcl.Block, ctx *hcl.EvalContext) (*Network, hcl.Diagnostics) {
	n := &Network{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(networkSchema)
	if attr, ok := content.Attributes["subnet"]; ok {
		n.Subnet = attr.Expr
	}
	if attr, ok := content.Attributes["internet"]; ok {
		var d hcl.Diagnostics
		n.Internet, d = decodeBool(attr, ctx)
		diags = append(diags, d...)
		if n.Internet {
			// Allowed, since a drill may need a package mirror or a real
			// service, but never silently: it unseals the team's range.
			diags = append(diags, warningAt(attr.Expr.Range(), summaryInternet,
				fmt.Sprintf("Network %q is not sealed: its hosts and attackers, and whatever a trainee or an attack runs on them, can reach the world outside the range, and every team's copy is open alike. Remove internet = true unless the drill needs it; every other network has no route outside.", n.Name)))
		}
	}
	return n, diags
}

func decodeScorebot(b *hcl.Block, ctx *hcl.EvalContext) (*Scorebot, hcl.Diagnostics) {
	s := &Scorebot{Round: DefaultRound, DeclRange: b.DefRange}
	content, diags := b.Body.Content(scorebotSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "networks":
			s.Networks, d = decodeRefs(attr, "network")
		case "round":
			s.Round, d = decodeDuration(attr, ctx)
			if !d.HasErrors() && s.Round < minRound {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Round too short",
					fmt.Sprintf("A round must last at least %s, so that every check of every team fits in it.", minRound))}
			}
		case "jitter":
			s.Jitter, d = decodeDuration(attr, ctx)
		}
		diags = append(diags, d...)
	}
	if s.Jitter >= s.Round && s.Jitter > 0 {
		diags = append(diags, errorAt(content.Attributes["jitter"].Expr.Range(), "Jitter too large",
			fmt.Sprintf("The jitter (%s) must be shorter than the round (%s).", s.Jitter, s.Round)))
	}
	return s, diags
}

// minRound is the shortest round a scorebot may have.
const minRound = 5 * time.Second
