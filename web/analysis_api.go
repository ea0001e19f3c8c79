package web

// The program managers' workspace: score over time and breakdowns on the
// manager page, the after-action report of an exercise, the comparison
// across exercises, and the JSON API behind them. Staff only.

import (
	"bytes"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The analysis workspace as JSON, for scripts: score over time, the
// comparison across exercises and the after-action report.

type anPoint struct {
	At    string  `json:"at"`
	Total float64 `json:"total"`
}

type anTeamSeries struct {
	Team   apiTeam   `json:"team"`
	Points []anPoint `json:"points"`
}

type anCountrySeries struct {
	Country string    `json:"country"`
	Points  []anPoint `json:"points"`
}

type anSeries struct {
	Exercise        string            `json:"exercise"`
	View            string            `json:"view"`
	StepSeconds     int64             `json:"step_seconds"`
	CountryStanding string            `json:"country_standing"`
	Teams           []anTeamSeries    `json:"teams"`
	Countries       []anCountrySeries `json:"countries"`
}

func anSeriesOf(st scoreboard.Standings, series []scoreboard.TeamSeries, step time.Duration) anSeries {
	out := anSeries{Exercise: st.Exercise, View: st.View.String(), CountryStanding: st.CountryStanding,
		Teams: []anTeamSeries{}, Countries: []anCountrySeries{}}
	teams := map[string]scoreboard.Team{}
	for _, t := range st.Teams {
		teams[t.Team.ID] = t.Team
	}
	// The step is what the store used: whole minutes, or its own choice
	// when none was asked for.
	width := time.Duration(math.Ceil(step.Minutes())) * time.Minute
	for _, ts := range series {
		if len(ts.Points) > 1 {
			width = ts.Points[1].At.Sub(ts.Points[0].At)
		}
		t := teams[ts.Team]
		at := anTeamSeries{Team: apiTeam{ID: ts.Team, Name: t.Name, Country: t.Country}, Points: make([]anPoint, len(ts.Points))}
		for i, p := range ts.Points {
			at.Points[i] = anPoint{At: apiTime(p.At), Total: float64(p.Total)}
		}
		out.Teams = append(out.Teams, at)
	}
	out.StepSeconds = int64(max(width, time.Minute) / time.Second)
	for _, cs := range scoreboard.CountrySeriesOf(series, anTeamsOf(st), st.CountryStanding) {
		ac := anCountrySeries{Country: cs.Country, Points: make([]anPoint, len(cs.Points))}
		for i, p := range cs.Points {
			ac.Points[i] = anPoint{At: apiTime(p.At), Total: p.Total}
		}
		out.Countries = append(out.Countries, ac)
	}
	return out
}

// apiSeries is score over time, for staff: the live board by default,
// ?view=public for what the public board showed.
func (m *managerPages) apiSeries(c echo.Context) error {
	var err error
	view := scoreboard.Live
	switch c.QueryParam("view") {
	case "", "live":
	case "public":
		view = scoreboard.Public
	default:
		return errBadInput
	}
	var step time.Duration
	if v := c.QueryParam("step"); v != "" {
		if step, err = time.ParseDuration(v); err != nil || step < 0 || step > 24*time.Hour {
			return errBadInput
		}
	}
	ctx, name := c.Request().Context(), c.Param("name")
	st, err := m.store.Standings(ctx, name, view)
	if err != nil {
		return err
	}
	series, err := m.store.ScoreSeries(ctx, name, view, step)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, anSeriesOf(st, series, step))
}

// apiCompare is the comparison across exercises, for staff.
func (m *managerPages) apiCompare(c echo.Context) error {
	cs, err := m.store.Compare(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"exercises": scoreboard.ComparisonOut(cs)})
}

// anDuration is an exercise time or a delay: HH:MM:SS and milliseconds.
type anDuration struct {
	Clock string `json:"clock"`
	MS    int64  `json:"ms"`
}

func anDurationOf(d time.Duration) anDuration {
	return anDuration{Clock: scenarios.Clock(d), MS: d.Milliseconds()}
}

type anMoment struct {
	At        string `json:"at"`
	Elapsed   string `json:"elapsed"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

func anMomentOf(m scoreboard.Moment) *anMoment {
	if m.At.IsZero() {
		return nil
	}
	return &anMoment{At: apiTime(m.At), Elapsed: scenarios.Clock(m.Elapsed), ElapsedMS: m.Elapsed.Milliseconds()}
}

type anAttackOutcome struct {
	Team         string      `json:"team"`
	Outcome      string      `json:"outcome"`
	Run          string      `json:"run,omitempty"`
	Due          anDuration  `json:"due"`
	Started      *anMoment   `json:"started"`
	Reason       string      `json:"reason,omitempty"`
	Detected     bool        `json:"detected"`
	TimeToDetect *anDuration `json:"time_to_detect"`
}

type anAttackLine struct {
	Attack     string            `json:"attack"`
	Techniques []string          `json:"techniques"`
	Target     string            `json:"target"`
	At         anDuration        `json:"at"`
	Outcomes   []anAttackOutcome `json:"outcomes"`
}

type anDetection struct {
	Team         string     `json:"team"`
	Run          string     `json:"run"`
	Attack       string     `json:"attack"`
	Target       string     `json:"target"`
	Started      *anMoment  `json:"started"`
	Reported     *anMoment  `json:"reported"`
	TimeToDetect anDuration `json:"time_to_detect"`
	Summary      string     `json:"summary"`
}

type anInjectOutcome struct {
	Team          string      `json:"team"`
	Inject        string      `json:"inject"`
	Subject       string      `json:"subject"`
	Expects       bool        `json:"expects_answer"`
	Due           *anDuration `json:"due"`
	Delivered     *anMoment   `json:"delivered"`
	Answered      *anMoment   `json:"answered"`
	TimeToRespond *anDuration `json:"time_to_respond"`
	Late          bool        `json:"late"`
	Percent       *int        `json:"grade_percent"`
}

type anIndicator struct {
	Team        string    `json:"team"`
	Country     string    `json:"country"`
	Kind        string    `json:"kind"`
	Value       string    `json:"value"`
	Attack      string    `json:"attack,omitempty"`
	Techniques  []string  `json:"techniques"`
	Description string    `json:"description,omitempty"`
	Shared      *anMoment `json:"shared"`
	Credits     int       `json:"credits"`
	Points      int       `json:"points"`
}

type anHandEntry struct {
	Team     string    `json:"team"`
	Category string    `json:"category"`
	Points   int       `json:"points"`
	Kind     string    `json:"cause_kind"`
	Cause    string    `json:"cause"`
	Author   string    `json:"author"`
	Reason   string    `json:"reason"`
	When     *anMoment `json:"when"`
}

type anAfterAction struct {
	Exercise   apiExercise       `json:"exercise"`
	Final      bool              `json:"final"`
	Duration   anDuration        `json:"duration"`
	Standings  apiStandings      `json:"standings"`
	Series     anSeries          `json:"series"`
	Statistics any               `json:"statistics"`
	Attacks    []anAttackLine    `json:"attacks"`
	Detections []anDetection     `json:"detections"`
	Injects    []anInjectOutcome `json:"injects"`
	Indicators []anIndicator     `json:"indicators"`
	ByHand     []anHandEntry     `json:"adjustments"`
}

func anTechniques(ts []string) []string {
	if ts == nil {
		return []string{}
	}
	return ts
}

func (m *managerPages) afterActionOut(aa scoreboard.AfterAction) (anAfterAction, error) {
	ex := aa.Exercise
	out := anAfterAction{
		Exercise: apiExercise{
			Name: ex.Name, Title: ex.Title, Scenario: ex.Scenario, Clock: clockOut(aa.Clock, m.now()),
			CreatedAt: apiTime(ex.CreatedAt), StartedAt: apiNullTime(ex.StartedAt), EndedAt: apiNullTime(ex.EndedAt), Teams: []apiTeam{},
		},
		Final: aa.Clock.State == scoreboard.ClockEnded, Duration: anDurationOf(aa.Duration),
		Standings: standingsOut(aa.Standings), Series: anSeriesOf(aa.Standings, aa.Series, 0),
		Attacks: []anAttackLine{}, Detections: []anDetection{}, Injects: []anInjectOutcome{}, Indicators: []anIndicator{}, ByHand: []anHandEntry{},
	}
	for _, t := range aa.Teams {
		out.Exercise.Teams = append(out.Exercise.Teams, apiTeam{ID: t.ID, Name: t.Name, Country: t.Country})
	}
	// The statistics are the statistics export's JSON, as the statistics
	// route gives them.
	var stats bytes.Buffer
	if err := scoreboard.WriteStatisticsJSON(&stats, aa.Statistics); err != nil {
		return out, err
	}
	out.Statistics = anRawJSON(stats.Bytes())
	for _, l := range aa.Attacks {
		al := anAttackLine{Attack: l.Attack, Techniques: anTechniques(l.Techniques), Target: l.Target, At: anDurationOf(l.At), Outcomes: []anAttackOutcome{}}
		for _, o := range l.Outcomes {
			ao := anAttackOutcome{Team: o.Team, Outcome: o.Outcome, Run: o.Run, Due: anDurationOf(o.Due), Started: anMomentOf(o.Started), Reason: o.Reason, Detected: o.Detected}
			if o.Detected {
				d := anDurationOf(o.TimeToDetect)
				ao.TimeToDetect = &d
			}
			al.Outcomes = append(al.Outcomes, ao)
		}
		out.Attacks = append(out.Attacks, al)
	}
	for _, d := range aa.Detections {
		out.Detections = append(out.Detections, anDetection{Team: d.Team, Run: d.Run, Attack: d.Attack, Target: d.Target,
			Started: anMomentOf(d.Started), Reported: anMomentOf(d.Reported), TimeToDetect: anDurationOf(d.TimeToDetect), Summary: d.Summary})
	}
	for _, in := range aa.Injects {
		ai := anInjectOutcome{Team: in.Team, Inject: in.Inject, Subject: in.Subject, Expects: in.Expects,
			Delivered: anMomentOf(in.Delivered), Answered: anMomentOf(in.Answered), Late: in.Late}
		if in.Due > 0 {
			d := anDurationOf(in.Due)
			ai.Due = &d
		}
		if !in.Answered.At.IsZero() {
			d := anDurationOf(in.TimeToRespond)
			ai.TimeToRespond = &d
		}
		if in.Percent >= 0 {
			pct := in.Percent
			ai.Percent = &pct
		}
		out.Injects = append(out.Injects, ai)
	}
	for _, ind := range aa.Indicators {
		out.Indicators = append(out.Indicators, anIndicator{Team: ind.Team, Country: ind.Country, Kind: ind.Kind, Value: ind.Value,
			Attack: ind.Attack, Techniques: anTechniques(ind.Techniques), Description: ind.Description, Shared: anMomentOf(ind.Moment),
			Credits: ind.Credits, Points: ind.Points})
	}
	for _, e := range aa.ByHand {
		out.ByHand = append(out.ByHand, anHandEntry{Team: e.Team, Category: e.Category, Points: e.Points, Kind: e.CauseKind,
			Cause: e.Cause, Author: e.Author, Reason: e.Reason, When: anMomentOf(e.Moment)})
	}
	return out, nil
}

// anRawJSON is JSON already written, embedded as it is.
type anRawJSON []byte

func (r anRawJSON) MarshalJSON() ([]byte, error) { return []byte(strings.TrimSpace(string(r))), nil }

// apiAfterAction is the after-action report's data, for staff.
func (m *managerPages) apiAfterAction(c echo.Context) error {
	aa, err := m.store.AfterAction(c.Request().Context(), c.Param("name"), m.now(), 0)
	if err != nil {
		return err
	}
	out, err := m.afterActionOut(aa)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiStatistics is for staff: it is the export's JSON.
func (m *managerPages) apiStatistics(c echo.Context) error {
	st, err := m.store.Statistics(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return scoreboard.WriteStatisticsJSON(c.Response(), st)
}
