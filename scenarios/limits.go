package scenarios

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
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
