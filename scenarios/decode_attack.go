package scenarios

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

var attackSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title", Required: true},
		{Name: "description"},
		{Name: "technique"},
		{Name: "at"},
		{Name: "after"},
		{Name: "when"},
		{Name: "delay"},
		{Name: "from", Required: true},
		{Name: "target", Required: true},
		{Name: "run", Required: true},
		{Name: "cleanup"},
		{Name: "timeout"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "success"}},
}

var successSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "mode"},
		{Name: "output_matches"},
		{Name: "output_excludes"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "probe"},
		{Type: "callback"},
		{Type: "http"},
	},
}

var probeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "command", Required: true},
		{Name: "expect_exit"},
		{Name: "output_matches"},
	},
}

var callbackSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "port", Required: true},
		{Name: "within"},
	},
}

var httpProbeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true},
		{Name: "method"},
		{Name: "expect_status"},
		{Name: "body_matches"},
	},
}

// techniquePattern is a MITRE ATT&CK technique or sub-technique ID.
var techniquePattern = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)

func decodeAttack(b *hcl.Block, ctx *hcl.EvalContext) (*Attack, hcl.Diagnostics) {
	a := &Attack{Name: b.Labels[0], Timeout: DefaultAttackTO, DeclRange: b.DefRange}
	content, diags := b.Body.Content(attackSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "title":
			a.Title, d = decodeString(attr, ctx)
		case "description":
			a.Description, d = decodeString(attr, ctx)
		case "technique":
			a.Technique, d = decodeStrings(attr, ctx)
			for _, t := range a.Technique {
				if !techniquePattern.MatchString(t) {
					d = append(d, errorAt(attr.Expr.Range(), "Invalid technique",
						fmt.Sprintf("%q is not a MITRE ATT&CK technique ID. Write IDs such as \"T1110\" or \"T1110.003\".", t)))
				}
			}
		case "at":
			a.At, a.AtExpr, d = decodeTimelineDuration(attr, ctx)
		case "after":
			var r Ref
			r, d = decodeRef(attr.Expr, "attack")
			if !d.HasErrors() {
				a.After = &r
			}
		case "when":
			a.When, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, a.When, WhenSucceeded, WhenBlocked, WhenAny)
			}
		case "delay":
			a.Delay, a.DelayExpr, d = decodeTimelineDuration(attr, ctx)
		case "from":
			a.From, d = decodeRef(attr.Expr, "attacker")
		case "target":
			a.Target, d = decodeRef(attr.Expr, "host")
		case "run":
			a.Run = attr.Expr
		case "cleanup":
			a.Cleanup = attr.Expr
		case "timeout":
			a.Timeout, d = decodeDuration(attr, ctx)
			if !d.HasErrors() && a.Timeout == 0 {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid timeout", "An attack's timeout must be longer than zero, such as \"2m\".")}
			}
		}
		diags = append(diags, d...)
	}

	diags = append(diags, checkAttackStart(a, b, content)...)
	diags = append(diags, decodeAttackSuccess(a, b, content.Blocks, ctx)...)
	return a, diags
}

// checkAttackStart checks that an attack starts either at a time or after
// another attack, and that when and delay come only with after, where when
// defaults to any.
func checkAttackStart(a *Attack, b *hcl.Block, content *hcl.BodyContent) hcl.Diagnostics {
	var diags hcl.Diagnostics
	at, hasAt := content.Attributes["at"]
	_, hasAfter := content.Attributes["after"]
	switch {
	case hasAt && hasAfter:
		diags = append(diags, errorAt(at.Range, "Both at and after",
			"An attack starts at a time (at) or after another attack (after), not both. Remove one."))
	case !hasAt && !hasAfter:
		diags = append(diags, errorAt(b.DefRange, "Missing start",
			fmt.Sprintf("Attack %q needs at = \"10m\" (an offset from the exercise's start) or after = attack.NAME.", a.Name)))
	}
	if hasAfter && a.When == "" {
		a.When = WhenAny
	}
	for _, attr := range []string{"when", "delay"} {
		if w, ok := content.Attributes[attr]; ok && !hasAfter {
			diags = append(diags, errorAt(w.Range, fmt.Sprintf("%s without after", attr),
				fmt.Sprintf("%s only applies to an attack that starts after another: add after = attack.NAME, or remove %s.", attr, attr)))
		}
	}
	return diags
}

// decodeAttackSuccess decodes an attack's success block, of which it has at
// most one; without one the attack can only be not applicable.
func decodeAttackSuccess(a *Attack, b *hcl.Block, blocks hcl.Blocks, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, blk := range blocks {
		if a.Success != nil {
			diags = append(diags, errorAt(blk.DefRange, "Duplicate success block",
				"An attack has one success block; put every criterion in it and set mode = \"any\" if one is enough."))
			continue
		}
		s, d := decodeSuccess(blk, ctx)
		diags = append(diags, d...)
		a.Success = s
	}
	if a.Success == nil {
		diags = append(diags, warningAt(b.DefRange, "Attack without success criteria",
			fmt.Sprintf("Attack %q has no success block, so its verdict cannot come from evidence and it will be reported as not applicable. Add success { output_matches = \"...\" } or a probe on the target.", a.Name)))
	}
	return diags
}

func decodeSuccess(b *hcl.Block, ctx *hcl.EvalContext) (*Success, hcl.Diagnostics) {
	s := &Success{Mode: "all", DeclRange: b.DefRange}
	content, diags := b.Body.Content(successSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "mode":
			s.Mode, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, s.Mode, "all", "any")
			}
		case "output_matches":
			s.OutputMatches = attr.Expr
		case "output_excludes":
			s.OutputExcludes = attr.Expr
		}
		diags = append(diags, d...)
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "probe":
			p, d := decodeProbe(blk, ctx)
			diags = append(diags, d...)
			s.Probes = append(s.Probes, p)
		case "callback":
			c, d := decodeCallback(blk, ctx)
			diags = append(diags, d...)
			s.Callbacks = append(s.Callbacks, c)
		case "http":
			h, d := decodeHTTPProbe(blk, ctx)
			diags = append(diags, d...)
			s.HTTP = append(s.HTTP, h)
		}
	}
	if s.OutputMatches == nil && len(s.Probes)+len(s.Callbacks)+len(s.HTTP) == 0 {
		diags = append(diags, errorAt(b.DefRange, "Empty success block",
			"A success block needs evidence: output_matches, a probe, a callback or an http block. The attacking tool's exit code alone is never evidence. output_excludes alone only rules success out."))
	}
	return s, diags
}

func decodeProbe(b *hcl.Block, ctx *hcl.EvalContext) (*Probe, hcl.Diagnostics) {
	p := &Probe{DeclRange: b.DefRange}
	content, diags := b.Body.Content(probeSchema)
	for _, attr := range content.Attributes {
		switch attr.Name {
		case "command":
			p.Command = attr.Expr
		case "expect_exit":
			n, d := decodeInt(attr, ctx, 0, 255)
			diags = append(diags, d...)
			p.ExpectExit = int(n)
		case "output_matches":
			p.OutputMatches = attr.Expr
		}
	}
	return p, diags
}

func decodeCallback(b *hcl.Block, ctx *hcl.EvalContext) (*Callback, hcl.Diagnostics) {
	c := &Callback{DeclRange: b.DefRange}
	content, diags := b.Body.Content(callbackSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "port":
			var n int64
			n, d = decodeInt(attr, ctx, 1, 65535)
			c.Port = int(n)
		case "within":
			c.Within, d = decodeDuration(attr, ctx)
		}
		diags = append(diags, d...)
	}
	return c, diags
}

func decodeHTTPProbe(b *hcl.Block, ctx *hcl.EvalContext) (*HTTPProbe, hcl.Diagnostics) {
	h := &HTTPProbe{Method: "GET", ExpectStatus: 200, DeclRange: b.DefRange}
	content, diags := b.Body.Content(httpProbeSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "url":
			h.URL = attr.Expr
		case "method":
			h.Method, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, h.Method, "GET", "HEAD", "POST", "PUT", "DELETE")
			}
		case "expect_status":
			var n int64
			n, d = decodeInt(attr, ctx, 100, 599)
			h.ExpectStatus = int(n)
		case "body_matches":
			h.BodyMatches = attr.Expr
		}
		diags = append(diags, d...)
	}
	return h, diags
}
