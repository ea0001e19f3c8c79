package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// MaxNesting is how deep an expression may nest before the loader refuses
// the file unparsed. HCL's parser and evaluator recurse once per level, and
// Go cannot recover from running out of stack (70,000 nested brackets kill
// the process that reads them), so the depth is bounded before parsing.
// Real scenarios nest a few levels; the deepest bundled drill nests 11 by this count.
const MaxNesting = 64

const summaryNesting = "Nesting too deep"

// CheckNesting refuses source that nests deeper than MaxNesting, at the
// place where it goes too deep, before anything parses it. It reads the
// file with HCL's own scanner, which does not recurse, so strings, comments
// and heredocs count as the parser sees them. A level is a bracket, brace,
// parenthesis, string template, interpolation, template directive, or an
// operator in the same expression: operators chain without brackets
// (a + b + c, a ? b : c ? d : e, !!x) and the parser or the evaluator
// recurses once for each.
func CheckNesting(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	type frame struct {
		open hclsyntax.TokenType
		ops  int
	}
	var stack []frame
	depth, topOps := 0, 0
	// ops is the current expression's count of operators, at the innermost
	// open bracket or at the top.
	ops := func() *int {
		if len(stack) == 0 {
			return &topOps
		}
		return &stack[len(stack)-1].ops
	}
	// A template's parts and the items of a list or object come one after
	// another, not inside each other, so they do not add up.
	reset := func() {
		p := ops()
		depth -= *p
		*p = 0
	}
	template := func(t hclsyntax.TokenType) bool {
		return t == hclsyntax.TokenOQuote || t == hclsyntax.TokenOHeredoc || t == directive
	}
	for i, tok := range tokens {
		switch tok.Type {
		case hclsyntax.TokenTemplateControl:
			switch keywordAfter(tokens, i) {
			case "if", "for":
				// %{ if } ... %{ endif } holds what is between as a level.
				stack = append(stack, frame{open: directive})
				depth++
			case "endif", "endfor":
				if n := len(stack); n > 0 && stack[n-1].open == directive {
					depth -= 1 + stack[n-1].ops
					stack = stack[:n-1]
				}
			}
			fallthrough
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp:
			stack = append(stack, frame{open: tok.Type})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if n := len(stack); n > 0 {
				depth -= 1 + stack[n-1].ops
				stack = stack[:n-1]
			}
			// What was closed is one term of the expression around it:
			// x[0][0][0] nests once per index.
			if n := len(stack); n == 0 || !template(stack[n-1].open) {
				*ops()++
				depth++
			}
		case hclsyntax.TokenComma:
			reset()
		case hclsyntax.TokenNewline:
			if n := len(stack); n == 0 || stack[n-1].open == hclsyntax.TokenOBrace {
				reset()
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash,
			hclsyntax.TokenPercent, hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenBang,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan,
			hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenQuestion:
			*ops()++
			depth++
		}
		if depth > MaxNesting {
			return hcl.Diagnostics{errorAt(tok.Range, summaryNesting,
				fmt.Sprintf("The expression here is more than %d levels deep: each bracket, brace, parenthesis, string template and operator inside another counts as one. Cordillera reads at most %d, so that no file can exhaust the memory of what reads it. Write the value flatter, or split it into simpler attributes.", MaxNesting, MaxNesting))}
		}
	}
	return nil
}

// directive stands for an open %{ if } or %{ for } in CheckNesting's stack;
// it is no token type HCL has.
const directive hclsyntax.TokenType = -1

// keywordAfter is the identifier that follows the token at i, skipping a
// strip marker (%{~ if ...}).
func keywordAfter(tokens hclsyntax.Tokens, i int) string {
	for _, t := range tokens[i+1:] {
		switch t.Type {
		case hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenEOF:
			return ""
		case hclsyntax.TokenIdent:
			return string(t.Bytes)
		}
	}
	return ""
}

// Evaluation is given a budget, so that no expression can make the loader
// work for minutes or fill the memory: three for-expressions over
// range(200) nested took 31 s and 3.8 GB before. The budget is counted, not
// timed, so the same file is refused the same way on any machine; the time
// limit is only a backstop. One budget covers the loading of a scenario,
// its validation for sample teams included, and one each team's plan.
const (
	// MaxEvalElements bounds the values a budget produces: for-expression
	// iterations and the elements of what they and functions return.
	MaxEvalElements = 100_000
	// MaxEvalBytes bounds the text a budget produces: strings that
	// functions return, for-expressions produce and templates join.
	MaxEvalBytes = 64 << 20
	// MaxEvalTime bounds a budget's time.
	MaxEvalTime = 3 * time.Second
)

const (
	summaryCost      = "Expression too costly"
	summaryBigNumber = "Number too large"
)

// budget is what one evaluation pass may still spend. Once spent, every
// for-expression and function it guards gives unknown values at once, so
// the evaluation ends quickly (HCL goes on iterating a for-expression after
// an error, so an error alone would not stop it), and the expression that
// noticed reports the one diagnostic.
type budget struct {
	elements, bytes int64
	deadline        time.Time
	// why is what was exceeded, "" while there is budget left; at is where,
	// when it is known.
	why  string
	at   *hcl.Range
	diag *hcl.Diagnostic
}

func newBudget() *budget {
	return &budget{elements: MaxEvalElements, bytes: MaxEvalBytes, deadline: time.Now().Add(MaxEvalTime)}
}

func (b *budget) spent() bool { return b.why != "" }

func (b *budget) stop(why string, at *hcl.Range) {
	if b.why == "" {
		b.why, b.at = why, at
	}
}

// charge takes elements and bytes from the budget; it is false when they
// were not there, or the time is up.
func (b *budget) charge(elements, bytes int64, at *hcl.Range) bool {
	if b.spent() {
		return false
	}
	b.elements -= elements
	b.bytes -= bytes
	switch {
	case b.elements < 0:
		b.stop(fmt.Sprintf("It would produce more than %d values", MaxEvalElements), at)
	case b.bytes < 0:
		b.stop(fmt.Sprintf("It would produce more than %d MiB of text", MaxEvalBytes>>20), at)
	case time.Now().After(b.deadline):
		b.stop(fmt.Sprintf("Evaluating it took more than %s", MaxEvalTime), at)
	}
	return !b.spent()
}

// chargeValue charges what v holds, every element and every string's
// bytes, and checks its numbers. It stops counting once v is over budget, so
// counting costs no more than the budget.
func (b *budget) chargeValue(v cty.Value, at *hcl.Range) bool {
	var elements, bytes int64
	over := func() bool { return elements > b.elements || bytes > b.bytes }
	var walk func(v cty.Value) bool
	walk = func(v cty.Value) bool {
		v, _ = v.Unmark()
		if !v.IsKnown() || v.IsNull() {
			return true
		}
		ty := v.Type()
		switch {
		case ty == cty.String:
			bytes += int64(len(v.AsString()))
		case ty == cty.Number:
			if !numberInRange(v) {
				b.stop(bigNumberDetail, at)
				return false
			}
		case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				elements++
				if ty.IsMapType() || ty.IsObjectType() {
					k, _ = k.Unmark()
					bytes += int64(len(k.AsString()))
				}
				if over() || !walk(e) {
					return false
				}
			}
		}
		return !over()
	}
	walk(v)
	if b.spent() {
		return false
	}
	return b.charge(elements+1, bytes, at)
}

const bigNumberDetail = "It holds a number beyond ±1.8e308 or too close to zero, which Cordillera cannot use and would take minutes to write out as text"

// numberInRange reports whether a number is one a float64 holds: larger
// ones, and ones too close to zero, take minutes to write out as text
// (1e60000000 has sixty million digits), and no attribute needs them.
func numberInRange(v cty.Value) bool {
	if !v.IsKnown() || v.IsNull() {
		return true // a literal HCL could not read is unknown; it says why itself
	}
	bf := v.AsBigFloat()
	if bf.IsInf() {
		return false
	}
	if bf.Sign() == 0 {
		return true
	}
	exp := bf.MantExp(nil)
	return exp <= 1024 && exp >= -1074
}

// diagnostic is the one error that says the budget was spent, at the place
// it was spent if known, or at rng. It is the same diagnostic each time it
// is asked for, so that passes can drop repeats (see dedupe).
func (b *budget) diagnostic(rng hcl.Range) *hcl.Diagnostic {
	if b.diag != nil {
		return b.diag
	}
	if b.at != nil {
		rng = *b.at
	}
	summary, detail := summaryCost, fmt.Sprintf("%s. Cordillera stops evaluating a scenario at %d values, %d MiB of text or %s, so that no file can make it work for minutes or fill its memory. Write the value out, or make it smaller: iterate over fewer elements, nest fewer for-expressions.",
		b.why, MaxEvalElements, MaxEvalBytes>>20, MaxEvalTime)
	if b.why == bigNumberDetail {
		summary, detail = summaryBigNumber, b.why+". Write a number within that range."
	}
	b.diag = errorAt(rng, summary, detail)
	return b.diag
}

// dedupe drops repeats of one diagnostic, which a spent budget gives to
// every expression evaluated after it.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[*hcl.Diagnostic]bool{}
	out := diags[:0:0]
	for _, d := range diags {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// The guards are found in the evaluation context as functions whose names
// no file can write, since they are no identifiers.
const (
	costFuncName   = "%cost"
	budgetFuncName = "%budget"
)

var (
	budgetCapsule = cty.Capsule("budget", reflect.TypeOf(budget{}))
	rangeCapsule  = cty.Capsule("range", reflect.TypeOf(hcl.Range{}))
)

// addBudget binds b in ctx: the cost guard that guarded expressions call
// (see guardExpressions), every function wrapped to charge what it returns,
// and a way for evaluators to find b again (budgetOf).
func addBudget(ctx *hcl.EvalContext, b *budget) {
	for name, f := range ctx.Functions {
		ctx.Functions[name] = b.guardFunction(name, f)
	}
	ctx.Functions[budgetFuncName] = function.New(&function.Spec{
		Type: function.StaticReturnType(budgetCapsule),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) { return cty.CapsuleVal(budgetCapsule, b), nil },
	})
	ctx.Functions[costFuncName] = function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowDynamicType: true, AllowMarked: true},
			{Name: "at", Type: rangeCapsule},
		},
		Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
			at := args[1].EncapsulatedValue().(*hcl.Range)
			if !b.chargeValue(args[0], at) {
				return cty.UnknownVal(ty), nil
			}
			return args[0], nil
		},
	})
}

// budgetOf is the budget bound in ctx, or nil.
func budgetOf(ctx *hcl.EvalContext) *budget {
	for c := ctx; c != nil; c = c.Parent() {
		if f, ok := c.Functions[budgetFuncName]; ok {
			v, err := f.Call(nil)
			if err != nil {
				return nil
			}
			return v.EncapsulatedValue().(*budget)
		}
	}
	return nil
}

// spentDiagnostic is the budget's diagnostic when the evaluation of expr
// in ctx ran out of it, or nil.
func spentDiagnostic(ctx *hcl.EvalContext, expr hcl.Expression) *hcl.Diagnostic {
	if b := budgetOf(ctx); b != nil && b.spent() {
		return b.diagnostic(expr.Range())
	}
	return nil
}

// guardFunction wraps f so that it charges the budget for what it returns,
// returns unknown at once when the budget is spent, and refuses beforehand
// what would cost too much to compute at all.
func (b *budget) guardFunction(name string, f function.Function) function.Function {
	open := func(p function.Parameter) function.Parameter {
		return function.Parameter{Name: p.Name, Description: p.Description, Type: cty.DynamicPseudoType,
			AllowUnknown: true, AllowNull: true, AllowDynamicType: true, AllowMarked: true}
	}
	var params []function.Parameter
	for _, p := range f.Params() {
		params = append(params, open(p))
	}
	var varParam *function.Parameter
	if vp := f.VarParam(); vp != nil {
		p := open(*vp)
		varParam = &p
	}
	// HCL converts arguments to a function's parameter types before it
	// calls it, and the wrapper's parameters take anything, so the wrapper
	// converts them for f, as HCL would have.
	convertArgs := func(args []cty.Value) ([]cty.Value, error) {
		out := make([]cty.Value, len(args))
		for i, a := range args {
			var p *function.Parameter
			if ps := f.Params(); i < len(ps) {
				p = &ps[i]
			} else {
				p = f.VarParam()
			}
			out[i] = a
			if p == nil || p.Type == cty.DynamicPseudoType {
				continue
			}
			v, err := convert.Convert(a, p.Type)
			if err != nil {
				return nil, function.NewArgError(i, err)
			}
			out[i] = v
		}
		return out, nil
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      params,
		VarParam:    varParam,
		Type: func(args []cty.Value) (cty.Type, error) {
			args, err := convertArgs(args)
			if err != nil {
				return cty.NilType, err
			}
			// Some functions work out their type from their arguments
			// (jsondecode decodes its text), so the refusals come first.
			if err := refuseBeforeCall(name, args); err != nil {
				return cty.NilType, err
			}
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
			if b.spent() {
				return cty.UnknownVal(ty), nil
			}
			args, err := convertArgs(args)
			if err != nil {
				return cty.NilVal, err
			}
			if err := b.beforeCall(name, args); err != nil {
				return cty.NilVal, err
			}
			if b.spent() {
				return cty.UnknownVal(ty), nil
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			if !b.chargeValue(v, nil) {
				return cty.UnknownVal(ty), nil
			}
			return v, nil
		},
	})
}

// beforeCall charges, before they run, the functions whose result can be
// far larger than their arguments, so that they are not asked to build it:
// indent(1000000000, s), join(big, range(4096)), replace(s, "", big),
// format("%[1]s%[1]s...", big), and jsondecode of text nested too deep for
// the decoder's recursion.
func (b *budget) beforeCall(name string, args []cty.Value) error {
	str := func(i int) string {
		if i < len(args) {
			if v, err := convert.Convert(args[i], cty.String); err == nil && v.IsWhollyKnown() && !v.IsNull() && !v.IsMarked() {
				return v.AsString()
			}
		}
		return ""
	}
	count := func(v cty.Value) int64 {
		if v.IsKnown() && !v.IsNull() && !v.IsMarked() && v.CanIterateElements() {
			return int64(v.LengthInt())
		}
		return 0
	}
	var bytes int64
	switch name {
	case "indent":
		if v, err := convert.Convert(args[0], cty.Number); err == nil && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			n, _ := v.AsBigFloat().Float64()
			s := str(1)
			bytes = int64(len(s)) + int64(math.Min(math.Max(n, 0), math.MaxInt32))*int64(strings.Count(s, "\n")+1)
		}
	case "join":
		var n int64
		for _, a := range args[1:] {
			n += count(a)
			bytes += textSize(a, b.bytes+1)
		}
		bytes += n * int64(len(str(0)))
	case "replace":
		s, sub, repl := str(0), str(1), str(2)
		m := int64(strings.Count(s, sub))
		if len(sub) > 1 && sub[0] == '/' && sub[len(sub)-1] == '/' {
			m = int64(len(s) + 1)
		}
		bytes = int64(len(s)) + m*int64(len(repl)+strings.Count(repl, "$")*len(s))
	case "format", "formatlist":
		var n, widest int64 = 1, 0
		for _, a := range args[1:] {
			if c := count(a); name == "formatlist" && c > 0 {
				// formatlist formats one element of each list at a time.
				n = max(n, c)
				for it := a.ElementIterator(); it.Next(); {
					_, e := it.Element()
					widest = max(widest, textSize(e, b.bytes+1))
				}
				continue
			}
			widest = max(widest, textSize(a, b.bytes+1))
		}
		f := str(0)
		bytes = n * (int64(len(f)) + int64(strings.Count(f, "%"))*widest)
	}
	b.charge(0, bytes, nil)
	return nil
}

// refuseBeforeCall refuses arguments that a function could not even take a
// look at cheaply.
func refuseBeforeCall(name string, args []cty.Value) error {
	if name != "jsondecode" || len(args) == 0 {
		return nil
	}
	v, _ := args[0].Unmark()
	if v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
		return nil
	}
	if depth := jsonDepth(v.AsString()); depth > MaxNesting {
		return function.NewArgErrorf(0, "the JSON text nests %d levels deep, more than the %d Cordillera reads; write it flatter", depth, MaxNesting)
	}
	return nil
}

// textSize is about how much text v holds, counting no further than limit.
func textSize(v cty.Value, limit int64) int64 {
	var n int64
	var walk func(v cty.Value)
	walk = func(v cty.Value) {
		v, _ = v.Unmark()
		switch {
		case n > limit || !v.IsKnown() || v.IsNull():
		case v.Type() == cty.String:
			n += int64(len(v.AsString()))
		case v.Type() == cty.Number || v.Type() == cty.Bool:
			n += 24
		case v.CanIterateElements():
			for it := v.ElementIterator(); it.Next() && n <= limit; {
				_, e := it.Element()
				walk(e)
			}
		}
	}
	walk(v)
	return n
}

// jsonDepth is how deep JSON text nests its arrays and objects.
func jsonDepth(s string) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// guardExpressions prepares a parsed file for evaluation under a budget.
// It refuses numbers no attribute can use, and makes every for-expression
// and template charge the budget as it goes, by wrapping their parts in a
// call to the cost guard (hclsyntax's fields are exported, its expression
// interface is not, so a call is the wrapper there can be): each iteration
// is charged by its condition, which gives unknown once the budget is
// spent, so HCL skips the rest of the iteration; the collection is charged
// too, so inner for-expressions end at once; the value and each template
// part are charged for what they hold. Files are guarded once: the parser
// hands back the same file when it is asked for it again.
func guardExpressions(body *hclsyntax.Body) hcl.Diagnostics {
	wrap := func(e hclsyntax.Expression) hclsyntax.Expression {
		if c, ok := e.(*hclsyntax.FunctionCallExpr); ok && c.Name == costFuncName {
			return e
		}
		rng := e.Range()
		return &hclsyntax.FunctionCallExpr{
			Name:      costFuncName,
			Args:      []hclsyntax.Expression{e, &hclsyntax.LiteralValueExpr{Val: cty.CapsuleVal(rangeCapsule, &rng), SrcRange: rng}},
			NameRange: rng, OpenParenRange: rng, CloseParenRange: rng,
		}
	}
	var diags hcl.Diagnostics
	// The nesting is bounded before parsing, so this walk's recursion is.
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.LiteralValueExpr:
			if e.Val.Type() == cty.Number && !e.Val.IsNull() && !numberInRange(e.Val) {
				diags = append(diags, errorAt(e.SrcRange, summaryBigNumber, bigNumberDetail+". Write a number within that range."))
			}
		case *hclsyntax.ForExpr:
			e.CollExpr = wrap(e.CollExpr)
			if e.CondExpr == nil {
				e.CondExpr = &hclsyntax.LiteralValueExpr{Val: cty.True, SrcRange: e.ValExpr.Range()}
			}
			e.CondExpr = wrap(e.CondExpr)
			e.ValExpr = wrap(e.ValExpr)
			if e.KeyExpr != nil {
				e.KeyExpr = wrap(e.KeyExpr)
			}
		case *hclsyntax.TemplateExpr:
			for i, p := range e.Parts {
				if _, literal := p.(*hclsyntax.LiteralValueExpr); !literal {
					e.Parts[i] = wrap(p)
				}
			}
		}
		return nil
	})
	return diags
}
