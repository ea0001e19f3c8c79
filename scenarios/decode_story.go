package scenarios

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

var injectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "at", Required: true},
		{Name: "from"},
		{Name: "subject", Required: true},
		{Name: "body", Required: true},
		{Name: "countries"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "response"}},
}

var responseSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "due", Required: true},
		{Name: "points", Required: true},
	},
}

var challengeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "question", Required: true},
		{Name: "answer", Required: true},
		{Name: "points", Required: true},
		{Name: "match"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "hint"}},
}

var hintSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "text", Required: true},
		{Name: "cost"},
	},
}

// maxPoints bounds every points value, so totals cannot overflow.
const maxPoints = 100000

func decodeInject(b *hcl.Block, ctx *hcl.EvalContext) (*Inject, hcl.Diagnostics) {
	in := &Inject{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(injectSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "at":
			in.At, in.AtExpr, d = decodeTimelineDuration(attr, ctx)
		case "from":
			in.From, d = decodeString(attr, ctx)
		case "subject":
			in.Subject, d = decodeString(attr, ctx)
		case "body":
			in.Body = attr.Expr
		case "countries":
			in.Countries, d = decodeStrings(attr, ctx)
			for i, c := range in.Countries {
				in.Countries[i] = strings.ToUpper(c)
				if !IsCountryCode(in.Countries[i]) {
					d = append(d, errorAt(attr.Expr.Range(), "Invalid country",
						fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code. Use codes such as \"CL\" for Chile or \"CO\" for Colombia.", c)))
				}
			}
		}
		diags = append(diags, d...)
	}
	for _, blk := range content.Blocks {
		if in.Response != nil {
			diags = append(diags, errorAt(blk.DefRange, "Duplicate response block", "An inject asks for one response."))
			continue
		}
		r := &Response{DeclRange: blk.DefRange}
		rc, d := blk.Body.Content(responseSchema)
		diags = append(diags, d...)
		if attr, ok := rc.Attributes["due"]; ok {
			r.Due, d = decodeDuration(attr, ctx)
			if !d.HasErrors() && r.Due == 0 {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "No time to respond",
					"due is how long teams have to answer after the inject arrives, such as \"20m\"; it must be longer than zero.")}
			}
			diags = append(diags, d...)
		}
		if attr, ok := rc.Attributes["points"]; ok {
			n, d := decodeInt(attr, ctx, 0, maxPoints)
			diags = append(diags, d...)
			r.Points = int(n)
		}
		in.Response = r
	}
	return in, diags
}

func decodeChallenge(b *hcl.Block, ctx *hcl.EvalContext) (*Challenge, hcl.Diagnostics) {
	c := &Challenge{Name: b.Labels[0], Match: "caseless", DeclRange: b.DefRange}
	content, diags := b.Body.Content(challengeSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "question":
			c.Question = attr.Expr
		case "answer":
			c.Answer = attr.Expr
		case "points":
			var n int64
			n, d = decodeInt(attr, ctx, 0, maxPoints)
			c.Points = int(n)
		case "match":
			c.Match, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, c.Match, "exact", "caseless", "regex")
			}
		}
		diags = append(diags, d...)
	}
	for _, blk := range content.Blocks {
		h := &Hint{DeclRange: blk.DefRange, Cost: -1}
		hc, d := blk.Body.Content(hintSchema)
		diags = append(diags, d...)
		if attr, ok := hc.Attributes["text"]; ok {
			h.Text, d = decodeString(attr, ctx)
			diags = append(diags, d...)
		}
		if attr, ok := hc.Attributes["cost"]; ok {
			n, d := decodeInt(attr, ctx, 0, maxPoints)
			diags = append(diags, d...)
			h.Cost = int(n)
		}
		c.Hints = append(c.Hints, h)
	}
	return c, diags
}
