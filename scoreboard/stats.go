package scoreboard

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Durations summarizes how long something took over several cases.
type Durations struct {
	Count  int
	Median time.Duration
	P90    time.Duration
}

// summarize interpolates percentiles linearly between the closest ranks,
// the method spreadsheets call PERCENTILE.INC, so that a program manager
// can check a figure by hand; the median of an even count is the mean of the
// two middle values.
func summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	sorted := slices.Sorted(slices.Values(ds))
	return Durations{Count: len(ds), Median: percentile(sorted, 0.5), P90: percentile(sorted, 0.9)}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	x := p * float64(len(sorted)-1)
	i := int(x)
	if i+1 == len(sorted) {
		return sorted[i]
	}
	return sorted[i] + time.Duration(math.Round((x-float64(i))*float64(sorted[i+1]-sorted[i])))
}

// Summary is what a team, a country or a whole exercise achieved.
type Summary struct {
	Checks, ChecksPassed int
	// Availability is the share of checks passed, in percent.
	Availability float64

	Blocked, Succeeded, NotApplicable int
	// Detected counts attack runs matched by an incident report;
	// TimeToDetect runs from a run's start to that report.
	Detected     int
	TimeToDetect Durations

	// Injects counts injects that asked for an answer; TimeToRespond runs
	// from delivery to answer.
	Injects, Answered, Late int
	TimeToRespond           Durations
}

// TeamStatistics is one team's summary.
type TeamStatistics struct {
	Team Team
	Summary
}

// CountryStatistics pools the cases of a country's teams: its median time
// to detect is over every detection of any of its teams.
type CountryStatistics struct {
	Country string
	Teams   int
	Summary
}

// InjectStatistics is how teams answered one inject.
type InjectStatistics struct {
	Inject                    string
	Delivered, Answered, Late int
	TimeToRespond             Durations
}

// Statistics of one exercise.
type Statistics struct {
	Exercise  string
	Overall   Summary
	Countries []CountryStatistics
	Teams     []TeamStatistics
	Injects   []InjectStatistics
}

// tally accumulates a Summary and the samples its Durations come from.
type tally struct {
	Summary
	ttd, ttr []time.Duration
}

func (t *tally) add(o *tally) {
	t.Checks += o.Checks
	t.ChecksPassed += o.ChecksPassed
	t.Blocked += o.Blocked
	t.Succeeded += o.Succeeded
	t.NotApplicable += o.NotApplicable
	t.Detected += o.Detected
	t.Injects += o.Injects
	t.Answered += o.Answered
	t.Late += o.Late
	t.ttd = append(t.ttd, o.ttd...)
	t.ttr = append(t.ttr, o.ttr...)
}

func (t *tally) summary() Summary {
	s := t.Summary
	if s.Checks > 0 {
		s.Availability = round2(100 * float64(s.ChecksPassed) / float64(s.Checks))
	}
	s.TimeToDetect, s.TimeToRespond = summarize(t.ttd), summarize(t.ttr)
	return s
}

// Statistics computes an exercise's statistics from its outcomes. Times are
// exercise times, so pauses do not count against teams.
func (s *Store) Statistics(ctx context.Context, exercise string) (Statistics, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return Statistics{}, err
	}
	fail := func(err error) (Statistics, error) {
		return Statistics{}, fmt.Errorf("statistics of %q: %w", exercise, err)
	}
	var teams []teamRow
	if err := s.db.SelectContext(ctx, &teams, "SELECT * FROM teams WHERE exercise_id = ? ORDER BY key", ex.ID); err != nil {
		return fail(err)
	}
	byTeam := map[int64]*tally{}
	for _, t := range teams {
		byTeam[t.ID] = &tally{}
	}
	if err := s.tallyChecks(ctx, ex.ID, byTeam); err != nil {
		return fail(err)
	}
	if err := s.tallyAttackRuns(ctx, ex.ID, byTeam); err != nil {
		return fail(err)
	}
	if err := s.tallyDetections(ctx, ex.ID, byTeam); err != nil {
		return fail(err)
	}
	injects, err := s.tallyInjects(ctx, ex.ID, byTeam)
	if err != nil {
		return fail(err)
	}
	st := Statistics{Exercise: ex.Name, Injects: injects}
	st.Overall, st.Countries, st.Teams = summarizeTeams(ex.Name, teams, byTeam)
	return st, nil
}

// tallyChecks counts each team's checks and those it passed.
func (s *Store) tallyChecks(ctx context.Context, exerciseID int64, byTeam map[int64]*tally) error {
	var checks []struct {
		Team   int64 `db:"team_id"`
		Checks int   `db:"checks"`
		Passed int   `db:"passed"`
	}
	if err := s.db.SelectContext(ctx, &checks, `SELECT team_id, COUNT(*) AS checks, SUM(up) AS passed
		FROM check_results WHERE exercise_id = ? GROUP BY team_id`, exerciseID); err != nil {
		return err
	}
	for _, c := range checks {
		byTeam[c.Team].Checks, byTeam[c.Team].ChecksPassed = c.Checks, c.Passed
	}
	return nil
}

// tallyAttackRuns counts each team's attack runs by verdict.
func (s *Store) tallyAttackRuns(ctx context.Context, exerciseID int64, byTeam map[int64]*tally) error {
	var runs []struct {
		Team    int64  `db:"team_id"`
		Verdict string `db:"verdict"`
		Runs    int    `db:"runs"`
	}
	if err := s.db.SelectContext(ctx, &runs, `SELECT team_id, verdict, COUNT(*) AS runs
		FROM attack_runs WHERE exercise_id = ? GROUP BY team_id, verdict`, exerciseID); err != nil {
		return err
	}
	for _, r := range runs {
		t := byTeam[r.Team]
		switch r.Verdict {
		case VerdictBlocked:
			t.Blocked = r.Runs
		case VerdictSucceeded:
			t.Succeeded = r.Runs
		default:
			t.NotApplicable = r.Runs
		}
	}
	return nil
}

// tallyDetections counts each team's detected runs and samples the time
// from a run's start to the report that matched it.
func (s *Store) tallyDetections(ctx context.Context, exerciseID int64, byTeam map[int64]*tally) error {
	var detections []struct {
		Team  int64 `db:"team_id"`
		Delay int64 `db:"delay"`
	}
	if err := s.db.SelectContext(ctx, &detections, `SELECT run.team_id, rep.elapsed - run.started_elapsed AS delay
		FROM detections d JOIN attack_runs run ON run.id = d.run_id JOIN incident_reports rep ON rep.id = d.report_id
		WHERE run.exercise_id = ?`, exerciseID); err != nil {
		return err
	}
	for _, d := range detections {
		t := byTeam[d.Team]
		t.Detected++
		t.ttd = append(t.ttd, durationMS(d.Delay))
	}
	return nil
}

// tallyInjects counts, per team and per inject, the deliveries that asked
// for an answer, the answers and the late ones, and samples the time to
// respond; it returns the injects' statistics in the order of their names.
func (s *Store) tallyInjects(ctx context.Context, exerciseID int64, byTeam map[int64]*tally) ([]InjectStatistics, error) {
	var deliveries []struct {
		Team     int64         `db:"team_id"`
		Inject   string        `db:"inject"`
		Due      int64         `db:"due"`
		Elapsed  int64         `db:"elapsed"`
		Answered sql.NullInt64 `db:"answered"`
	}
	if err := s.db.SelectContext(ctx, &deliveries, `SELECT d.team_id, d.inject, d.due, d.elapsed, resp.elapsed AS answered
		FROM inject_deliveries d LEFT JOIN inject_responses resp ON resp.delivery_id = d.id
		WHERE d.exercise_id = ? AND d.expects`, exerciseID); err != nil {
		return nil, err
	}
	byInject := map[string]*InjectStatistics{}
	injectTTR := map[string][]time.Duration{}
	for _, d := range deliveries {
		t, is := byTeam[d.Team], byInject[d.Inject]
		if is == nil {
			is = &InjectStatistics{Inject: d.Inject}
			byInject[d.Inject] = is
		}
		t.Injects++
		is.Delivered++
		if !d.Answered.Valid {
			continue
		}
		ttr := durationMS(d.Answered.Int64 - d.Elapsed)
		t.Answered++
		is.Answered++
		t.ttr = append(t.ttr, ttr)
		injectTTR[d.Inject] = append(injectTTR[d.Inject], ttr)
		if d.Due > 0 && d.Answered.Int64 > d.Elapsed+d.Due {
			t.Late++
			is.Late++
		}
	}
	var injects []InjectStatistics
	for _, name := range slices.Sorted(maps.Keys(byInject)) {
		is := byInject[name]
		is.TimeToRespond = summarize(injectTTR[name])
		injects = append(injects, *is)
	}
	return injects, nil
}

// summarizeTeams summarizes each team in the order of teams, pools them by
// country in the order of the countries' names, and pools them all.
func summarizeTeams(exercise string, teams []teamRow, byTeam map[int64]*tally) (Summary, []CountryStatistics, []TeamStatistics) {
	var teamStats []TeamStatistics
	overall := &tally{}
	byCountry := map[string]*tally{}
	teamCount := map[string]int{}
	for _, t := range teams {
		tl := byTeam[t.ID]
		teamStats = append(teamStats, TeamStatistics{Team: Team{Exercise: exercise, ID: t.Key, Name: t.Name, Country: t.Country}, Summary: tl.summary()})
		if byCountry[t.Country] == nil {
			byCountry[t.Country] = &tally{}
		}
		byCountry[t.Country].add(tl)
		teamCount[t.Country]++
		overall.add(tl)
	}
	var countries []CountryStatistics
	for _, c := range slices.Sorted(maps.Keys(byCountry)) {
		countries = append(countries, CountryStatistics{Country: c, Teams: teamCount[c], Summary: byCountry[c].summary()})
	}
	return overall.summary(), countries, teamStats
}

// Trend is one exercise's place in a series of exercises.
type Trend struct {
	Exercise  string
	Title     string
	Scenario  string
	StartedAt time.Time
	Overall   Summary
	Countries []CountryStatistics
}

// Trends summarizes every exercise, in the order they started, for charts
// of how teams and countries improve over months.
func (s *Store) Trends(ctx context.Context) ([]Trend, error) {
	exercises, err := s.Exercises(ctx)
	if err != nil {
		return nil, err
	}
	var trends []Trend
	for _, ex := range exercises {
		st, err := s.Statistics(ctx, ex.Name)
		if err != nil {
			return nil, err
		}
		trends = append(trends, Trend{
			Exercise: ex.Name, Title: ex.Title, Scenario: ex.Scenario, StartedAt: ex.StartedAt,
			Overall: st.Overall, Countries: st.Countries,
		})
	}
	return trends, nil
}
