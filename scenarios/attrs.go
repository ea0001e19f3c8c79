package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// The helpers below decode one attribute each. They evaluate the attribute in
// a context without per-team values, so a static attribute that names, say,
// team.index gets HCL's own "Variables not allowed" error at the right place.
// Each returns the zero value with diagnostics when the attribute is wrong.

func staticValue(attr *hcl.Attribute, ctx *hcl.EvalContext, want cty.Type, what string) (cty.Value, hcl.Diagnostics) {
	return exprValue(attr.Expr, attr.Name, ctx, want, what)
}

// exprValue evaluates expr, the argument called name, and converts it to
// want, which the user knows as what.
func exprValue(expr hcl.Expression, name string, ctx *hcl.EvalContext, want cty.Type, what string) (cty.Value, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	if d := spentDiagnostic(ctx, expr); d != nil {
		return cty.NilVal, hcl.Diagnostics{d}
	}
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() {
		return cty.NilVal, hcl.Diagnostics{errorAt(expr.Range(), "Missing value",
			fmt.Sprintf("The argument %q needs %s, not null.", name, what))}
	}
	cv, err := convert.Convert(v, want)
	if err != nil || !cv.IsWhollyKnown() {
		return cty.NilVal, hcl.Diagnostics{errorAt(expr.Range(), "Incorrect value type",
			fmt.Sprintf("The argument %q needs %s.", name, what))}
	}
	if want.IsListType() || want.IsMapType() {
		for it := cv.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.IsNull() {
				return cty.NilVal, hcl.Diagnostics{errorAt(expr.Range(), "Missing value",
					fmt.Sprintf("The argument %q needs %s, without null elements.", name, what))}
			}
		}
	}
	return cv, nil
}

func decodeString(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.String, "a string")
	if diags.HasErrors() {
		return "", diags
	}
	return v.AsString(), nil
}

func decodeBool(attr *hcl.Attribute, ctx *hcl.EvalContext) (bool, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.Bool, "true or false")
	if diags.HasErrors() {
		return false, diags
	}
	return v.True(), nil
}

func decodeStrings(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.List(cty.String), `a list of strings, such as ["a", "b"]`)
	if diags.HasErrors() {
		return nil, diags
	}
	return ctyStrings(v), nil
}

func ctyStrings(v cty.Value) []string {
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out
}

func ctyStringMap(v cty.Value) map[string]string {
	out := make(map[string]string, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out[k.AsString()] = e.AsString()
	}
	return out
}

func decodeStringMap(attr *hcl.Attribute, ctx *hcl.EvalContext) (map[string]string, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.Map(cty.String), `a map of strings, such as { NAME = "value" }`)
	if diags.HasErrors() {
		return nil, diags
	}
	return ctyStringMap(v), nil
}

func decodeFloat(attr *hcl.Attribute, ctx *hcl.EvalContext) (float64, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.Number, "a number")
	if diags.HasErrors() {
		return 0, diags
	}
	f, _ := v.AsBigFloat().Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Number out of range",
			Detail:   fmt.Sprintf("The argument %q is too large.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return f, nil
}

// decodeInt decodes a whole number within [min, max].
func decodeInt(attr *hcl.Attribute, ctx *hcl.EvalContext, min, max int64) (int64, hcl.Diagnostics) {
	v, diags := staticValue(attr, ctx, cty.Number, "a whole number")
	if diags.HasErrors() {
		return 0, diags
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || n < min || n > max {
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Number out of range",
			Detail:   fmt.Sprintf("The argument %q must be a whole number from %d to %d.", attr.Name, min, max),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return n, nil
}

// decodeDuration decodes a Go-style duration string such as "90s" or "2h".
func decodeDuration(attr *hcl.Attribute, ctx *hcl.EvalContext) (time.Duration, hcl.Diagnostics) {
	s, diags := decodeString(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail:   fmt.Sprintf("%q is not a duration. Write a number with a unit, such as \"90s\", \"10m\" or \"1h30m\".", s),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return d, nil
}

var sizePattern = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$`)

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1e3, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1e6, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1e9, "gib": 1 << 30,
}

// decodeSize decodes a memory size such as "256MiB" or "1GB" into bytes.
func decodeSize(attr *hcl.Attribute, ctx *hcl.EvalContext) (int64, hcl.Diagnostics) {
	s, diags := decodeString(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	bad := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid size",
		Detail:   fmt.Sprintf("%q is not a size. Write a number with a unit, such as \"256MiB\" or \"1GiB\".", s),
		Subject:  attr.Expr.Range().Ptr(),
	}}
	m := sizePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, bad
	}
	unit, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n*unit > math.MaxInt64/2 {
		return 0, bad
	}
	return int64(n * unit), nil
}

// decodeRef decodes a reference such as network.dmz to a block of one kind.
func decodeRef(expr hcl.Expression, kind string) (Ref, hcl.Diagnostics) {
	bad := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid reference",
		Detail:   fmt.Sprintf("Expected a reference to a %s, such as %s.NAME.", kind, kind),
		Subject:  expr.Range().Ptr(),
	}}
	trav, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || len(trav) != 2 || trav.RootName() != kind {
		return Ref{}, bad
	}
	step, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return Ref{}, bad
	}
	return Ref{Kind: kind, Name: step.Name, Range: expr.Range()}, nil
}

func decodeRefs(attr *hcl.Attribute, kind string) ([]Ref, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference list",
			Detail:   fmt.Sprintf("The argument %q needs a list of references, such as [%s.NAME].", attr.Name, kind),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	var refs []Ref
	for _, e := range exprs {
		r, d := decodeRef(e, kind)
		diags = append(diags, d...)
		if !d.HasErrors() {
			refs = append(refs, r)
		}
	}
	return refs, diags
}

// oneOf checks that s is one of the allowed values.
func oneOf(attr *hcl.Attribute, s string, allowed ...string) hcl.Diagnostics {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	detail := fmt.Sprintf("The argument %q must be one of %s.", attr.Name, quoteList(allowed))
	if s2 := suggest(s, allowed); s2 != "" {
		detail = fmt.Sprintf("Did you mean %q? %s", s2, detail)
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid value %q", s),
		Detail:   detail,
		Subject:  attr.Expr.Range().Ptr(),
	}}
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Suggest returns the candidate closest to s, if one is close enough to be
// a likely typo, for a "did you mean" in messages about names; "" if none
// is.
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }

// suggest returns the candidate closest to s, if one is close enough to be a
// likely typo.
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func errorAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

func warningAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// where renders a place as file:line:col, the form diagnostics use.
func where(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
