package scoreboard

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// This file makes ATT&CK Navigator layers of an exercise: for every
// technique the attacks used, how many of their runs each team blocked,
// detected (a report credited with the run) or let through undetected.
// Everything is read from what is recorded; the techniques of attacks that
// never ran come from the caller, since the store does not know scenarios.
//
// Counting. Every attack run counts once for each technique of its attack
// (a sub-technique such as T1059.004 is its own technique, not its
// parent's). A run whose verdict is blocked counts as blocked, whether or
// not a report also detected it (BlockedReported says how many were); a run
// that succeeded counts as detected when a report of its team was matched
// to it (by the rules or by hand), otherwise as undetected. Blocked,
// Detected and Undetected add up to Runs. Runs that could not run (not
// applicable) and executions with no run (skipped, missed, interrupted,
// waiting or running) are counted apart and score nothing.
//
// Score and color. A technique's score is the share of its runs that
// succeeded undetected, in percent (0: every run was blocked or detected;
// 100: none was). Its color is its worst outcome: red when any run succeeded
// undetected, else yellow when any succeeded and was detected, else green
// (every run blocked); grey when no run of it was scored.

// Outcome classes of a technique, worst last.
const (
	TechniqueNotScored  = "not_scored"
	TechniqueBlocked    = "blocked"
	TechniqueDetected   = "detected"
	TechniqueUndetected = "undetected"
)

// Colors of the outcome classes, and the score gradient's.
const (
	ColorBlocked    = "#1a9850"
	ColorDetected   = "#fee08b"
	ColorUndetected = "#d73027"
	ColorNotScored  = "#bdbdbd"
)

// Layer format versions written.
const (
	NavigatorVersion = "5.1.0"
	LayerVersion     = "4.5"
)

// TechniqueCounts counts runs of attacks using one technique.
type TechniqueCounts struct {
	// Runs are the scored runs: Blocked + Detected + Undetected.
	Runs       int `json:"runs"`
	Blocked    int `json:"blocked"`
	Detected   int `json:"detected"`
	Undetected int `json:"undetected"`
	// BlockedReported are blocked runs a report was also matched to
	// (counted in Blocked).
	BlockedReported int `json:"blocked_reported"`
	// NotApplicable are runs that could not run; NotRun executions that
	// have no run (skipped, missed, interrupted, not yet run). Neither is
	// in Runs.
	NotApplicable int `json:"not_applicable"`
	NotRun        int `json:"not_run"`
}

// Add adds o's counts to c.
func (c *TechniqueCounts) Add(o TechniqueCounts) {
	c.Runs += o.Runs
	c.Blocked += o.Blocked
	c.Detected += o.Detected
	c.Undetected += o.Undetected
	c.BlockedReported += o.BlockedReported
	c.NotApplicable += o.NotApplicable
	c.NotRun += o.NotRun
}

// Score is the share of runs that succeeded undetected, in percent rounded
// to two decimals; ok is false when no run was scored.
func (c TechniqueCounts) Score() (score float64, ok bool) {
	if c.Runs == 0 {
		return 0, false
	}
	return round2(100 * float64(c.Undetected) / float64(c.Runs)), true
}

// Outcome is the worst outcome of the runs: one of the Technique* classes.
func (c TechniqueCounts) Outcome() string {
	switch {
	case c.Undetected > 0:
		return TechniqueUndetected
	case c.Detected > 0:
		return TechniqueDetected
	case c.Blocked > 0:
		return TechniqueBlocked
	}
	return TechniqueNotScored
}

// Color is the color of the worst outcome.
func (c TechniqueCounts) Color() string { return OutcomeColor(c.Outcome()) }

// OutcomeColor is the color of an outcome class.
func OutcomeColor(outcome string) string {
	switch outcome {
	case TechniqueUndetected:
		return ColorUndetected
	case TechniqueDetected:
		return ColorDetected
	case TechniqueBlocked:
		return ColorBlocked
	}
	return ColorNotScored
}

// Comment says the counts in words: "3 runs: 1 blocked, 1 detected, 1
// undetected", then what was not scored.
func (c TechniqueCounts) Comment() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: %d blocked, %d detected, %d undetected", c.Runs, plural(c.Runs, "run", "runs"), c.Blocked, c.Detected, c.Undetected)
	var extra []string
	if c.BlockedReported > 0 {
		extra = append(extra, fmt.Sprintf("%d blocked %s also reported", c.BlockedReported, plural(c.BlockedReported, "run", "runs")))
	}
	if c.NotApplicable > 0 {
		extra = append(extra, fmt.Sprintf("%d not applicable", c.NotApplicable))
	}
	if c.NotRun > 0 {
		extra = append(extra, fmt.Sprintf("%d not run", c.NotRun))
	}
	if len(extra) > 0 {
		b.WriteString("; " + strings.Join(extra, ", "))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// TechniqueOutcome is what became of one technique against one team.
type TechniqueOutcome struct {
	Team, Country string
	Technique     string
	// Attacks are the attacks that used the technique against the team,
	// in name order.
	Attacks []string
	TechniqueCounts
}

// OutcomeInput is the recorded data technique outcomes are counted from.
type OutcomeInput struct {
	// Teams name each team's country; a run or execution of a team not
	// among them has no country.
	Teams []Team
	// Runs are the scored attack runs; Detections the reports matched to
	// them.
	Runs       []AttackRun
	Detections []Detection
	// Executions are the engine's; those whose run is among Runs are
	// counted through it, the others as not run.
	Executions []Execution
	// Techniques are each attack's technique IDs, as the scenario gives
	// them. A run's own recorded techniques come first; this fills in for
	// runs that recorded none and for executions with no run.
	Techniques map[string][]string
}

// TechniqueOutcomesOf counts, for every team and technique, its runs by
// outcome, ordered by team, then technique.
func TechniqueOutcomesOf(in OutcomeInput) []TechniqueOutcome {
	country := make(map[string]string, len(in.Teams))
	for _, t := range in.Teams {
		country[t.ID] = t.Country
	}
	detected := make(map[string]bool, len(in.Detections))
	for _, d := range in.Detections {
		detected[d.Team+"\x00"+d.Run] = true
	}
	type key struct{ team, technique string }
	outcomes := map[key]*TechniqueOutcome{}
	count := func(team, attack string, recorded []string, c TechniqueCounts) {
		ids := techniques(recorded)
		if len(ids) == 0 {
			ids = techniques(in.Techniques[attack])
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			o := outcomes[key{team, id}]
			if o == nil {
				o = &TechniqueOutcome{Team: team, Country: country[team], Technique: id}
				outcomes[key{team, id}] = o
			}
			if !slices.Contains(o.Attacks, attack) {
				o.Attacks = append(o.Attacks, attack)
			}
			o.Add(c)
		}
	}
	runs := make(map[string]bool, len(in.Runs))
	for _, r := range in.Runs {
		runs[r.Team+"\x00"+r.ID] = true
		var c TechniqueCounts
		reported := detected[r.Team+"\x00"+r.ID]
		switch r.Verdict {
		case VerdictBlocked:
			c.Runs, c.Blocked = 1, 1
			if reported {
				c.BlockedReported = 1
			}
		case VerdictSucceeded:
			c.Runs = 1
			if reported {
				c.Detected = 1
			} else {
				c.Undetected = 1
			}
		default:
			c.NotApplicable = 1
		}
		count(r.Team, r.Attack, r.Techniques, c)
	}
	for _, e := range in.Executions {
		if e.Run != "" && runs[e.Team+"\x00"+e.Run] {
			continue
		}
		if e.State == ExecDone && (e.Outcome == OutcomeNotApplicable || e.Outcome == OutcomeError) {
			// Done, but its verdict never reached the ledger: it could not
			// run.
			count(e.Team, e.Attack, nil, TechniqueCounts{NotApplicable: 1})
			continue
		}
		count(e.Team, e.Attack, nil, TechniqueCounts{NotRun: 1})
	}
	out := make([]TechniqueOutcome, 0, len(outcomes))
	for _, o := range outcomes {
		slices.Sort(o.Attacks)
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b TechniqueOutcome) int {
		return cmp.Or(cmp.Compare(a.Team, b.Team), compareTechniques(a.Technique, b.Technique))
	})
	return out
}

// compareTechniques orders technique IDs, a parent before its
// sub-techniques.
func compareTechniques(a, b string) int { return cmp.Compare(a, b) }

// TechniqueOutcomes reads an exercise's technique outcomes per team (see
// TechniqueOutcomesOf). techniques gives each attack's technique IDs, for
// executions that never ran; it may be nil. It reads everything recorded,
// as instructors see it, whether revealed to the teams or not.
func (s *Store) TechniqueOutcomes(ctx context.Context, exercise string, techniques map[string][]string) ([]TechniqueOutcome, error) {
	out, _, err := s.techniqueOutcomes(ctx, exercise, techniques)
	return out, err
}

func (s *Store) techniqueOutcomes(ctx context.Context, exercise string, techniques map[string][]string) ([]TechniqueOutcome, []Team, error) {
	ev, err := s.Evidence(ctx, exercise)
	if err != nil {
		return nil, nil, err
	}
	execs, err := s.Executions(ctx, exercise)
	if err != nil {
		return nil, nil, err
	}
	return TechniqueOutcomesOf(OutcomeInput{
		Teams: ev.Teams, Runs: ev.Runs, Detections: detections(ev), Executions: execs, Techniques: techniques,
	}), ev.Teams, nil
}

// LayerScope is whose outcomes a layer shows: one team's (Team set), one
// country's teams' (Country set) or, with neither, the whole exercise's.
type LayerScope struct {
	Team    string
	Country string
}

// Includes says whether an outcome is of the scope.
func (sc LayerScope) Includes(o TechniqueOutcome) bool {
	switch {
	case sc.Team != "":
		return o.Team == sc.Team
	case sc.Country != "":
		return strings.EqualFold(o.Country, sc.Country)
	}
	return true
}

// TechniqueSummary is one technique's outcomes over a scope's teams.
type TechniqueSummary struct {
	Technique string
	Name      string // from the built-in table; "" when it does not know it
	// Tactics are its tactics' shortnames in kill-chain order; none when
	// unknown.
	Tactics []string
	Domain  string
	Attacks []string // in name order
	Teams   []string // the teams it was used against, in id order
	TechniqueCounts
}

// Summarize adds up the outcomes of a scope's teams per technique, in
// technique order.
func Summarize(outcomes []TechniqueOutcome, scope LayerScope) []TechniqueSummary {
	byID := map[string]*TechniqueSummary{}
	for _, o := range outcomes {
		if !scope.Includes(o) {
			continue
		}
		s := byID[o.Technique]
		if s == nil {
			info, _ := LookupTechnique(o.Technique)
			s = &TechniqueSummary{Technique: o.Technique, Name: info.Name, Tactics: info.Tactics, Domain: info.Domain}
			byID[o.Technique] = s
		}
		s.Add(o.TechniqueCounts)
		for _, a := range o.Attacks {
			if !slices.Contains(s.Attacks, a) {
				s.Attacks = append(s.Attacks, a)
			}
		}
		if !slices.Contains(s.Teams, o.Team) {
			s.Teams = append(s.Teams, o.Team)
		}
	}
	out := make([]TechniqueSummary, 0, len(byID))
	for _, id := range slices.SortedFunc(maps.Keys(byID), compareTechniques) {
		s := byID[id]
		slices.Sort(s.Attacks)
		slices.Sort(s.Teams)
		out = append(out, *s)
	}
	return out
}

// NavigatorLayer is an ATT&CK Navigator layer file (layer format 4.5).
type NavigatorLayer struct {
	Name                          string           `json:"name"`
	Versions                      LayerVersions    `json:"versions"`
	Domain                        string           `json:"domain"`
	Description                   string           `json:"description"`
	Sorting                       int              `json:"sorting"`
	Layout                        LayerLayout      `json:"layout"`
	HideDisabled                  bool             `json:"hideDisabled"`
	Techniques                    []LayerTechnique `json:"techniques"`
	Gradient                      LayerGradient    `json:"gradient"`
	LegendItems                   []LegendItem     `json:"legendItems"`
	Metadata                      []LayerMetadata  `json:"metadata"`
	ShowTacticRowBackground       bool             `json:"showTacticRowBackground"`
	TacticRowBackground           string           `json:"tacticRowBackground"`
	SelectTechniquesAcrossTactics bool             `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool             `json:"selectSubtechniquesWithParent"`
	SelectVisibleTechniques       bool             `json:"selectVisibleTechniques"`
}

// LayerVersions are the ATT&CK, Navigator and layer format versions.
type LayerVersions struct {
	ATTACK    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// LayerLayout is how the Navigator lays the matrix out.
type LayerLayout struct {
	Layout                string `json:"layout"`
	AggregateFunction     string `json:"aggregateFunction"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ShowAggregateScores   bool   `json:"showAggregateScores"`
	CountUnscored         bool   `json:"countUnscored"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// LayerTechnique is one technique's entry (one per tactic it belongs to,
// as the Navigator itself writes them).
type LayerTechnique struct {
	TechniqueID string `json:"techniqueID"`
	// Tactic is left out when the technique's tactic is unknown: the
	// Navigator then applies the entry to every tactic.
	Tactic string `json:"tactic,omitempty"`
	// Score is left out when no run of the technique was scored.
	Score             *float64        `json:"score,omitempty"`
	Color             string          `json:"color"`
	Comment           string          `json:"comment"`
	Enabled           bool            `json:"enabled"`
	Metadata          []LayerMetadata `json:"metadata"`
	ShowSubtechniques bool            `json:"showSubtechniques"`
}

// LayerMetadata is a name and a value.
type LayerMetadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// LayerGradient maps scores to colors where an entry has no color.
type LayerGradient struct {
	Colors   []string `json:"colors"`
	MinValue float64  `json:"minValue"`
	MaxValue float64  `json:"maxValue"`
}

// LegendItem is one line of the layer's legend.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// LayerInput is what a layer is made of.
type LayerInput struct {
	Name        string
	Description string
	// Domain is DomainEnterprise (the default) or DomainICS: techniques
	// of the other domain are left out, and the description names them.
	Domain     string
	Techniques []TechniqueSummary
}

// Layer makes a Navigator layer of technique summaries, with the score and
// colors described at the top of this file. Technique IDs that are not
// ATT&CK IDs are left out, and the description names them.
func Layer(in LayerInput) NavigatorLayer {
	domain := cmp.Or(in.Domain, DomainEnterprise)
	l := NavigatorLayer{
		Name:        cmp.Or(in.Name, "Cordillera"),
		Versions:    LayerVersions{ATTACK: ATTACKVersion, Navigator: NavigatorVersion, Layer: LayerVersion},
		Domain:      domain,
		Description: in.Description,
		Layout: LayerLayout{Layout: "side", AggregateFunction: "average", ShowID: true, ShowName: true,
			ExpandedSubtechniques: "annotated"},
		Techniques: []LayerTechnique{},
		Gradient:   LayerGradient{Colors: []string{ColorBlocked, ColorDetected, ColorUndetected}, MinValue: 0, MaxValue: 100},
		LegendItems: []LegendItem{
			{Label: "every run blocked", Color: ColorBlocked},
			{Label: "got through, detected", Color: ColorDetected},
			{Label: "got through undetected", Color: ColorUndetected},
			{Label: "not scored (not run or not applicable)", Color: ColorNotScored},
		},
		Metadata:                      []LayerMetadata{{Name: "score", Value: "percent of runs that succeeded undetected"}},
		TacticRowBackground:           "#dddddd",
		SelectTechniquesAcrossTactics: true,
	}
	var elsewhere, invalid []string
	for _, t := range in.Techniques {
		switch {
		case !ValidTechniqueID(t.Technique):
			invalid = append(invalid, t.Technique)
			continue
		case cmp.Or(t.Domain, TechniqueDomain(t.Technique)) != domain:
			elsewhere = append(elsewhere, t.Technique)
			continue
		}
		entry := LayerTechnique{
			TechniqueID: t.Technique, Color: t.Color(), Comment: t.Comment(), Enabled: true, Metadata: techniqueMetadata(t),
		}
		if score, ok := t.Score(); ok {
			entry.Score = &score
		}
		tactics := t.Tactics
		if len(tactics) == 0 {
			tactics = []string{""}
		}
		for _, tactic := range tactics {
			e := entry
			e.Tactic = tactic
			e.Metadata = slices.Clone(entry.Metadata)
			l.Techniques = append(l.Techniques, e)
		}
	}
	// A parent used beside its sub-techniques shows them expanded.
	used := map[string]bool{}
	for _, e := range l.Techniques {
		used[e.TechniqueID] = true
	}
	for i, e := range l.Techniques {
		for id := range used {
			if strings.HasPrefix(id, e.TechniqueID+".") {
				l.Techniques[i].ShowSubtechniques = true
			}
		}
	}
	var notes []string
	if l.Description == "" {
		notes = append(notes, "Techniques of Cordillera's attack runs.")
	}
	notes = append(notes, fmt.Sprintf("%d %s.", len(used), plural(len(used), "technique", "techniques")),
		"Score: percent of a technique's runs that succeeded undetected. Color: its worst outcome (green: every run blocked; yellow: got through, detected; red: got through undetected; grey: not scored).")
	if len(elsewhere) > 0 {
		notes = append(notes, fmt.Sprintf("Also used, in another ATT&CK domain: %s.", strings.Join(elsewhere, ", ")))
	}
	if len(invalid) > 0 {
		notes = append(notes, fmt.Sprintf("Not ATT&CK technique IDs, left out: %s.", strings.Join(invalid, ", ")))
	}
	l.Description = strings.TrimSpace(l.Description + " " + strings.Join(notes, " "))
	return l
}

func techniqueMetadata(t TechniqueSummary) []LayerMetadata {
	md := []LayerMetadata{
		{Name: "runs", Value: itoa(t.Runs)},
		{Name: "blocked", Value: itoa(t.Blocked)},
		{Name: "detected", Value: itoa(t.Detected)},
		{Name: "undetected", Value: itoa(t.Undetected)},
		{Name: "blocked_reported", Value: itoa(t.BlockedReported)},
		{Name: "not_applicable", Value: itoa(t.NotApplicable)},
		{Name: "not_run", Value: itoa(t.NotRun)},
		{Name: "outcome", Value: t.Outcome()},
	}
	if len(t.Attacks) > 0 {
		md = append(md, LayerMetadata{Name: "attacks", Value: strings.Join(t.Attacks, ", ")})
	}
	if len(t.Teams) > 0 {
		md = append(md, LayerMetadata{Name: "teams", Value: strings.Join(t.Teams, ", ")})
	}
	return md
}

// WriteNavigatorLayer writes a layer as the Navigator opens it.
func WriteNavigatorLayer(w io.Writer, l NavigatorLayer) error { return writeJSON(w, l) }

// NavigatorLayer reads an exercise's outcomes and makes the layer of a
// scope in a domain ("" for enterprise). techniques gives each attack's
// technique IDs (see TechniqueOutcomes); a scope's unknown team or country
// is ErrNotFound.
func (s *Store) NavigatorLayer(ctx context.Context, exercise string, scope LayerScope, domain string, techniques map[string][]string) (NavigatorLayer, error) {
	outcomes, teams, err := s.techniqueOutcomes(ctx, exercise, techniques)
	if err != nil {
		return NavigatorLayer{}, err
	}
	name, err := scopeName(exercise, scope, teams)
	if err != nil {
		return NavigatorLayer{}, err
	}
	return Layer(LayerInput{
		Name: name, Domain: domain, Techniques: Summarize(outcomes, scope),
		Description: fmt.Sprintf("Cordillera exercise %s: what became of each ATT&CK technique its attacks used (%s).", exercise, scopeWords(scope)),
	}), nil
}

func scopeName(exercise string, scope LayerScope, teams []Team) (string, error) {
	switch {
	case scope.Team != "":
		for _, t := range teams {
			if t.ID == scope.Team {
				return fmt.Sprintf("%s: %s (%s)", exercise, cmp.Or(t.Name, t.ID), t.Country), nil
			}
		}
		return "", fmt.Errorf("team %q of exercise %q: %w", scope.Team, exercise, ErrNotFound)
	case scope.Country != "":
		for _, t := range teams {
			if strings.EqualFold(t.Country, scope.Country) {
				return fmt.Sprintf("%s: %s", exercise, strings.ToUpper(scope.Country)), nil
			}
		}
		return "", fmt.Errorf("country %q in exercise %q: %w", scope.Country, exercise, ErrNotFound)
	}
	return exercise, nil
}

func scopeWords(scope LayerScope) string {
	switch {
	case scope.Team != "":
		return "team " + scope.Team
	case scope.Country != "":
		return "the teams of " + strings.ToUpper(scope.Country)
	}
	return "every team"
}

// TechniqueGrid arranges technique summaries as a heat grid: tactics as
// columns in kill-chain order, techniques as cells.
type TechniqueGrid struct {
	Columns []GridColumn
}

// GridColumn is one tactic and its techniques, in technique order. The
// enterprise tactics are always there, then the ICS ones that have a
// technique, then, when some technique's tactic is unknown, a column with
// an empty Tactic.
type GridColumn struct {
	Tactic
	Cells []GridCell
}

// GridCell is one technique under one tactic; a technique of several
// tactics has a cell in each.
type GridCell struct {
	TechniqueSummary
	// Score is the share of runs that succeeded undetected, in percent;
	// Scored is false when no run was scored.
	Score   float64
	Scored  bool
	Outcome string // worst outcome, a Technique* class
	Color   string
}

// Grid arranges technique summaries as a tactics × techniques grid.
func Grid(summaries []TechniqueSummary) TechniqueGrid {
	var cols []GridColumn
	index := map[string]int{}
	for _, t := range EnterpriseTactics {
		index[t.ShortName] = len(cols)
		cols = append(cols, GridColumn{Tactic: t, Cells: []GridCell{}})
	}
	icsCols := map[string][]GridCell{}
	var unknown []GridCell
	for _, s := range summaries {
		score, scored := s.Score()
		cell := GridCell{TechniqueSummary: s, Score: score, Scored: scored, Outcome: s.Outcome(), Color: s.Color()}
		domain := cmp.Or(s.Domain, TechniqueDomain(s.Technique))
		if len(s.Tactics) == 0 {
			unknown = append(unknown, cell)
			continue
		}
		for _, tactic := range s.Tactics {
			if domain == DomainICS {
				icsCols[tactic] = append(icsCols[tactic], cell)
				continue
			}
			i, ok := index[tactic]
			if !ok {
				unknown = append(unknown, cell)
				continue
			}
			cols[i].Cells = append(cols[i].Cells, cell)
		}
	}
	for _, t := range ICSTactics {
		if cells, ok := icsCols[t.ShortName]; ok {
			cols = append(cols, GridColumn{Tactic: t, Cells: cells})
		}
	}
	if len(unknown) > 0 {
		cols = append(cols, GridColumn{Tactic: Tactic{Name: "Unknown tactic"}, Cells: unknown})
	}
	for _, c := range cols {
		slices.SortStableFunc(c.Cells, func(a, b GridCell) int { return compareTechniques(a.Technique, b.Technique) })
	}
	return TechniqueGrid{Columns: cols}
}
