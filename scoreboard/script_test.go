package scoreboard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// scripted opens a file holding two exercises of the Chile–Colombia
// program: a small one in Q3 and "andes-2026-q4", a full drill with every
// kind of outcome. Its numbers are worked out by hand in TestScriptedExercise.
func scripted(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "cordillera.db"))
	q3 := t0.AddDate(0, -3, 0)
	if err := s.CreateExercise(ctx, Exercise{Name: "andes-2026-q3", Title: "Andes Q3", Scenario: "water-utility", Scoring: scenarios.DefaultScoring(), CreatedAt: q3.Add(-time.Hour)},
		[]Team{{ID: "cl-csirt", Name: "CSIRT Chile", Country: "CL"}, {ID: "co-colcert", Name: "colCERT", Country: "CO"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartExercise(ctx, "andes-2026-q3", q3); err != nil {
		t.Fatal(err)
	}
	then := func(elapsed time.Duration) Moment { return Moment{At: q3.Add(elapsed), Elapsed: elapsed} }
	for round := 1; round <= 4; round++ {
		for _, team := range []string{"cl-csirt", "co-colcert"} {
			ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: "andes-2026-q3", Team: team, Host: "portal", Service: "http", Round: round,
				Up: team == "cl-csirt" || round < 3, Moment: then(time.Duration(round) * 30 * time.Second)}))
		}
	}
	for _, team := range []string{"cl-csirt", "co-colcert"} {
		ok(t)(s.RecordAttackRun(ctx, AttackRun{ID: "q3-" + team, Exercise: "andes-2026-q3", Team: team, Attack: "portal-bruteforce", Techniques: []string{"T1110.003"},
			Target: "portal", Verdict: VerdictSucceeded, Started: then(10 * time.Minute), Ended: then(11 * time.Minute)}))
	}
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "andes-2026-q3", Team: "co-colcert", Target: "portal", Techniques: []string{"T1110"},
		Summary: "SSH password spraying", Moment: then(22 * time.Minute)}))

	cfg := scenarios.DefaultScoring()
	cfg.Challenges.FirstSolveBonus = 10
	cfg.Weights = map[string]float64{scenarios.CategoryDefense: 1.5}
	const ex = "andes-2026-q4"
	if err := s.CreateExercise(ctx, Exercise{Name: ex, Title: "Andes Q4: ransomware pressure on a water utility", Scenario: "water-utility",
		Scoring: cfg, CreatedAt: t0.Add(-time.Hour)}, []Team{
		{ID: "cl-csirt", Name: "CSIRT Chile", Country: "CL"},
		{ID: "cl-ccn", Name: "CSIRT Sectorial Energía", Country: "CL"},
		{ID: "co-colcert", Name: "colCERT", Country: "CO"},
		{ID: "co-csirt-fin", Name: "CSIRT Financiero", Country: "CO"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartExercise(ctx, ex, t0); err != nil {
		t.Fatal(err)
	}
	teams := []string{"cl-csirt", "cl-ccn", "co-colcert", "co-csirt-fin"}

	// Availability: co-csirt-fin's portal is down six rounds in a row,
	// cl-ccn's SSH once.
	for round := 1; round <= 10; round++ {
		for _, team := range teams {
			for _, service := range []string{"http", "ssh"} {
				up := !(team == "co-csirt-fin" && service == "http" && round >= 3 && round <= 8) && !(team == "cl-ccn" && service == "ssh" && round == 5)
				ok(t)(s.RecordCheck(ctx, CheckResult{Exercise: ex, Team: team, Host: "portal", Service: service, Round: round, Up: up,
					Detail: map[bool]string{true: "200 OK", false: "connection refused"}[up], Moment: at(time.Duration(round) * 30 * time.Second)}))
			}
		}
	}

	// colCERT shares the attacker's address before the password spraying.
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: ex, Team: "co-colcert", Kind: IndicatorIPv4, Value: "10.66.0.5", Attack: "portal-bruteforce",
		Description: "Source of the SSH password spraying against our portal", Moment: at(7 * time.Minute)}))
	// co-colcert reports the spraying while it is under way, before its verdict.
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: ex, Team: "co-colcert", Target: "portal", Techniques: []string{"T1110.003"}, Source: "10.66.0.5",
		Summary: "Password spraying against the portal's SSH", Moment: at(10*time.Minute + 30*time.Second)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: ex, Team: "co-csirt-fin", Target: "portal", Techniques: []string{"T1046"}, Source: "10.66.0.9",
		Summary: "Port scan of the portal", Moment: at(9 * time.Minute)}))

	verdicts := map[string][2]string{
		"cl-csirt":     {VerdictBlocked, VerdictBlocked},
		"cl-ccn":       {VerdictSucceeded, VerdictSucceeded},
		"co-colcert":   {VerdictNotApplicable, VerdictBlocked},
		"co-csirt-fin": {VerdictSucceeded, VerdictSucceeded},
	}
	for i, attack := range []struct {
		name, technique string
		start, end      time.Duration
	}{{"recon", "T1046", 4 * time.Minute, 4*time.Minute + 30*time.Second}, {"portal-bruteforce", "T1110.003", 10 * time.Minute, 11 * time.Minute}} {
		for _, team := range teams {
			ok(t)(s.RecordAttackRun(ctx, AttackRun{ID: fmt.Sprintf("%s-%s", attack.name, team), Exercise: ex, Team: team, Attack: attack.name,
				Techniques: []string{attack.technique}, Target: "portal", Verdict: verdicts[team][i], Evidence: "scripted",
				Started: at(attack.start), Ended: at(attack.end)}))
		}
	}
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: ex, Team: "cl-csirt", Kind: IndicatorDomain, Value: "update-check.example", Techniques: []string{"T1110"},
		Description: "Domain the spraying tool resolved", Moment: at(12 * time.Minute)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: ex, Team: "cl-ccn", Target: "portal", Techniques: []string{"T1110"}, Source: "10.66.0.5",
		Summary: "Brute force against the portal from 10.66.0.5", Moment: at(14 * time.Minute)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: ex, Team: "cl-csirt", Target: "mail", Techniques: []string{"T1566"},
		Summary: "Suspicious e-mail", Moment: at(40 * time.Minute)}))

	ok(t)(s.RecordReset(ctx, HostReset{Exercise: ex, Team: "co-csirt-fin", Host: "portal", Author: "ana", Moment: at(15 * time.Minute)}))

	// Injects: one to read, one to answer within 20 minutes.
	for _, team := range teams {
		ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: ex, Team: team, Inject: "shift-change", Subject: "The night shift takes over", Moment: at(20 * time.Minute)}))
		ok(t)(s.RecordInjectDelivery(ctx, InjectDelivery{Exercise: ex, Team: team, Inject: "press-inquiry", Subject: "A journalist asks about water quality",
			Expects: true, Points: 50, Due: 20 * time.Minute, Moment: at(30 * time.Minute)}))
	}
	for team, answered := range map[string]time.Duration{"cl-csirt": 35 * time.Minute, "cl-ccn": 55 * time.Minute, "co-colcert": 40 * time.Minute} {
		ok(t)(s.RecordInjectResponse(ctx, InjectResponse{Exercise: ex, Team: team, Inject: "press-inquiry", Body: "Statement for the press", Moment: at(answered)}))
	}

	// Challenges: colCERT solves first; cl-ccn guesses until refused.
	submit := func(team string, correct bool, elapsed time.Duration) (Recorded, error) {
		return s.RecordSubmission(ctx, ChallengeSubmission{Exercise: ex, Team: team, Challenge: "attacker-address", Answer: map[bool]string{true: "10.66.0.5", false: "10.66.0.1"}[correct],
			Correct: correct, Points: 40, Moment: at(elapsed)})
	}
	ok(t)(submit("co-colcert", false, 20*time.Minute))
	ok(t)(submit("co-colcert", true, 21*time.Minute))
	ok(t)(submit("cl-csirt", true, 25*time.Minute))
	for i := range 5 {
		ok(t)(submit("cl-ccn", false, 26*time.Minute+time.Duration(i)*10*time.Second))
	}
	if _, err := submit("cl-ccn", true, 26*time.Minute+50*time.Second); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("sixth answer in a minute: %v, want ErrRateLimited", err)
	}
	ok(t)(s.RecordHint(ctx, HintTaken{Exercise: ex, Team: "cl-ccn", Challenge: "attacker-address", Cost: -1, Moment: at(27 * time.Minute)}))

	grade := func(team string, percent int, elapsed time.Duration) {
		ok(t)(s.GradeInjectResponse(ctx, InjectGrade{Exercise: ex, Team: team, Inject: "press-inquiry", Percent: percent, Author: "ana",
			Note: "tone and facts", Moment: at(elapsed)}))
	}
	grade("co-colcert", 60, 45*time.Minute)
	ok(t)(s.Adjust(ctx, Adjustment{Exercise: ex, Team: "cl-ccn", Points: -20, Author: "ana", Reason: "scanned another team's range", Moment: at(48 * time.Minute)}))

	// Every attack's detection window has closed: teams learn the outcomes.
	if _, err := s.RevealDue(ctx, ex, at(45*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The public board freezes for the last stretch; grading goes on.
	if err := s.Freeze(ctx, ex, t0.Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	grade("cl-ccn", 100, 58*time.Minute)
	grade("cl-csirt", 80, 60*time.Minute)
	grade("co-colcert", 90, 62*time.Minute)
	ok(t)(s.Adjust(ctx, Adjustment{Exercise: ex, Team: "co-csirt-fin", Points: 15, Author: "ana", Reason: "helped the other teams in the debrief", Moment: at(65 * time.Minute)}))
	if err := s.EndExercise(ctx, ex, t0.Add(70*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScriptedExercise(t *testing.T) {
	ctx := context.Background()
	s := scripted(t)
	if err := s.VerifyTotals(ctx, "andes-2026-q4"); err != nil {
		t.Fatal(err)
	}
	standings := func(view View) string {
		st, err := s.Standings(ctx, "andes-2026-q4", view)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, ts := range st.Teams {
			var cats []string
			for _, c := range Categories {
				cats = append(cats, fmt.Sprint(ts.Categories[c]))
			}
			lines = append(lines, fmt.Sprintf("%d %s %d = %s", ts.Rank, ts.Team.ID, ts.Total, strings.Join(cats, " ")))
		}
		for _, c := range st.Countries {
			lines = append(lines, fmt.Sprintf("%d %s %g", c.Rank, c.Country, c.Total))
		}
		return strings.Join(lines, "\n")
	}
	// Categories: availability defense detection injects challenges
	// cooperation penalties adjustments. Defense weighs 1.5.
	if got, want := standings(Live), strings.Join([]string{
		"1 co-colcert 270 = 20 75 40 45 50 40 0 0",      // bruteforce blocked; reported 30s in; 90% on time; first solve; two credits
		"2 cl-csirt 250 = 20 150 0 40 40 0 0 0",         // both blocked; 80%; solved
		"3 cl-ccn -249 = 19 -300 37 25 0 0 -10 -20",     // one SSH failure; both succeeded; reported 4m in; late 100%; hint; adjustment
		"4 co-csirt-fin -274 = -1 -300 37 0 0 0 -25 15", // six failures, three beyond the SLA; scan reported 5m in; reset
		"1 CL 1",
		"2 CO -4",
	}, "\n"); got != want {
		t.Errorf("live standings:\n%s\nwant:\n%s", got, want)
	}
	// Frozen at 00:50:00: the grades and the adjustment after it do not
	// show, and Colombia moves ahead.
	if got, want := standings(Public), strings.Join([]string{
		"1 co-colcert 255 = 20 75 40 30 50 40 0 0",
		"2 cl-csirt 210 = 20 150 0 0 40 0 0 0",
		"3 cl-ccn -274 = 19 -300 37 0 0 0 -10 -20",
		"4 co-csirt-fin -289 = -1 -300 37 0 0 0 -25 0",
		"1 CO -34",
		"2 CL -64",
	}, "\n"); got != want {
		t.Errorf("public standings:\n%s\nwant:\n%s", got, want)
	}

	b, err := s.TeamBreakdown(ctx, "andes-2026-q4", "cl-ccn", EntryQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var explained []string
	for _, e := range b.Entries {
		if e.Category != scenarios.CategoryAvailability {
			explained = append(explained, e.String())
		}
	}
	if got, want := strings.Join(explained, "\n"), strings.Join([]string{
		"+25: inject press-inquiry answered at 00:55:00, graded 100% by ana, late by 5m0s (−50%)",
		"−20: adjustment by ana: scanned another team's range",
		"−10: hint 1 of challenge attacker-address taken at 00:27:00",
		"+37: report 4 at 00:14:00 detected attack portal-bruteforce against portal, 4m0s after it started",
		"−150: attack portal-bruteforce succeeded at 00:11:00 against portal",
		"−150: attack recon succeeded at 00:04:30 against portal",
	}, "\n"); got != want {
		t.Errorf("cl-ccn's explanation:\n%s\nwant:\n%s", got, want)
	}

	st, err := s.Statistics(ctx, "andes-2026-q4")
	if err != nil {
		t.Fatal(err)
	}
	summary := func(s Summary) string {
		return fmt.Sprintf("%g%% of %d; %d blocked %d succeeded %d n/a; %d detected, TTD %s/%s; %d/%d answered, %d late, TTR %s/%s",
			s.Availability, s.Checks, s.Blocked, s.Succeeded, s.NotApplicable, s.Detected, s.TimeToDetect.Median, s.TimeToDetect.P90,
			s.Answered, s.Injects, s.Late, s.TimeToRespond.Median, s.TimeToRespond.P90)
	}
	var got []string
	for _, ts := range st.Teams {
		got = append(got, ts.Team.ID+": "+summary(ts.Summary))
	}
	for _, c := range st.Countries {
		got = append(got, c.Country+": "+summary(c.Summary))
	}
	got = append(got, "all: "+summary(st.Overall))
	for _, in := range st.Injects {
		got = append(got, fmt.Sprintf("%s: %d/%d answered, %d late, TTR %s/%s", in.Inject, in.Answered, in.Delivered, in.Late, in.TimeToRespond.Median, in.TimeToRespond.P90))
	}
	if got, want := strings.Join(got, "\n"), strings.Join([]string{
		"cl-ccn: 95% of 20; 0 blocked 2 succeeded 0 n/a; 1 detected, TTD 4m0s/4m0s; 1/1 answered, 1 late, TTR 25m0s/25m0s",
		"cl-csirt: 100% of 20; 2 blocked 0 succeeded 0 n/a; 0 detected, TTD 0s/0s; 1/1 answered, 0 late, TTR 5m0s/5m0s",
		"co-colcert: 100% of 20; 1 blocked 0 succeeded 1 n/a; 1 detected, TTD 30s/30s; 1/1 answered, 0 late, TTR 10m0s/10m0s",
		"co-csirt-fin: 70% of 20; 0 blocked 2 succeeded 0 n/a; 1 detected, TTD 5m0s/5m0s; 0/1 answered, 0 late, TTR 0s/0s",
		"CL: 97.5% of 40; 2 blocked 2 succeeded 0 n/a; 1 detected, TTD 4m0s/4m0s; 2/2 answered, 1 late, TTR 15m0s/23m0s",
		"CO: 85% of 40; 1 blocked 2 succeeded 1 n/a; 2 detected, TTD 2m45s/4m33s; 1/2 answered, 0 late, TTR 10m0s/10m0s",
		"all: 91.25% of 80; 3 blocked 4 succeeded 1 n/a; 3 detected, TTD 4m0s/4m48s; 3/4 answered, 1 late, TTR 10m0s/22m0s",
		"press-inquiry: 3/4 answered, 1 late, TTR 10m0s/22m0s",
	}, "\n"); got != want {
		t.Errorf("statistics:\n%s\nwant:\n%s", got, want)
	}

	trends, err := s.Trends(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(trends) != 2 || trends[0].Exercise != "andes-2026-q3" || trends[1].Exercise != "andes-2026-q4" ||
		trends[0].Overall.Availability != 75 || trends[0].Overall.Succeeded != 2 || trends[0].Overall.Detected != 1 {
		t.Errorf("trends %+v: want Q3 (75%% available, 2 succeeded, 1 detected) then Q4", trends)
	}
}
