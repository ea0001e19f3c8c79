package scoreboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// layerAttacks are the attacks of the recorded exercise and their
// techniques, as a scenario would give them: enterprise techniques, a
// technique of several tactics (T1078), ICS techniques and one the tactic
// table does not know (T1999).
var layerAttacks = map[string][]string{
	"recon-dns":         {"T1590.002"},
	"portal-bruteforce": {"T1110.003"},
	"creds-in-files":    {"T1552.001", "T1083"},
	"vpn-login":         {"T1133", "T1078"},
	"exfil":             {"T1005", "T1048.002"},
	"plc-write":         {"T0855", "T0836"},
	"custom-implant":    {"T1999"},
}

var layerTargets = map[string]string{
	"recon-dns": "portal", "portal-bruteforce": "portal", "creds-in-files": "portal", "vpn-login": "vpn",
	"exfil": "db", "plc-write": "plc", "custom-implant": "portal",
}

// recordLayerExercise records an exercise as the engine would: every
// attack is an execution, those that ran have a run with a verdict, and
// teams file reports, some matched by the rules, one by hand, some not at
// all.
func recordLayerExercise(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	n := 0
	// run records an execution and, unless the state says it did not run,
	// its attack run.
	run := func(team, attack, trigger, state, outcome string, start time.Duration) string {
		t.Helper()
		n++
		id := fmt.Sprintf("run-%s-%s-%d", team, attack, n)
		x := Execution{Exercise: "ex", Team: team, Attack: attack, Trigger: trigger, Due: start, State: state, Outcome: outcome}
		if state == ExecDone {
			x.Run, x.Started, x.Ended = id, at(start), at(start+time.Minute)
		}
		var err error
		if trigger == TriggerManual {
			_, _, err = s.AddFired(ctx, x, true)
		} else {
			_, err = s.AddExecution(ctx, x)
		}
		if err != nil {
			t.Fatal(err)
		}
		if state != ExecDone {
			return ""
		}
		verdict := outcome
		switch outcome {
		case OutcomeTimedOut:
			verdict = VerdictBlocked
		case OutcomeError:
			verdict = VerdictNotApplicable
		}
		ok(t)(s.RecordAttackRun(ctx, AttackRun{ID: id, Exercise: "ex", Team: team, Attack: attack, Techniques: layerAttacks[attack],
			Target: layerTargets[attack], Verdict: verdict, Evidence: "evidence", Started: at(start), Ended: at(start + time.Minute)}))
		return id
	}
	report := func(team, target string, techniques []string, elapsed time.Duration) Recorded {
		t.Helper()
		return ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: team, Target: target, Techniques: techniques,
			Summary: "seen in the logs", Source: "10.66.0.5", Moment: at(elapsed)}))
	}
	tl, done := TriggerTimeline, ExecDone
	for _, team := range []string{"cl1", "cl2", "co1"} {
		run(team, "recon-dns", tl, done, OutcomeSucceeded, 2*time.Minute)
	}
	// cl1: blocks the spraying and reports it too; detects the credentials
	// theft; the exfiltration is missed at the end.
	run("cl1", "portal-bruteforce", tl, done, OutcomeBlocked, 10*time.Minute)
	report("cl1", "portal", []string{"T1110"}, 14*time.Minute)
	run("cl1", "creds-in-files", tl, done, OutcomeSucceeded, 20*time.Minute)
	report("cl1", "portal", []string{"T1552"}, 25*time.Minute)
	run("cl1", "vpn-login", tl, done, OutcomeBlocked, 30*time.Minute)
	run("cl1", "exfil", tl, ExecMissed, "", 50*time.Minute)
	run("cl1", "plc-write", tl, done, OutcomeSucceeded, 60*time.Minute)
	run("cl1", "custom-implant", tl, done, OutcomeSucceeded, 70*time.Minute)
	// cl2: the spraying gets through, an instructor fires it again and it
	// is blocked; the VPN login is reported against the wrong host and
	// matched by hand; the exfiltration is detected; the PLC write times
	// out (blocked).
	run("cl2", "portal-bruteforce", tl, done, OutcomeSucceeded, 10*time.Minute)
	run("cl2", "portal-bruteforce", TriggerManual, done, OutcomeBlocked, 40*time.Minute)
	run("cl2", "creds-in-files", tl, done, OutcomeSucceeded, 20*time.Minute)
	vpn := run("cl2", "vpn-login", tl, done, OutcomeSucceeded, 30*time.Minute)
	wrong := report("cl2", "portal", []string{"T1078"}, 33*time.Minute)
	if len(wrong.Entries) != 0 {
		t.Fatalf("cl2's report on the wrong host was matched: %v", wrong.Entries)
	}
	if _, err := s.MatchReportByHand(ctx, "ex", wrong.ID, vpn, "ines", "the login was on the VPN; portal was a typo"); err != nil {
		t.Fatal(err)
	}
	run("cl2", "exfil", tl, done, OutcomeSucceeded, 50*time.Minute)
	report("cl2", "db", []string{"T1048"}, 55*time.Minute)
	run("cl2", "plc-write", tl, done, OutcomeTimedOut, 60*time.Minute)
	// co1: a report that matches nothing; the credentials attack could not
	// run; the PLC write was skipped; the implant waits for approval.
	run("co1", "portal-bruteforce", tl, done, OutcomeBlocked, 10*time.Minute)
	report("co1", "portal", []string{"T1059"}, 12*time.Minute)
	run("co1", "creds-in-files", tl, done, OutcomeError, 20*time.Minute)
	run("co1", "vpn-login", tl, done, OutcomeSucceeded, 30*time.Minute)
	run("co1", "exfil", tl, done, OutcomeBlocked, 50*time.Minute)
	run("co1", "plc-write", tl, ExecSkipped, "", 60*time.Minute)
	run("co1", "custom-implant", tl, ExecApproval, "", 70*time.Minute)
	verify(t, s)
	return s
}

var (
	ledgerAttack    = regexp.MustCompile(`^attack (\S+) (blocked|succeeded) at `)
	ledgerDetection = regexp.MustCompile(` detected attack (\S+) against `)
)

// expectedOutcomes counts each team's techniques from the ledger (one
// defense entry per blocked or succeeded run, one detection entry per
// detected run) and the executions (what did not run or could not), with
// the scenario's techniques: a path independent of the layers' own.
func expectedOutcomes(t *testing.T, s *Store) map[string]map[string]TechniqueCounts {
	t.Helper()
	type key struct{ team, attack string }
	blocked, succeeded, detected := map[key]int{}, map[key]int{}, map[key]int{}
	for _, e := range ledgerEntries(t, s) {
		switch {
		case e.CauseKind == CauseAttack:
			m := ledgerAttack.FindStringSubmatch(e.Cause)
			if m == nil {
				t.Fatalf("defense entry %q: cannot read it", e.Cause)
			}
			if m[2] == VerdictBlocked {
				blocked[key{e.Team, m[1]}]++
			} else {
				succeeded[key{e.Team, m[1]}]++
			}
		case e.CauseKind == CauseReport && e.Category == scenarios.CategoryDetection:
			m := ledgerDetection.FindStringSubmatch(e.Cause)
			if m == nil {
				t.Fatalf("detection entry %q: cannot read it", e.Cause)
			}
			detected[key{e.Team, m[1]}]++
		}
	}
	execs, err := s.Executions(context.Background(), "ex")
	if err != nil {
		t.Fatal(err)
	}
	notApplicable, notRun := map[key]int{}, map[key]int{}
	for _, x := range execs {
		switch {
		case x.State != ExecDone:
			notRun[key{x.Team, x.Attack}]++
		case x.Outcome == OutcomeError || x.Outcome == OutcomeNotApplicable:
			notApplicable[key{x.Team, x.Attack}]++
		}
	}
	out := map[string]map[string]TechniqueCounts{}
	for _, team := range []string{"cl1", "cl2", "co1"} {
		for attack, techniques := range layerAttacks {
			k := key{team, attack}
			b, sc, d := blocked[k], succeeded[k], detected[k]
			if d > 0 && b > 0 && sc > 0 {
				t.Fatalf("%s/%s mixes verdicts and detections: the ledger cannot say which run was detected", team, attack)
			}
			c := TechniqueCounts{Runs: b + sc, Blocked: b, NotApplicable: notApplicable[k], NotRun: notRun[k]}
			if b > 0 && sc == 0 {
				c.BlockedReported = d
			} else {
				c.Detected, c.Undetected = d, sc-d
			}
			if c == (TechniqueCounts{}) {
				continue
			}
			for _, id := range techniques {
				if out[team] == nil {
					out[team] = map[string]TechniqueCounts{}
				}
				sum := out[team][id]
				sum.Add(c)
				out[team][id] = sum
			}
		}
	}
	return out
}

var countryOf = map[string]string{"cl1": "CL", "cl2": "CL", "co1": "CO"}

// expectedIn sums the expected team counts over a scope.
func expectedIn(want map[string]map[string]TechniqueCounts, scope LayerScope) map[string]TechniqueCounts {
	out := map[string]TechniqueCounts{}
	for team, byTechnique := range want {
		if scope.Team != "" && team != scope.Team || scope.Country != "" && countryOf[team] != scope.Country {
			continue
		}
		for id, c := range byTechnique {
			sum := out[id]
			sum.Add(c)
			out[id] = sum
		}
	}
	return out
}

// layerCounts reads the counts back from a layer's JSON: its metadata, and
// its comments, which must say the same.
func layerCounts(t *testing.T, raw []byte) map[string]TechniqueCounts {
	t.Helper()
	var l struct {
		Techniques []struct {
			TechniqueID string `json:"techniqueID"`
			Comment     string `json:"comment"`
			Metadata    []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"metadata"`
		} `json:"techniques"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	out := map[string]TechniqueCounts{}
	for _, e := range l.Techniques {
		md := map[string]int{}
		for _, m := range e.Metadata {
			if n, err := strconv.Atoi(m.Value); err == nil {
				md[m.Name] = n
			}
		}
		c := TechniqueCounts{Runs: md["runs"], Blocked: md["blocked"], Detected: md["detected"], Undetected: md["undetected"],
			BlockedReported: md["blocked_reported"], NotApplicable: md["not_applicable"], NotRun: md["not_run"]}
		if !strings.HasPrefix(e.Comment, fmt.Sprintf("%d %s: %d blocked, %d detected, %d undetected", c.Runs, plural(c.Runs, "run", "runs"), c.Blocked, c.Detected, c.Undetected)) {
			t.Errorf("%s: comment %q does not say its metadata's counts %+v", e.TechniqueID, e.Comment, c)
		}
		if prev, ok := out[e.TechniqueID]; ok && prev != c {
			t.Errorf("%s: entries of its tactics disagree: %+v and %+v", e.TechniqueID, prev, c)
		}
		out[e.TechniqueID] = c
	}
	return out
}

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// checkLayerFormat checks a layer's JSON against the layer format 4.5:
// required keys and their types, versions, domain, technique IDs, scores
// within the gradient, colors.
func checkLayerFormat(t *testing.T, raw []byte, domain string) {
	t.Helper()
	var l map[string]any
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatalf("layer is not JSON: %v\n%s", err, raw)
	}
	typed := func(m map[string]any, key, kind string) any {
		t.Helper()
		v, ok := m[key]
		if !ok {
			t.Errorf("key %q is missing", key)
			return nil
		}
		var good bool
		switch kind {
		case "string":
			_, good = v.(string)
		case "number":
			_, good = v.(float64)
		case "bool":
			_, good = v.(bool)
		case "object":
			_, good = v.(map[string]any)
		case "array":
			_, good = v.([]any)
		}
		if !good {
			t.Errorf("key %q is %T, want a JSON %s", key, v, kind)
			return nil
		}
		return v
	}
	typed(l, "name", "string")
	typed(l, "description", "string")
	typed(l, "sorting", "number")
	typed(l, "hideDisabled", "bool")
	typed(l, "layout", "object")
	if d, _ := typed(l, "domain", "string").(string); d != domain {
		t.Errorf("domain %q, want %q", d, domain)
	}
	if v, ok := typed(l, "versions", "object").(map[string]any); ok {
		if typed(v, "layer", "string") != "4.5" || typed(v, "navigator", "string") != "5.1.0" || typed(v, "attack", "string") != ATTACKVersion {
			t.Errorf("versions %v, want layer 4.5, navigator 5.1.0, attack %s", v, ATTACKVersion)
		}
	}
	lo, hi := 0.0, 0.0
	if g, ok := typed(l, "gradient", "object").(map[string]any); ok {
		lo, _ = typed(g, "minValue", "number").(float64)
		hi, _ = typed(g, "maxValue", "number").(float64)
		if colors, ok := typed(g, "colors", "array").([]any); ok {
			if len(colors) < 2 {
				t.Errorf("gradient of %d colors", len(colors))
			}
			for _, c := range colors {
				if s, _ := c.(string); !hexColor.MatchString(s) {
					t.Errorf("gradient color %v is not #rrggbb", c)
				}
			}
		}
		if lo >= hi {
			t.Errorf("gradient from %g to %g", lo, hi)
		}
	}
	if items, ok := typed(l, "legendItems", "array").([]any); ok {
		for _, it := range items {
			m, _ := it.(map[string]any)
			if m == nil {
				t.Errorf("legend item %v is not an object", it)
				continue
			}
			typed(m, "label", "string")
			if c, _ := typed(m, "color", "string").(string); !hexColor.MatchString(c) {
				t.Errorf("legend color %q is not #rrggbb", c)
			}
		}
	}
	techniques, _ := typed(l, "techniques", "array").([]any)
	for _, te := range techniques {
		m, _ := te.(map[string]any)
		if m == nil {
			t.Errorf("technique %v is not an object", te)
			continue
		}
		id, _ := typed(m, "techniqueID", "string").(string)
		if !ValidTechniqueID(id) {
			t.Errorf("techniqueID %q is not T#### or T####.###", id)
		}
		if tactic, ok := m["tactic"]; ok {
			if s, _ := tactic.(string); s == "" {
				t.Errorf("%s: tactic %v, want a tactic's shortname or none", id, tactic)
			}
		}
		if score, ok := m["score"]; ok {
			if f, ok := score.(float64); !ok || f < lo || f > hi {
				t.Errorf("%s: score %v outside the gradient's %g–%g", id, score, lo, hi)
			}
		}
		if c, _ := typed(m, "color", "string").(string); !hexColor.MatchString(c) {
			t.Errorf("%s: color %q is not #rrggbb", id, c)
		}
		typed(m, "comment", "string")
		if e, _ := typed(m, "enabled", "bool").(bool); !e {
			t.Errorf("%s is not enabled", id)
		}
		if md, ok := typed(m, "metadata", "array").([]any); ok {
			for _, x := range md {
				mm, _ := x.(map[string]any)
				if mm == nil {
					t.Errorf("%s: metadata %v is not an object", id, x)
					continue
				}
				typed(mm, "name", "string")
				typed(mm, "value", "string")
			}
		}
	}
}

func layerJSON(t *testing.T, l NavigatorLayer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteNavigatorLayer(&b, l); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNavigatorLayersOfARecordedExercise(t *testing.T) {
	ctx := context.Background()
	s := recordLayerExercise(t)
	want := expectedOutcomes(t, s)

	// Per team, straight from the store.
	outcomes, err := s.TechniqueOutcomes(ctx, "ex", layerAttacks)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]TechniqueCounts{}
	for _, o := range outcomes {
		if o.Country != countryOf[o.Team] {
			t.Errorf("%s/%s: country %q, want %q", o.Team, o.Technique, o.Country, countryOf[o.Team])
		}
		if got[o.Team] == nil {
			got[o.Team] = map[string]TechniqueCounts{}
		}
		got[o.Team][o.Technique] = o.TechniqueCounts
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("technique outcomes per team:\n%v\nwant (from the ledger and the executions):\n%v", got, want)
	}

	scopes := []LayerScope{{Team: "cl1"}, {Team: "cl2"}, {Team: "co1"}, {Country: "CL"}, {Country: "CO"}, {}}
	for _, scope := range scopes {
		t.Run(fmt.Sprintf("team=%s country=%s", scope.Team, scope.Country), func(t *testing.T) {
			enterprise, ics := map[string]TechniqueCounts{}, map[string]TechniqueCounts{}
			for id, c := range expectedIn(want, scope) {
				if strings.HasPrefix(id, "T08") {
					ics[id] = c
				} else {
					enterprise[id] = c
				}
			}
			for domain, want := range map[string]map[string]TechniqueCounts{DomainEnterprise: enterprise, DomainICS: ics} {
				l, err := s.NavigatorLayer(ctx, "ex", scope, domain, layerAttacks)
				if err != nil {
					t.Fatal(err)
				}
				raw := layerJSON(t, l)
				checkLayerFormat(t, raw, domain)
				if got := layerCounts(t, raw); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s layer counts:\n%v\nwant:\n%v", domain, got, want)
				}
			}
		})
	}

	// The whole exercise, spelled out: what each number means.
	l, err := s.NavigatorLayer(ctx, "ex", LayerScope{}, "", layerAttacks)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]LayerTechnique{}
	for _, e := range l.Techniques {
		entries[e.TechniqueID] = append(entries[e.TechniqueID], e)
	}
	spray := entries["T1110.003"]
	if len(spray) != 1 || spray[0].Tactic != "credential-access" || spray[0].Color != ColorUndetected || spray[0].Score == nil || *spray[0].Score != 25 ||
		spray[0].Comment != "4 runs: 3 blocked, 0 detected, 1 undetected; 1 blocked run also reported" {
		t.Errorf("T1110.003: %+v; want one credential-access entry, red, score 25, 4 runs: 3 blocked, 1 undetected, 1 blocked run reported", spray)
	}
	var tactics []string
	for _, e := range entries["T1078"] {
		tactics = append(tactics, e.Tactic)
	}
	if got := strings.Join(tactics, " "); got != "initial-access persistence privilege-escalation defense-evasion" {
		t.Errorf("T1078's entries are of tactics %q; want one per tactic in kill-chain order", got)
	}
	if e := entries["T1999"]; len(e) != 1 || e[0].Tactic != "" || e[0].Comment != "1 run: 0 blocked, 0 detected, 1 undetected; 1 not run" {
		t.Errorf("T1999 (unknown): %+v; want one entry without tactic, 1 undetected, 1 not run", e)
	}
	if e := entries["T1552.001"]; len(e) != 1 || e[0].Color != ColorUndetected || e[0].Comment != "2 runs: 0 blocked, 1 detected, 1 undetected; 1 not applicable" {
		t.Errorf("T1552.001: %+v; want 1 detected, 1 undetected, 1 not applicable", e)
	}
	if _, ok := entries["T0855"]; ok || !strings.Contains(l.Description, "T0836, T0855") {
		t.Errorf("the enterprise layer has ICS technique T0855, or its description %q does not name T0836, T0855", l.Description)
	}
	cl1, err := s.NavigatorLayer(ctx, "ex", LayerScope{Team: "cl1"}, "", layerAttacks)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cl1.Techniques {
		if e.TechniqueID == "T1078" && (e.Color != ColorBlocked || *e.Score != 0) {
			t.Errorf("cl1's T1078: %+v; want green, score 0 (blocked)", e)
		}
		if e.TechniqueID == "T1048.002" && (e.Color != ColorNotScored || e.Score != nil || e.Comment != "0 runs: 0 blocked, 0 detected, 0 undetected; 1 not run") {
			t.Errorf("cl1's T1048.002 (missed): %+v; want grey, no score, 1 not run", e)
		}
	}
	if !strings.HasPrefix(cl1.Name, "ex: CSIRT Chile (CL)") {
		t.Errorf("cl1's layer is named %q", cl1.Name)
	}
	for _, scope := range []LayerScope{{Team: "pe1"}, {Country: "PE"}} {
		if _, err := s.NavigatorLayer(ctx, "ex", scope, "", layerAttacks); !errors.Is(err, ErrNotFound) {
			t.Errorf("scope %+v: %v; want ErrNotFound", scope, err)
		}
	}
	if _, err := s.NavigatorLayer(ctx, "nope", LayerScope{}, "", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown exercise: %v; want ErrNotFound", err)
	}

	// The grid: every enterprise tactic in kill-chain order, then the ICS
	// ones used, then the unknown tactic.
	grid := Grid(Summarize(outcomes, LayerScope{}))
	var cols []string
	cells := map[string][]string{}
	for _, c := range grid.Columns {
		cols = append(cols, c.Domain+"/"+c.ShortName)
		for _, cell := range c.Cells {
			cells[cell.Technique] = append(cells[cell.Technique], c.ShortName)
		}
	}
	var wantCols []string
	for _, t := range EnterpriseTactics {
		wantCols = append(wantCols, DomainEnterprise+"/"+t.ShortName)
	}
	wantCols = append(wantCols, DomainICS+"/impair-process-control", "/")
	if got, want := strings.Join(cols, " "), strings.Join(wantCols, " "); got != want {
		t.Errorf("grid columns:\n%s\nwant:\n%s", got, want)
	}
	if got := fmt.Sprint(cells["T1078"], cells["T1133"], cells["T1999"], cells["T0855"]); got != "[initial-access persistence privilege-escalation defense-evasion] [initial-access persistence] [] [impair-process-control]" {
		t.Errorf("grid cells of T1078, T1133, T1999, T0855: %s", got)
	}
	for _, c := range grid.Columns {
		if !slices.IsSortedFunc(c.Cells, func(a, b GridCell) int { return strings.Compare(a.Technique, b.Technique) }) {
			t.Errorf("column %s is not in technique order", c.ShortName)
		}
		for _, cell := range c.Cells {
			if cell.Color != cell.TechniqueCounts.Color() || cell.Scored != (cell.Runs > 0) {
				t.Errorf("cell %+v: color or score flag disagrees with its counts", cell)
			}
		}
	}
}

func TestNavigatorLayerOfAnExerciseWithoutRuns(t *testing.T) {
	s := newExercise(t, scenarios.DefaultScoring())
	for _, scope := range []LayerScope{{}, {Country: "CO"}, {Team: "cl1"}} {
		l, err := s.NavigatorLayer(context.Background(), "ex", scope, "", layerAttacks)
		if err != nil {
			t.Fatal(err)
		}
		raw := layerJSON(t, l)
		checkLayerFormat(t, raw, DomainEnterprise)
		if !bytes.Contains(raw, []byte(`"techniques": []`)) {
			t.Errorf("layer of no runs: want an empty techniques array:\n%s", raw)
		}
	}
	if g := Grid(nil); len(g.Columns) != len(EnterpriseTactics) {
		t.Errorf("grid of nothing has %d columns, want the %d enterprise tactics", len(g.Columns), len(EnterpriseTactics))
	}
}

func TestTechniqueCountsConvention(t *testing.T) {
	for _, tc := range []struct {
		c       TechniqueCounts
		outcome string
		score   float64
		scored  bool
		comment string
	}{
		{TechniqueCounts{}, TechniqueNotScored, 0, false, "0 runs: 0 blocked, 0 detected, 0 undetected"},
		{TechniqueCounts{NotRun: 2, NotApplicable: 1}, TechniqueNotScored, 0, false, "0 runs: 0 blocked, 0 detected, 0 undetected; 1 not applicable, 2 not run"},
		{TechniqueCounts{Runs: 1, Blocked: 1}, TechniqueBlocked, 0, true, "1 run: 1 blocked, 0 detected, 0 undetected"},
		{TechniqueCounts{Runs: 2, Blocked: 1, Detected: 1}, TechniqueDetected, 0, true, "2 runs: 1 blocked, 1 detected, 0 undetected"},
		{TechniqueCounts{Runs: 3, Blocked: 1, Detected: 1, Undetected: 1}, TechniqueUndetected, 33.33, true, "3 runs: 1 blocked, 1 detected, 1 undetected"},
		{TechniqueCounts{Runs: 2, Undetected: 2, BlockedReported: 0}, TechniqueUndetected, 100, true, "2 runs: 0 blocked, 0 detected, 2 undetected"},
	} {
		score, scored := tc.c.Score()
		if tc.c.Outcome() != tc.outcome || score != tc.score || scored != tc.scored || tc.c.Comment() != tc.comment || tc.c.Color() != OutcomeColor(tc.outcome) {
			t.Errorf("%+v: %s %g %v %q; want %s %g %v %q", tc.c, tc.c.Outcome(), score, scored, tc.c.Comment(), tc.outcome, tc.score, tc.scored, tc.comment)
		}
	}
}

func TestLookupTechnique(t *testing.T) {
	for _, tc := range []struct{ id, tactics, domain string }{
		{"T1110.003", "credential-access", DomainEnterprise},
		{"t1059.004 ", "execution", DomainEnterprise},
		{"T1059.999", "execution", DomainEnterprise}, // an unlisted sub-technique takes its parent's
		{"T1055", "privilege-escalation defense-evasion", DomainEnterprise},
		{"T0855", "impair-process-control", DomainICS},
		{"T1999", "", DomainEnterprise},
	} {
		info, _ := LookupTechnique(tc.id)
		if strings.Join(info.Tactics, " ") != tc.tactics || info.Domain != tc.domain {
			t.Errorf("%s: tactics %v in %s; want %q in %s", tc.id, info.Tactics, info.Domain, tc.tactics, tc.domain)
		}
	}
}

// TestTacticTableCoversTheLibrary: every technique the bundled scenarios
// name has a tactic.
func TestTacticTableCoversTheLibrary(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "library", "*", "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario in the library (%v)", err)
	}
	list := regexp.MustCompile(`(?m)^\s*technique\s*=\s*\[([^\]]*)\]`)
	id := regexp.MustCompile(`"(T[0-9.]+)"`)
	var lib []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list.FindAllSubmatch(src, -1) {
			for _, t := range id.FindAllSubmatch(m[1], -1) {
				lib = append(lib, string(t[1]))
			}
		}
	}
	if len(lib) < 10 {
		t.Fatalf("found only %d techniques in the library: %v", len(lib), lib)
	}
	for _, id := range lib {
		if info, known := LookupTechnique(id); !known || len(info.Tactics) == 0 {
			t.Errorf("%s, used in scenarios/library, has no tactic in the table", id)
		}
	}
}

// FuzzTechniqueAggregation: whatever the runs, a country's counts are the
// sum of its teams', the exercise's the sum of its countries', every
// technique counts each of its runs once, the outcomes add up, and the
// layers are valid.
func FuzzTechniqueAggregation(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{255, 128, 7, 3, 3, 3, 19, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		teams := []Team{{ID: "cl1", Country: "CL"}, {ID: "cl2", Country: "CL"}, {ID: "co1", Country: "CO"}}
		attacks := map[string][]string{
			"a": {"T1110.003"}, "b": {"T1078", "T1133"}, "c": {"T1110.003", "T1110"}, "d": {"T0855"}, "e": {"T1999", "T1999"},
		}
		names := []string{"a", "b", "c", "d", "e"}
		verdicts := []string{VerdictBlocked, VerdictSucceeded, VerdictNotApplicable}
		var in OutcomeInput
		in.Teams, in.Techniques = teams, attacks
		wantRuns := map[string]int{}
		wantNotRun := map[string]int{}
		for i := 0; i+1 < len(data); i += 2 {
			team := teams[int(data[i])%len(teams)].ID
			attack := names[int(data[i]>>2)%len(names)]
			id := fmt.Sprintf("r%d", i)
			switch v := int(data[i+1]) % 4; v {
			case 3: // an execution that never ran
				in.Executions = append(in.Executions, Execution{Team: team, Attack: attack, State: ExecSkipped})
				for _, tech := range uniq(attacks[attack]) {
					wantNotRun[tech]++
				}
			default:
				run := AttackRun{ID: id, Team: team, Attack: attack, Verdict: verdicts[v]}
				if data[i+1]&16 != 0 {
					run.Techniques = attacks[attack] // recorded on the run
				}
				in.Runs = append(in.Runs, run)
				in.Executions = append(in.Executions, Execution{Team: team, Attack: attack, State: ExecDone, Run: id, Outcome: verdicts[v]})
				if data[i+1]&8 != 0 && v != 2 {
					in.Detections = append(in.Detections, Detection{Team: team, Run: id, Attack: attack})
				}
				if v != 2 {
					for _, tech := range uniq(attacks[attack]) {
						wantRuns[tech]++
					}
				}
			}
		}
		outcomes := TechniqueOutcomesOf(in)
		all := Summarize(outcomes, LayerScope{})
		sums := map[string]TechniqueCounts{}
		for _, country := range []string{"CL", "CO"} {
			for _, s := range Summarize(outcomes, LayerScope{Country: country}) {
				c := sums[s.Technique]
				c.Add(s.TechniqueCounts)
				sums[s.Technique] = c
			}
		}
		teamSums := map[string]TechniqueCounts{}
		for _, tm := range teams {
			for _, s := range Summarize(outcomes, LayerScope{Team: tm.ID}) {
				c := teamSums[s.Technique]
				c.Add(s.TechniqueCounts)
				teamSums[s.Technique] = c
			}
		}
		if len(sums) != len(all) || len(teamSums) != len(all) {
			t.Fatalf("%d techniques in the exercise, %d over countries, %d over teams", len(all), len(sums), len(teamSums))
		}
		for _, s := range all {
			if sums[s.Technique] != s.TechniqueCounts || teamSums[s.Technique] != s.TechniqueCounts {
				t.Errorf("%s: exercise %+v, countries %+v, teams %+v", s.Technique, s.TechniqueCounts, sums[s.Technique], teamSums[s.Technique])
			}
			if s.Runs != wantRuns[s.Technique] || s.NotRun != wantNotRun[s.Technique] {
				t.Errorf("%s: %d runs, %d not run; want %d, %d", s.Technique, s.Runs, s.NotRun, wantRuns[s.Technique], wantNotRun[s.Technique])
			}
			if s.Blocked+s.Detected+s.Undetected != s.Runs || s.BlockedReported > s.Blocked {
				t.Errorf("%s: %+v do not add up", s.Technique, s.TechniqueCounts)
			}
		}
		for _, domain := range []string{DomainEnterprise, DomainICS} {
			checkLayerFormat(t, layerJSON(t, Layer(LayerInput{Name: "fuzz", Domain: domain, Techniques: all})), domain)
		}
	})
}

func uniq(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
