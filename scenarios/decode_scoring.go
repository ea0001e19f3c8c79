package scenarios

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// scoringFields maps every attribute of every sub-block of scoring to the
// field it sets, so the schema, the decoder and the documentation cannot
// drift apart.
type scoringField struct {
	name  string
	kind  string // "int", "fraction" or "duration"
	set   func(s *Scoring) any
	minIn int64
	maxIn int64
}

func scoringFields() map[string][]scoringField {
	return map[string][]scoringField{
		"availability": {
			{name: "points_per_check", kind: "int", set: func(s *Scoring) any { return &s.Availability.PointsPerCheck }, minIn: 0, maxIn: maxPoints},
			{name: "sla_failures", kind: "int", set: func(s *Scoring) any { return &s.Availability.SLAFailures }, minIn: 1, maxIn: 1000},
			{name: "sla_penalty", kind: "int", set: func(s *Scoring) any { return &s.Availability.SLAPenalty }, minIn: 0, maxIn: maxPoints},
		},
		"attack": {
			{name: "blocked", kind: "int", set: func(s *Scoring) any { return &s.Attack.Blocked }, minIn: -maxPoints, maxIn: maxPoints},
			{name: "succeeded", kind: "int", set: func(s *Scoring) any { return &s.Attack.Succeeded }, minIn: -maxPoints, maxIn: maxPoints},
			{name: "detected", kind: "int", set: func(s *Scoring) any { return &s.Attack.Detected }, minIn: 0, maxIn: maxPoints},
		},
		"detection": {
			{name: "window", kind: "duration", set: func(s *Scoring) any { return &s.Detection.Window }},
			{name: "min_fraction", kind: "fraction", set: func(s *Scoring) any { return &s.Detection.MinFraction }},
		},
		"injects": {
			{name: "late_penalty", kind: "fraction", set: func(s *Scoring) any { return &s.Injects.LatePenalty }},
		},
		"challenges": {
			{name: "first_solve_bonus", kind: "int", set: func(s *Scoring) any { return &s.Challenges.FirstSolveBonus }, minIn: 0, maxIn: maxPoints},
			{name: "max_attempts", kind: "int", set: func(s *Scoring) any { return &s.Challenges.MaxAttempts }, minIn: 1, maxIn: 1000},
			{name: "cooldown", kind: "duration", set: func(s *Scoring) any { return &s.Challenges.Cooldown }},
		},
		"cooperation": {
			{name: "shared", kind: "int", set: func(s *Scoring) any { return &s.Cooperation.Shared }, minIn: 0, maxIn: maxPoints},
		},
		"penalties": {
			{name: "reset", kind: "int", set: func(s *Scoring) any { return &s.Penalties.Reset }, minIn: 0, maxIn: maxPoints},
			{name: "hint", kind: "int", set: func(s *Scoring) any { return &s.Penalties.Hint }, minIn: 0, maxIn: maxPoints},
		},
	}
}

// scoringBlocks lists the sub-blocks of scoring in a stable order.
var scoringBlocks = []string{"availability", "attack", "detection", "injects", "challenges", "cooperation", "penalties", "weights"}

var scoringSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "country_standing"}, {Name: "reveal"}}}
	for _, b := range scoringBlocks {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b})
	}
	return s
}()

func decodeScoring(b *hcl.Block, ctx *hcl.EvalContext) (*Scoring, hcl.Diagnostics) {
	s := DefaultScoring()
	s.DeclRange = b.DefRange
	content, diags := b.Body.Content(scoringSchema)
	if attr, ok := content.Attributes["country_standing"]; ok {
		v, d := decodeString(attr, ctx)
		if !d.HasErrors() {
			d = oneOf(attr, v, "sum", "mean")
			s.CountryStanding = v
		}
		diags = append(diags, d...)
	}
	if attr, ok := content.Attributes["reveal"]; ok {
		v, d := decodeString(attr, ctx)
		if !d.HasErrors() {
			d = oneOf(attr, v, RevealAfterWindow, RevealEnd, RevealLive)
			s.Reveal = v
		}
		diags = append(diags, d...)
	}
	fields := scoringFields()
	seen := map[string]bool{}
	for _, blk := range content.Blocks {
		if seen[blk.Type] {
			diags = append(diags, errorAt(blk.DefRange, fmt.Sprintf("Duplicate %s block", blk.Type),
				fmt.Sprintf("The scoring block has one %s block; merge them.", blk.Type)))
			continue
		}
		seen[blk.Type] = true
		if blk.Type == "weights" {
			diags = append(diags, decodeWeights(blk, ctx, &s)...)
			continue
		}
		diags = append(diags, decodeScoringBlock(blk, ctx, fields[blk.Type], &s)...)
	}
	return &s, diags
}

func decodeScoringBlock(b *hcl.Block, ctx *hcl.EvalContext, fields []scoringField, s *Scoring) hcl.Diagnostics {
	schema := &hcl.BodySchema{}
	for _, f := range fields {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: f.name})
	}
	content, diags := b.Body.Content(schema)
	for _, f := range fields {
		attr, ok := content.Attributes[f.name]
		if !ok {
			continue
		}
		switch f.kind {
		case "int":
			n, d := decodeInt(attr, ctx, f.minIn, f.maxIn)
			diags = append(diags, d...)
			*(f.set(s).(*int)) = int(n)
		case "fraction":
			v, d := decodeFloat(attr, ctx)
			if !d.HasErrors() && (v < 0 || v > 1) {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Fraction out of range",
					fmt.Sprintf("%s is a share from 0 to 1, such as 0.5 for half.", f.name))}
			}
			diags = append(diags, d...)
			*(f.set(s).(*float64)) = v
		case "duration":
			v, d := decodeDuration(attr, ctx)
			diags = append(diags, d...)
			*(f.set(s).(*time.Duration)) = v
		}
	}
	return diags
}

func decodeWeights(b *hcl.Block, ctx *hcl.EvalContext, s *Scoring) hcl.Diagnostics {
	schema := &hcl.BodySchema{}
	for _, c := range Categories {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: c})
	}
	content, diags := b.Body.Content(schema)
	for name, attr := range content.Attributes {
		v, d := decodeFloat(attr, ctx)
		if !d.HasErrors() && (v < 0 || v > 100) {
			d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Weight out of range",
				"A weight multiplies a category's points: a number from 0 to 100, such as 1.5.")}
		}
		diags = append(diags, d...)
		s.Weights[name] = v
	}
	return diags
}
