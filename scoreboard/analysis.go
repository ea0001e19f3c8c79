package scoreboard

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"time"
)

// This file reads what program managers review after (or during) an
// exercise: score over time per country, the after-action report's data and
// the comparison of exercises. It only reads; it adds no tables.

// CountrySeries is a country's score over time: the sum or the mean of its
// teams' series, as the country standings count.
type CountrySeries struct {
	Country string
	Points  []CountryPoint
}

// CountryPoint is a country's total at the end of a step.
type CountryPoint struct {
	At    time.Time
	Total float64
}

// CountrySeriesOf folds teams' series into their countries' series. teams
// names each team's country; method is "sum" or "mean" (see
// Standings.CountryStanding). Countries come in code order.
func CountrySeriesOf(series []TeamSeries, teams []Team, method string) []CountrySeries {
	country := make(map[string]string, len(teams))
	for _, t := range teams {
		country[t.ID] = t.Country
	}
	byCountry := map[string]*CountrySeries{}
	count := map[string]int{}
	for _, ts := range series {
		c, ok := country[ts.Team]
		if !ok {
			continue
		}
		cs := byCountry[c]
		if cs == nil {
			cs = &CountrySeries{Country: c, Points: make([]CountryPoint, len(ts.Points))}
			for i, p := range ts.Points {
				cs.Points[i].At = p.At
			}
			byCountry[c] = cs
		}
		count[c]++
		for i, p := range ts.Points {
			if i < len(cs.Points) {
				cs.Points[i].Total += float64(p.Total)
			}
		}
	}
	out := make([]CountrySeries, 0, len(byCountry))
	for c, cs := range byCountry {
		if method == "mean" {
			for i := range cs.Points {
				cs.Points[i].Total = round2(cs.Points[i].Total / float64(count[c]))
			}
		}
		out = append(out, *cs)
	}
	slices.SortFunc(out, func(a, b CountrySeries) int { return cmp.Compare(a.Country, b.Country) })
	return out
}

// AttackOutcome is what became of one attack against one team: the
// engine's execution, the scored run, or both.
type AttackOutcome struct {
	Team string
	// Outcome is the run's verdict when it was scored; otherwise the
	// execution's outcome, or its state when it has none (skipped, missed,
	// waiting for approval…).
	Outcome string
	Run     string
	// Due is the exercise time the attack was due at; zero when only the
	// run is known.
	Due     time.Duration
	Started Moment // zero when it never started
	// Reason is why the execution ended as it did, when it says.
	Reason string
	// Detected says a report of the team matched the run, TimeToDetect
	// after it started.
	Detected     bool
	TimeToDetect time.Duration
}

// AttackLine is one attack of the timeline and its outcome for each team
// it was run (or meant to run) against.
type AttackLine struct {
	Attack     string
	Techniques []string
	Target     string
	// At is the earliest exercise time it was due or started at, which
	// orders the timeline.
	At       time.Duration
	Outcomes []AttackOutcome // in team order
}

// Detection is an incident report matched to an attack run.
type Detection struct {
	Team, Run, Attack string
	Target            string
	Started           Moment // the run's start
	Reported          Moment // the report's
	TimeToDetect      time.Duration
	Summary           string
}

// InjectOutcome is one inject delivered to one team and its answer.
type InjectOutcome struct {
	Team, Inject, Subject string
	Expects               bool
	Due                   time.Duration // 0: no deadline
	Delivered             Moment
	Answered              Moment // zero when not answered
	TimeToRespond         time.Duration
	Late                  bool
	// Percent is the latest grade, -1 when not graded.
	Percent int
}

// IndicatorOutcome is a shared indicator and the cooperation points it
// earned the team that shared it.
type IndicatorOutcome struct {
	SharedIndicator
	// Credits counts the partner teams' blocks and detections it helped.
	Credits int
	Points  int
}

// AfterAction is everything an exercise's after-action report shows, read
// in one go.
type AfterAction struct {
	Exercise Exercise
	Clock    Clock
	// Duration is the exercise time elapsed at the end, or now when it has
	// not ended.
	Duration   time.Duration
	Teams      []Team // without join codes, in id order
	Standings  Standings
	Series     []TeamSeries
	Countries  []CountrySeries
	Statistics Statistics
	Attacks    []AttackLine
	Detections []Detection
	Injects    []InjectOutcome
	Indicators []IndicatorOutcome
	// ByHand are the entries instructors made: adjustments and hand-matched
	// reports, each with its author and reason, in time order.
	ByHand []Entry
}

// AfterAction reads an exercise's after-action data at wall time now. It
// reads the live board: a report is for the white team and managers.
func (s *Store) AfterAction(ctx context.Context, exercise string, now time.Time, step time.Duration) (AfterAction, error) {
	var aa AfterAction
	var err error
	if aa.Exercise, err = s.Exercise(ctx, exercise); err != nil {
		return aa, err
	}
	if aa.Clock, err = s.Clock(ctx, exercise); err != nil {
		return aa, err
	}
	aa.Duration = aa.Clock.Elapsed(now)
	if aa.Standings, err = s.Standings(ctx, exercise, Live); err != nil {
		return aa, err
	}
	if aa.Series, err = s.ScoreSeries(ctx, exercise, Live, step); err != nil {
		return aa, err
	}
	if aa.Statistics, err = s.Statistics(ctx, exercise); err != nil {
		return aa, err
	}
	ev, err := s.Evidence(ctx, exercise)
	if err != nil {
		return aa, err
	}
	aa.Teams = ev.Teams
	aa.Countries = CountrySeriesOf(aa.Series, aa.Teams, aa.Standings.CountryStanding)
	execs, err := s.Executions(ctx, exercise)
	if err != nil {
		return aa, err
	}
	aa.Detections = detections(ev)
	aa.Attacks = attackLines(ev.Teams, execs, ev.Runs, aa.Detections)
	if aa.Injects, err = s.injectOutcomes(ctx, exercise); err != nil {
		return aa, err
	}
	if aa.Indicators, err = s.indicatorOutcomes(ctx, exercise); err != nil {
		return aa, err
	}
	if aa.ByHand, err = s.entriesByHand(ctx, exercise); err != nil {
		return aa, err
	}
	return aa, nil
}

// detections pairs matched reports with their runs; the time to detect is
// counted as Statistics counts it.
func detections(ev Evidence) []Detection {
	runs := make(map[string]AttackRun, len(ev.Runs))
	for _, r := range ev.Runs {
		runs[r.ID] = r
	}
	var out []Detection
	for _, rep := range ev.Reports {
		run, ok := runs[rep.Run]
		if rep.Run == "" || !ok {
			continue
		}
		out = append(out, Detection{
			Team: rep.Team, Run: run.ID, Attack: run.Attack, Target: run.Target, Started: run.Started, Reported: rep.Moment,
			TimeToDetect: rep.Elapsed - run.Started.Elapsed, Summary: rep.Summary,
		})
	}
	return out
}

// attackLines merges the engine's executions with the scored runs into one
// line per attack.
func attackLines(teams []Team, execs []Execution, runs []AttackRun, dets []Detection) []AttackLine {
	order := make(map[string]int, len(teams))
	for i, t := range teams {
		order[t.ID] = i
	}
	detected := map[string]Detection{}
	for _, d := range dets {
		detected[d.Run] = d
	}
	type key struct{ attack, team string }
	lines := map[string]*AttackLine{}
	outcomes := map[key]*AttackOutcome{}
	line := func(attack string, at time.Duration) *AttackLine {
		l := lines[attack]
		if l == nil {
			l = &AttackLine{Attack: attack, At: at}
			lines[attack] = l
		}
		l.At = min(l.At, at)
		return l
	}
	byRun := map[string]*AttackOutcome{}
	for _, e := range execs {
		line(e.Attack, e.Due)
		o := &AttackOutcome{Team: e.Team, Outcome: cmp.Or(e.Outcome, e.State), Run: e.Run, Due: e.Due, Started: e.Started, Reason: e.Reason}
		// A manual re-run of an attack replaces the earlier one in the
		// line: the report lists where each team stands at the end.
		outcomes[key{e.Attack, e.Team}] = o
		if e.Run != "" {
			byRun[e.Run] = o
		}
	}
	for _, r := range runs {
		l := line(r.Attack, r.Started.Elapsed)
		if l.Target == "" {
			l.Target, l.Techniques = r.Target, r.Techniques
		}
		o := byRun[r.ID]
		if o == nil {
			o = &AttackOutcome{Team: r.Team, Run: r.ID, Due: r.Started.Elapsed}
			outcomes[key{r.Attack, r.Team}] = o
		}
		o.Outcome, o.Started = r.Verdict, r.Started
		if d, ok := detected[r.ID]; ok {
			o.Detected, o.TimeToDetect = true, d.TimeToDetect
		}
	}
	for k, o := range outcomes {
		lines[k.attack].Outcomes = append(lines[k.attack].Outcomes, *o)
	}
	out := make([]AttackLine, 0, len(lines))
	for _, l := range lines {
		slices.SortFunc(l.Outcomes, func(a, b AttackOutcome) int { return cmp.Compare(order[a.Team], order[b.Team]) })
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b AttackLine) int { return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Attack, b.Attack)) })
	return out
}

func (s *Store) injectOutcomes(ctx context.Context, exercise string) ([]InjectOutcome, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Team            string        `db:"team"`
		Inject          string        `db:"inject"`
		Subject         string        `db:"subject"`
		Expects         bool          `db:"expects"`
		Due             int64         `db:"due"`
		At              int64         `db:"at"`
		Elapsed         int64         `db:"elapsed"`
		AnsweredAt      sql.NullInt64 `db:"answered_at"`
		AnsweredElapsed sql.NullInt64 `db:"answered_elapsed"`
		Percent         sql.NullInt64 `db:"percent"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT t.key AS team, d.inject, d.subject, d.expects, d.due, d.at, d.elapsed,
			r.at AS answered_at, r.elapsed AS answered_elapsed,
			(SELECT g.percent FROM inject_grades g WHERE g.response_id = r.id ORDER BY g.id DESC LIMIT 1) AS percent
		FROM inject_deliveries d JOIN teams t ON t.id = d.team_id LEFT JOIN inject_responses r ON r.delivery_id = d.id
		WHERE d.exercise_id = ? ORDER BY d.elapsed, d.inject, t.key`, ex.ID)
	if err != nil {
		return nil, fmt.Errorf("injects of %q: %w", exercise, err)
	}
	out := make([]InjectOutcome, 0, len(rows))
	for _, r := range rows {
		o := InjectOutcome{
			Team: r.Team, Inject: r.Inject, Subject: r.Subject, Expects: r.Expects, Due: durationMS(r.Due),
			Delivered: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}, Percent: -1,
		}
		if r.AnsweredAt.Valid {
			o.Answered = Moment{At: fromMS(r.AnsweredAt.Int64), Elapsed: durationMS(r.AnsweredElapsed.Int64)}
			o.TimeToRespond = o.Answered.Elapsed - o.Delivered.Elapsed
			o.Late = r.Due > 0 && r.AnsweredElapsed.Int64 > r.Elapsed+r.Due
		}
		if r.Percent.Valid {
			o.Percent = int(r.Percent.Int64)
		}
		out = append(out, o)
	}
	return out, nil
}

func (s *Store) indicatorOutcomes(ctx context.Context, exercise string) ([]IndicatorOutcome, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		indicatorRow
		Credits int `db:"credits"`
		Points  int `db:"credited_points"`
	}
	// The credits are summed once over the exercise's ledger, not once per
	// indicator: the ledger has no index on the cause.
	err = s.db.SelectContext(ctx, &rows, `SELECT si.*, t.key AS team, t.country,
			COALESCE(c.credits, 0) AS credits, COALESCE(c.points, 0) AS credited_points
		FROM shared_indicators si JOIN teams t ON t.id = si.team_id
		LEFT JOIN (SELECT cause_id, COUNT(*) AS credits, SUM(points) AS points FROM ledger
			WHERE exercise_id = ?1 AND cause_kind = ?2 GROUP BY cause_id) c ON c.cause_id = si.id
		WHERE si.exercise_id = ?1 ORDER BY si.elapsed, si.id`, ex.ID, CauseCooperation)
	if err != nil {
		return nil, fmt.Errorf("indicators of %q: %w", exercise, err)
	}
	out := make([]IndicatorOutcome, 0, len(rows))
	for _, r := range rows {
		out = append(out, IndicatorOutcome{SharedIndicator: r.indicator(ex.Name), Credits: r.Credits, Points: r.Points})
	}
	return out, nil
}

func (s *Store) entriesByHand(ctx context.Context, exercise string) ([]Entry, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []ledgerRow
	err = s.db.SelectContext(ctx, &rows, `SELECT l.*, t.key AS team FROM ledger l JOIN teams t ON t.id = l.team_id
		WHERE l.exercise_id = ? AND (l.cause_kind = ? OR l.reason <> '') ORDER BY l.at, l.id`, ex.ID, CauseAdjustment)
	if err != nil {
		return nil, fmt.Errorf("adjustments of %q: %w", exercise, err)
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.entry(ex.Name))
	}
	return out, nil
}

// Comparison is one exercise's figures next to the others': its
// statistics and its final (live) standings.
type Comparison struct {
	Exercise   Exercise
	Statistics Statistics
	Standings  Standings
}

// Compare reads every exercise's figures, in the order they started
// (those not started last, in the order they were created).
func (s *Store) Compare(ctx context.Context) ([]Comparison, error) {
	exercises, err := s.Exercises(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Comparison, 0, len(exercises))
	for _, ex := range exercises {
		st, err := s.Statistics(ctx, ex.Name)
		if err != nil {
			return nil, err
		}
		board, err := s.Standings(ctx, ex.Name, Live)
		if err != nil {
			return nil, err
		}
		out = append(out, Comparison{Exercise: ex, Statistics: st, Standings: board})
	}
	slices.SortStableFunc(out, func(a, b Comparison) int {
		as, bs := a.Exercise.StartedAt, b.Exercise.StartedAt
		switch {
		case as.IsZero() != bs.IsZero():
			if as.IsZero() {
				return 1
			}
			return -1
		case as.IsZero():
			return a.Exercise.CreatedAt.Compare(b.Exercise.CreatedAt)
		}
		return as.Compare(bs)
	})
	return out, nil
}

// comparisonHeader is the comparison CSV's header; the summary columns are
// the statistics export's.
var comparisonHeader = append([]string{"exercise", "title", "scenario", "started_at", "ended_at", "level", "country", "team", "teams", "rank", "total"}, summaryHeader...)

// WriteComparisonCSV writes, for every exercise, an overall row, a row per
// country and a row per team, each with its rank and total points.
func WriteComparisonCSV(w io.Writer, cs []Comparison) error {
	rows := [][]string{comparisonHeader}
	for _, c := range cs {
		ex := c.Exercise
		head := []string{ex.Name, ex.Title, ex.Scenario, timestamp(ex.StartedAt), timestamp(ex.EndedAt)}
		row := func(level, country, team string, teams int, rank, total string, s Summary) {
			r := append(append(slices.Clone(head), level, country, team, itoa(teams), rank, total), summaryCells(s)...)
			rows = append(rows, r)
		}
		total := 0
		for _, t := range c.Standings.Teams {
			total += t.Total
		}
		row("overall", "", "", len(c.Statistics.Teams), "", itoa(total), c.Statistics.Overall)
		countries := map[string]CountryStanding{}
		for _, cs := range c.Standings.Countries {
			countries[cs.Country] = cs
		}
		for _, cst := range c.Statistics.Countries {
			b := countries[cst.Country]
			row("country", cst.Country, "", cst.Teams, itoa(b.Rank), ftoa(b.Total), cst.Summary)
		}
		teams := map[string]TeamStanding{}
		for _, t := range c.Standings.Teams {
			teams[t.Team.ID] = t
		}
		for _, ts := range c.Statistics.Teams {
			b := teams[ts.Team.ID]
			row("team", ts.Team.Country, ts.Team.ID, 1, itoa(b.Rank), itoa(b.Total), ts.Summary)
		}
	}
	return writeCSV(w, rows)
}

// ComparisonJSON is the comparison's JSON, shared by the export and the
// web API.
type ComparisonJSON struct {
	Exercise  string  `json:"exercise"`
	Title     string  `json:"title"`
	Scenario  string  `json:"scenario"`
	StartedAt *string `json:"started_at"`
	EndedAt   *string `json:"ended_at"`
	// CountryStanding is "sum" or "mean": how Countries' totals count.
	CountryStanding string                  `json:"country_standing"`
	Total           int                     `json:"total"`
	Overall         summaryJSON             `json:"overall"`
	Countries       []comparisonCountryJSON `json:"countries"`
	Teams           []comparisonTeamJSON    `json:"teams"`
}

type comparisonCountryJSON struct {
	Country string  `json:"country"`
	Teams   int     `json:"teams"`
	Rank    int     `json:"rank"`
	Total   float64 `json:"total"`
	summaryJSON
}

type comparisonTeamJSON struct {
	Team    string `json:"team"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Rank    int    `json:"rank"`
	Total   int    `json:"total"`
	summaryJSON
}

// ComparisonOut is the JSON form of a comparison.
func ComparisonOut(cs []Comparison) []ComparisonJSON {
	out := make([]ComparisonJSON, 0, len(cs))
	for _, c := range cs {
		ex := c.Exercise
		j := ComparisonJSON{
			Exercise: ex.Name, Title: ex.Title, Scenario: ex.Scenario, StartedAt: nullableTimestamp(ex.StartedAt),
			EndedAt: nullableTimestamp(ex.EndedAt), CountryStanding: c.Standings.CountryStanding,
			Overall: summaryOut(c.Statistics.Overall), Countries: []comparisonCountryJSON{}, Teams: []comparisonTeamJSON{},
		}
		countries := map[string]CountryStanding{}
		for _, cs := range c.Standings.Countries {
			countries[cs.Country] = cs
		}
		for _, cst := range c.Statistics.Countries {
			b := countries[cst.Country]
			j.Countries = append(j.Countries, comparisonCountryJSON{Country: cst.Country, Teams: cst.Teams, Rank: b.Rank, Total: b.Total, summaryJSON: summaryOut(cst.Summary)})
		}
		teams := map[string]TeamStanding{}
		for _, t := range c.Standings.Teams {
			teams[t.Team.ID] = t
			j.Total += t.Total
		}
		for _, ts := range c.Statistics.Teams {
			b := teams[ts.Team.ID]
			j.Teams = append(j.Teams, comparisonTeamJSON{Team: ts.Team.ID, Name: ts.Team.Name, Country: ts.Team.Country, Rank: b.Rank, Total: b.Total, summaryJSON: summaryOut(ts.Summary)})
		}
		out = append(out, j)
	}
	return out
}

// WriteComparisonJSON writes the comparison as a JSON array.
func WriteComparisonJSON(w io.Writer, cs []Comparison) error {
	return writeJSON(w, ComparisonOut(cs))
}
