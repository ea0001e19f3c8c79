package scoreboard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

var t0 = time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)

// at is the moment an exercise that started at t0 and never paused reaches
// an elapsed time.
func at(elapsed time.Duration) Moment { return Moment{At: t0.Add(elapsed), Elapsed: elapsed} }

func withWeights(w map[string]float64) scenarios.Scoring {
	cfg := scenarios.DefaultScoring()
	cfg.Weights = w
	return cfg
}

// explain renders entries as a team reads them, one per line.
func explain(entries []Entry) string {
	var lines []string
	for _, e := range entries {
		lines = append(lines, fmt.Sprintf("%s %s (raw %d)", e.Category, e, e.RawPoints))
	}
	return strings.Join(lines, "\n")
}

func checkEntries(t *testing.T, got []Entry, want string) {
	t.Helper()
	if g := explain(got); g != want {
		t.Errorf("entries:\n%s\nwant:\n%s", g, want)
	}
}

func TestAvailabilityEntries(t *testing.T) {
	up := CheckResult{Team: "cl", Host: "portal", Service: "http", Round: 7, Up: true, Moment: at(3*time.Minute + 30*time.Second)}
	down := up
	down.Up = false
	negative := scenarios.DefaultScoring()
	negative.Availability.SLAPenalty = -5
	for _, tc := range []struct {
		name           string
		cfg            scenarios.Scoring
		result         CheckResult
		failuresBefore int
		want           string
	}{
		{"passed", scenarios.DefaultScoring(), up, 0, "availability +1: check portal/http passed in round 7 at 00:03:30 (raw 1)"},
		{"passed after failures", scenarios.DefaultScoring(), up, 9, "availability +1: check portal/http passed in round 7 at 00:03:30 (raw 1)"},
		{"weighted", withWeights(map[string]float64{"availability": 2.5}), up, 0, "availability +3: check portal/http passed in round 7 at 00:03:30 (raw 1)"},
		{"weighted to nothing", withWeights(map[string]float64{"availability": 0}), up, 0, ""},
		{"first failure is free", scenarios.DefaultScoring(), down, 0, ""},
		{"last failure the SLA allows", scenarios.DefaultScoring(), down, 2, ""},
		{"first failure beyond the SLA", scenarios.DefaultScoring(), down, 3,
			"availability −5: check portal/http failed in round 7 at 00:03:30, failure 4 in a row (the SLA allows 3) (raw -5)"},
		{"long outage", scenarios.DefaultScoring(), down, 40,
			"availability −5: check portal/http failed in round 7 at 00:03:30, failure 41 in a row (the SLA allows 3) (raw -5)"},
		{"penalty written negative is still a cost", negative, down, 3,
			"availability −5: check portal/http failed in round 7 at 00:03:30, failure 4 in a row (the SLA allows 3) (raw -5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, AvailabilityEntries(tc.cfg, tc.result, tc.failuresBefore), tc.want)
		})
	}
}

func bruteforce(team, verdict string, start, end time.Duration) AttackRun {
	return AttackRun{ID: "run-" + team + "-" + start.String(), Team: team, Attack: "portal-bruteforce", Techniques: []string{"T1110.003"},
		Target: "portal", Verdict: verdict, Started: at(start), Ended: at(end)}
}

func TestDefenseEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  scenarios.Scoring
		run  AttackRun
		want string
	}{
		{"succeeded", scenarios.DefaultScoring(), bruteforce("cl", VerdictSucceeded, 10*time.Minute, 12*time.Minute+40*time.Second),
			"defense −100: attack portal-bruteforce succeeded at 00:12:40 against portal (raw -100)"},
		{"blocked", scenarios.DefaultScoring(), bruteforce("cl", VerdictBlocked, 10*time.Minute, 11*time.Minute),
			"defense +50: attack portal-bruteforce blocked at 00:11:00 against portal (raw 50)"},
		{"weighted and rounded", withWeights(map[string]float64{"defense": 1.25}), bruteforce("cl", VerdictBlocked, 0, time.Minute),
			"defense +63: attack portal-bruteforce blocked at 00:01:00 against portal (raw 50)"},
		{"could not run", scenarios.DefaultScoring(), bruteforce("cl", VerdictNotApplicable, 0, time.Minute), ""},
		{"unknown verdict", scenarios.DefaultScoring(), bruteforce("cl", "maybe", 0, time.Minute), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, DefenseEntries(tc.cfg, tc.run), tc.want)
		})
	}
}

func TestMatchReport(t *testing.T) {
	cfg := scenarios.DefaultScoring() // 30-minute window
	report := func(elapsed time.Duration, mutate func(*IncidentReport)) IncidentReport {
		r := IncidentReport{ID: 3, Team: "cl", Target: "portal", Techniques: []string{"T1110"}, Moment: at(elapsed)}
		if mutate != nil {
			mutate(&r)
		}
		return r
	}
	early := bruteforce("cl", VerdictBlocked, 10*time.Minute, 11*time.Minute)
	late := bruteforce("cl", VerdictSucceeded, 20*time.Minute, 21*time.Minute)
	for _, tc := range []struct {
		name   string
		report IncidentReport
		runs   []AttackRun
		want   string // run id, empty for no match
	}{
		{"parent technique matches sub-technique", report(12*time.Minute, nil), []AttackRun{early}, early.ID},
		{"sub-techniques share a parent", report(12*time.Minute, func(r *IncidentReport) { r.Techniques = []string{"t1110.001"} }), []AttackRun{early}, early.ID},
		{"one technique of several", report(12*time.Minute, func(r *IncidentReport) { r.Techniques = []string{"T1046", "T1110"} }), []AttackRun{early}, early.ID},
		{"as the run starts", report(10*time.Minute, nil), []AttackRun{early}, early.ID},
		{"at the end of the window", report(40*time.Minute, nil), []AttackRun{early}, early.ID},
		{"after the window", report(40*time.Minute+time.Millisecond, nil), []AttackRun{early}, ""},
		{"before the run", report(9*time.Minute, nil), []AttackRun{early}, ""},
		{"other technique", report(12*time.Minute, func(r *IncidentReport) { r.Techniques = []string{"T1046"} }), []AttackRun{early}, ""},
		{"no technique", report(12*time.Minute, func(r *IncidentReport) { r.Techniques = nil }), []AttackRun{early}, ""},
		{"other target", report(12*time.Minute, func(r *IncidentReport) { r.Target = "plc" }), []AttackRun{early}, ""},
		{"other team's run", report(12*time.Minute, func(r *IncidentReport) { r.Team = "co" }), []AttackRun{early}, ""},
		{"run that could not run", report(12*time.Minute, nil), []AttackRun{bruteforce("cl", VerdictNotApplicable, 10*time.Minute, 11*time.Minute)}, ""},
		{"the latest run that fits", report(25*time.Minute, nil), []AttackRun{early, late}, late.ID},
		{"the only run that started", report(15*time.Minute, nil), []AttackRun{late, early}, early.ID},
		{"no runs", report(15*time.Minute, nil), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, ok := MatchReport(cfg, tc.report, tc.runs)
			if got := map[bool]string{true: run.ID}[ok]; got != tc.want {
				t.Errorf("matched %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDetectionEntries(t *testing.T) {
	run := bruteforce("cl", VerdictBlocked, 10*time.Minute, 11*time.Minute)
	noWindow := scenarios.DefaultScoring()
	noWindow.Detection.Window = 0
	for _, tc := range []struct {
		name  string
		cfg   scenarios.Scoring
		filed time.Duration
		want  string
	}{
		{"at once earns everything, dated at the verdict", scenarios.DefaultScoring(), 10 * time.Minute,
			"detection +40: report 3 at 00:10:00 detected attack portal-bruteforce against portal, 0s after it started (raw 40)"},
		{"half way earns three quarters", scenarios.DefaultScoring(), 25 * time.Minute,
			"detection +30: report 3 at 00:25:00 detected attack portal-bruteforce against portal, 15m0s after it started (raw 30)"},
		{"end of the window earns the minimum", scenarios.DefaultScoring(), 40 * time.Minute,
			"detection +20: report 3 at 00:40:00 detected attack portal-bruteforce against portal, 30m0s after it started (raw 20)"},
		{"rounded", scenarios.DefaultScoring(), 14 * time.Minute,
			"detection +37: report 3 at 00:14:00 detected attack portal-bruteforce against portal, 4m0s after it started (raw 37)"},
		{"weighted", withWeights(map[string]float64{"detection": 2}), 40 * time.Minute,
			"detection +40: report 3 at 00:40:00 detected attack portal-bruteforce against portal, 30m0s after it started (raw 20)"},
		{"no window", noWindow, 10 * time.Minute,
			"detection +40: report 3 at 00:10:00 detected attack portal-bruteforce against portal, 0s after it started (raw 40)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := IncidentReport{ID: 3, Team: "cl", Target: "portal", Moment: at(tc.filed)}
			got := DetectionEntries(tc.cfg, rep, run)
			checkEntries(t, got, tc.want)
			if want := later(rep.Moment, run.Ended); len(got) == 1 && got[0].Moment != want {
				t.Errorf("dated %v, want the later of report and verdict, %v", got[0].Moment, want)
			}
		})
	}
}

func TestInjectEntries(t *testing.T) {
	delivery := InjectDelivery{Team: "cl", Inject: "press-inquiry", Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}
	onTime := InjectResponse{Team: "cl", Inject: "press-inquiry", Moment: at(45 * time.Minute)}
	late := InjectResponse{Team: "cl", Inject: "press-inquiry", Moment: at(55 * time.Minute)}
	grade := func(p int) InjectGrade {
		return InjectGrade{Team: "cl", Inject: "press-inquiry", Percent: p, Author: "ana", Note: "clear", Moment: at(time.Hour)}
	}
	noDeadline := delivery
	noDeadline.Due = 0
	for _, tc := range []struct {
		name     string
		delivery InjectDelivery
		response InjectResponse
		grade    InjectGrade
		previous *InjectGrade
		want     string
		err      error
	}{
		{"full marks", delivery, onTime, grade(100), nil, "injects +50: inject press-inquiry answered at 00:45:00, graded 100% by ana (raw 50)", nil},
		{"partial", delivery, onTime, grade(80), nil, "injects +40: inject press-inquiry answered at 00:45:00, graded 80% by ana (raw 40)", nil},
		{"zero", delivery, onTime, grade(0), nil, "", nil},
		{"late loses half", delivery, late, grade(100), nil,
			"injects +25: inject press-inquiry answered at 00:55:00, graded 100% by ana, late by 5m0s (−50%) (raw 25)", nil},
		{"no deadline is never late", noDeadline, late, grade(100), nil, "injects +50: inject press-inquiry answered at 00:55:00, graded 100% by ana (raw 50)", nil},
		{"regraded up adds the difference", delivery, onTime, grade(90), &InjectGrade{Percent: 60},
			"injects +15: inject press-inquiry regraded from 60% to 90% by ana (raw 15)", nil},
		{"regraded down takes the difference", delivery, late, grade(20), &InjectGrade{Percent: 100},
			"injects −20: inject press-inquiry regraded from 100% to 20% by ana (raw -20)", nil},
		{"over 100", delivery, onTime, grade(101), nil, "", ErrInvalid},
		{"negative", delivery, onTime, grade(-1), nil, "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InjectEntries(scenarios.DefaultScoring(), tc.delivery, tc.response, tc.grade, tc.previous)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			checkEntries(t, got, tc.want)
			for _, e := range got {
				if e.Author != "ana" || e.Reason != "clear" {
					t.Errorf("author %q reason %q, want the grader and the note", e.Author, e.Reason)
				}
			}
		})
	}
}

func TestAttemptAllowed(t *testing.T) {
	now := t0.Add(time.Hour)
	ago := func(ds ...time.Duration) []time.Time {
		var ts []time.Time
		for _, d := range ds {
			ts = append(ts, now.Add(-d))
		}
		return ts
	}
	unlimited := scenarios.DefaultScoring()
	unlimited.Challenges.MaxAttempts = 0
	for _, tc := range []struct {
		name  string
		cfg   scenarios.Scoring
		wrong []time.Time
		err   string // empty when allowed
	}{
		{"no earlier answers", scenarios.DefaultScoring(), nil, ""},
		{"below the limit", scenarios.DefaultScoring(), ago(1, 2, 3, 4), ""},
		{"at the limit", scenarios.DefaultScoring(), ago(10*time.Second, 20*time.Second, 30*time.Second, 40*time.Second, 50*time.Second),
			"5 wrong answers in the last 1m0s; try again in 10s: rate limited"},
		{"older answers no longer count", scenarios.DefaultScoring(), ago(time.Second, 2*time.Second, 3*time.Second, 4*time.Second, time.Minute, 2*time.Minute), ""},
		{"unlimited", unlimited, ago(1, 2, 3, 4, 5, 6, 7, 8, 9), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := AttemptAllowed(tc.cfg, tc.wrong, now)
			if got := fmt.Sprint(err); (err == nil) != (tc.err == "") || (err != nil && got != tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
			if err != nil && !errors.Is(err, ErrRateLimited) {
				t.Errorf("error %v is not ErrRateLimited", err)
			}
		})
	}
}

func TestChallengeEntries(t *testing.T) {
	bonus := scenarios.DefaultScoring()
	bonus.Challenges.FirstSolveBonus = 10
	sub := ChallengeSubmission{Team: "cl", Challenge: "attacker-address", Correct: true, Points: 40, Moment: at(31*time.Minute + 2*time.Second)}
	wrong := sub
	wrong.Correct = false
	for _, tc := range []struct {
		name  string
		cfg   scenarios.Scoring
		sub   ChallengeSubmission
		first bool
		want  string
	}{
		{"solved", scenarios.DefaultScoring(), sub, false, "challenges +40: challenge attacker-address solved at 00:31:02 (raw 40)"},
		{"first without a bonus", scenarios.DefaultScoring(), sub, true, "challenges +40: challenge attacker-address solved at 00:31:02 (raw 40)"},
		{"first with a bonus", bonus, sub, true, "challenges +40: challenge attacker-address solved at 00:31:02 (raw 40)\n" +
			"challenges +10: challenge attacker-address solved at 00:31:02, the first team to solve it (raw 10)"},
		{"not first", bonus, sub, false, "challenges +40: challenge attacker-address solved at 00:31:02 (raw 40)"},
		{"wrong answers score nothing", bonus, wrong, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, ChallengeEntries(tc.cfg, tc.sub, tc.first), tc.want)
		})
	}
}

func TestCooperationEntries(t *testing.T) {
	run := bruteforce("cl", VerdictBlocked, 10*time.Minute, 11*time.Minute)
	ev := CooperationEvent{Team: "cl", Country: "CL", Run: run, How: HelpedBlock, Moment: run.Ended}
	ind := func(id int64, team, country string, elapsed time.Duration, attack string, techniques ...string) SharedIndicator {
		return SharedIndicator{ID: id, Team: team, Country: country, Kind: IndicatorIPv4, Value: "10.66.0.5", Attack: attack, Techniques: techniques, Moment: at(elapsed)}
	}
	credit := func(id int64, shared string) string {
		return fmt.Sprintf("cooperation +20: indicator %d (ipv4-addr 10.66.0.5) shared at %s helped cl block attack portal-bruteforce at 00:11:00 (raw 20)", id, shared)
	}
	for _, tc := range []struct {
		name       string
		indicators []SharedIndicator
		want       string
	}{
		{"partner named the attack", []SharedIndicator{ind(1, "co", "CO", 5*time.Minute, "portal-bruteforce")}, credit(1, "00:05:00")},
		{"partner's technique", []SharedIndicator{ind(1, "co", "CO", 5*time.Minute, "", "T1110")}, credit(1, "00:05:00")},
		{"another attack", []SharedIndicator{ind(1, "co", "CO", 5*time.Minute, "recon", "T1110")}, ""},
		{"another technique", []SharedIndicator{ind(1, "co", "CO", 5*time.Minute, "", "T1046")}, ""},
		{"same country", []SharedIndicator{ind(1, "cl2", "CL", 5*time.Minute, "portal-bruteforce")}, ""},
		{"shared after the block", []SharedIndicator{ind(1, "co", "CO", 11*time.Minute, "portal-bruteforce")}, ""},
		{"one credit per team, for its earliest indicator", []SharedIndicator{
			ind(2, "co", "CO", 8*time.Minute, "portal-bruteforce"), ind(1, "co", "CO", 5*time.Minute, "", "T1110.003"),
		}, credit(1, "00:05:00")},
		{"every partner team", []SharedIndicator{
			ind(2, "pe", "PE", 8*time.Minute, "portal-bruteforce"), ind(1, "co", "CO", 5*time.Minute, "portal-bruteforce"),
		}, credit(1, "00:05:00") + "\n" + credit(2, "00:08:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CooperationEntries(scenarios.DefaultScoring(), ev, tc.indicators)
			checkEntries(t, got, tc.want)
			for _, e := range got {
				if e.CauseKind != CauseCooperation || e.CauseID == 0 || e.Team == "cl" {
					t.Errorf("entry %+v: want a cooperation entry for the sharing team, caused by its indicator", e)
				}
			}
		})
	}
}

func TestPenaltyEntries(t *testing.T) {
	hint := HintTaken{Team: "cl", Challenge: "attacker-address", Hint: 0, Cost: -1, Moment: at(33 * time.Minute)}
	ownCost, free := hint, hint
	ownCost.Hint, ownCost.Cost = 1, 15
	free.Cost = 0
	reset := HostReset{Team: "cl", Host: "portal", Author: "ana", Moment: at(40 * time.Minute)}
	anonymous := reset
	anonymous.Author = ""
	for _, tc := range []struct {
		name string
		got  []Entry
		want string
	}{
		{"hint at the scenario's cost", HintEntries(scenarios.DefaultScoring(), hint), "penalties −10: hint 1 of challenge attacker-address taken at 00:33:00 (raw -10)"},
		{"hint at its own cost", HintEntries(scenarios.DefaultScoring(), ownCost), "penalties −15: hint 2 of challenge attacker-address taken at 00:33:00 (raw -15)"},
		{"free hint", HintEntries(scenarios.DefaultScoring(), free), ""},
		{"reset", ResetEntries(scenarios.DefaultScoring(), reset), "penalties −25: host portal reset at 00:40:00 by ana (raw -25)"},
		{"reset by the team", ResetEntries(scenarios.DefaultScoring(), anonymous), "penalties −25: host portal reset at 00:40:00 (raw -25)"},
		{"weighted", ResetEntries(withWeights(map[string]float64{"penalties": 2}), reset), "penalties −50: host portal reset at 00:40:00 by ana (raw -25)"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEntries(t, tc.got, tc.want) })
	}
}

func TestAdjustmentEntries(t *testing.T) {
	base := Adjustment{Team: "cl", Points: -30, Author: "ana", Reason: " scanned another team's range ", Moment: at(time.Hour)}
	with := func(f func(*Adjustment)) Adjustment { a := base; f(&a); return a }
	for _, tc := range []struct {
		name string
		adj  Adjustment
		want string
		err  string
	}{
		{"defaults to its own category", base, "adjustments −30: adjustment by ana: scanned another team's range (raw -30)", ""},
		{"names a category, unweighted", with(func(a *Adjustment) { a.Category, a.Points = "defense", 50 }),
			"defense +50: adjustment by ana: scanned another team's range (raw 50)", ""},
		{"no reason", with(func(a *Adjustment) { a.Reason = "  " }), "", "adjustment: reason is missing: invalid"},
		{"no author", with(func(a *Adjustment) { a.Author = "" }), "", "adjustment: author is missing: invalid"},
		{"no points", with(func(a *Adjustment) { a.Points = 0 }), "", "adjustment of 0 points: invalid"},
		{"unknown category", with(func(a *Adjustment) { a.Category = "style" }), "",
			`adjustment category "style" is not one of availability, defense, detection, injects, challenges, cooperation, penalties, adjustments: invalid`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AdjustmentEntries(tc.adj)
			if fmt.Sprint(err) != map[bool]string{true: "<nil>", false: tc.err}[tc.err == ""] {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			checkEntries(t, got, tc.want)
			for _, e := range got {
				if e.Author != "ana" || e.Reason != "scanned another team's range" || e.CauseKind != CauseAdjustment {
					t.Errorf("entry %+v: want author, trimmed reason and adjustment cause", e)
				}
			}
		})
	}
}
