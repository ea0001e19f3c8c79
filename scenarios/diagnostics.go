package scenarios

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostic is a diagnostic in the form editors, CI and the web interface
// read: JSON-friendly, with 1-based lines and columns.
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	EndLine  int    `json:"end_line,omitempty"`
	EndCol   int    `json:"end_column,omitempty"`
}

// Diagnostics converts HCL diagnostics, sorted by file and position.
func Diagnostics(diags hcl.Diagnostics) []Diagnostic {
	out := make([]Diagnostic, 0, len(diags))
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		jd := Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail}
		if d.Subject != nil {
			jd.File = d.Subject.Filename
			jd.Line, jd.Column = d.Subject.Start.Line, d.Subject.Start.Column
			jd.EndLine, jd.EndCol = d.Subject.End.Line, d.Subject.End.Column
		}
		out = append(out, jd)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// SortDiagnostics orders diagnostics by file and position, so that a user
// reads them top to bottom.
func SortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

// WriteDiagnostics renders diagnostics for a terminal: each with its
// file:line:col, the line of source it points at with the place underlined,
// and how to fix it.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	SortDiagnostics(diags)
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	for _, d := range diags {
		label := paint("1;31", "error")
		if d.Severity == hcl.DiagWarning {
			label = paint("1;33", "warning")
		}
		fmt.Fprintf(&b, "%s: %s\n", label, paint("1", d.Summary))
		if r := d.Subject; r != nil {
			fmt.Fprintf(&b, "  --> %s:%d:%d\n", r.Filename, r.Start.Line, r.Start.Column)
			if line, ok := sourceLine(files[r.Filename], r.Start.Line); ok {
				width := len(strconv.Itoa(r.Start.Line))
				pad := strings.Repeat(" ", width)
				end := r.End.Column
				if r.End.Line != r.Start.Line || end <= r.Start.Column {
					end = utf8.RuneCountInString(line) + 1
				}
				marks := max(1, end-r.Start.Column)
				fmt.Fprintf(&b, "  %s |\n", pad)
				fmt.Fprintf(&b, "  %d | %s\n", r.Start.Line, expandTabs(line))
				fmt.Fprintf(&b, "  %s | %s%s\n", pad, strings.Repeat(" ", max(0, r.Start.Column-1)), paint("1;31", strings.Repeat("^", marks)))
			}
		}
		if d.Detail != "" {
			for _, l := range strings.Split(d.Detail, "\n") {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sourceLine returns line n (from 1) of a parsed file.
func sourceLine(f *hcl.File, n int) (string, bool) {
	if f == nil || n < 1 {
		return "", false
	}
	lines := strings.Split(string(f.Bytes), "\n")
	if n > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[n-1], "\r"), true
}

// expandTabs keeps the underline aligned: HCL counts a tab as one column.
func expandTabs(s string) string {
	return strings.ReplaceAll(s, "\t", " ")
}
