package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The team's workspace as JSON, for scripts.

// wsViewer lets the team's trainees and staff read a team's workspace.
func (tr *traineePages) wsViewer(c echo.Context) (*scoreboard.User, string, string, error) {
	u := userOf(c)
	name, team := c.Param("name"), c.Param("team")
	if !mayViewTeam(u, name, team) {
		return nil, "", "", errForbidden
	}
	// An unknown exercise or team is a 404, for staff who may ask.
	teams, err := tr.store.Teams(c.Request().Context(), name)
	if err != nil {
		return nil, "", "", err
	}
	if !slices.ContainsFunc(teams, func(t scoreboard.Team) bool { return t.ID == team }) {
		return nil, "", "", fmt.Errorf("team %q of exercise %q: %w", team, name, scoreboard.ErrNotFound)
	}
	return u, name, team, nil
}

// wsPlayer is player for the API, with JSON refusals.
func (tr *traineePages) wsPlayer(c echo.Context) (*player, error) {
	p, err := tr.player(c, c.Param("name"), c.Param("team"))
	if errors.Is(err, errForbidden) {
		return nil, &webError{Status: http.StatusForbidden, Err: errors.New("only the team's own trainees may submit for it")}
	}
	return p, err
}

type wsCheck struct {
	Up        bool   `json:"up"`
	Detail    string `json:"detail"`
	Round     int    `json:"round"`
	At        string `json:"at"`
	Elapsed   string `json:"elapsed"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

type wsService struct {
	Name     string   `json:"name"`
	Port     int      `json:"port"`
	Protocol string   `json:"protocol"`
	Status   *wsCheck `json:"status"` // null until the scorebot checks it
}

type wsAddress struct {
	Network string `json:"network"`
	Address string `json:"address"`
}

type wsHost struct {
	Name      string      `json:"name"`
	Addresses []wsAddress `json:"addresses"`
	Services  []wsService `json:"services"`
	Terminal  string      `json:"terminal"`
}

func wsAddresses(as []scenarios.Attachment) []wsAddress {
	out := []wsAddress{}
	for _, a := range as {
		out = append(out, wsAddress{Network: a.Network, Address: a.Address.String()})
	}
	return out
}

func (tr *traineePages) apiTeamHosts(c echo.Context) error {
	_, name, team, err := tr.wsViewer(c)
	if err != nil {
		return err
	}
	status, err := tr.store.ServiceStatus(c.Request().Context(), name)
	if err != nil {
		return err
	}
	out := struct {
		Hosts    []wsHost    `json:"hosts"`
		Scorebot []wsAddress `json:"scorebot"`
	}{Hosts: []wsHost{}, Scorebot: []wsAddress{}}
	if plan := tr.teamPlan(name, team); plan != nil {
		for _, h := range wsHostViews(name, team, plan, status[team]) {
			ah := wsHost{Name: h.Name, Addresses: wsAddresses(h.Networks), Services: []wsService{}, Terminal: h.Terminal}
			for _, sv := range h.Services {
				as := wsService{Name: sv.Name, Port: sv.Port, Protocol: sv.Protocol}
				if sv.Checked {
					as.Status = &wsCheck{Up: sv.Check.Up, Detail: sv.Check.Detail, Round: sv.Check.Round, At: apiTime(sv.Check.At),
						Elapsed: scenarios.Clock(sv.Check.Elapsed), ElapsedMS: sv.Check.Elapsed.Milliseconds()}
				}
				ah.Services = append(ah.Services, as)
			}
			out.Hosts = append(out.Hosts, ah)
		}
		out.Scorebot = wsAddresses(plan.Scorebot.Networks)
	}
	return c.JSON(http.StatusOK, out)
}

type wsGrade struct {
	Percent int    `json:"percent"`
	Author  string `json:"author"`
	Note    string `json:"note"`
	At      string `json:"at"`
}

type wsAnswer struct {
	Body      string `json:"body"`
	At        string `json:"at"`
	Elapsed   string `json:"elapsed"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Late      bool   `json:"late"`
}

type wsInject struct {
	Inject      string    `json:"inject"`
	Subject     string    `json:"subject"`
	From        string    `json:"from,omitempty"`
	Body        string    `json:"body,omitempty"`
	DeliveredAt string    `json:"delivered_at"`
	Elapsed     string    `json:"elapsed"`
	ElapsedMS   int64     `json:"elapsed_ms"`
	Expects     bool      `json:"expects_answer"`
	Points      int       `json:"points"`
	Due         *string   `json:"due"` // exercise time, HH:MM:SS; null for none
	Answer      *wsAnswer `json:"answer"`
	Grade       *wsGrade  `json:"grade"`
}

func wsInjectOut(it scoreboard.InboxItem, plan *scenarios.TeamPlan) wsInject {
	out := wsInject{Inject: it.Inject, Subject: it.Subject, DeliveredAt: apiTime(it.At), Elapsed: scenarios.Clock(it.Elapsed),
		ElapsedMS: it.Elapsed.Milliseconds(), Expects: it.Expects, Points: it.Points}
	if plan != nil {
		for _, ip := range plan.Injects {
			if ip.Name == it.Inject {
				out.From, out.Body = ip.From, ip.Body
			}
		}
	}
	if d := it.Deadline(); d > 0 {
		due := scenarios.Clock(d)
		out.Due = &due
	}
	if r := it.Response; r != nil {
		out.Answer = &wsAnswer{Body: r.Body, At: apiTime(r.At), Elapsed: scenarios.Clock(r.Elapsed), ElapsedMS: r.Elapsed.Milliseconds(), Late: it.Late(0)}
	}
	if g := it.Grade; g != nil {
		out.Grade = &wsGrade{Percent: g.Percent, Author: g.Author, Note: g.Note, At: apiTime(g.At)}
	}
	return out
}

func (tr *traineePages) apiTeamInjects(c echo.Context) error {
	_, name, team, err := tr.wsViewer(c)
	if err != nil {
		return err
	}
	items, err := tr.store.InjectsOf(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	plan := tr.teamPlan(name, team)
	out := []wsInject{}
	for _, it := range items {
		out = append(out, wsInjectOut(it, plan))
	}
	return c.JSON(http.StatusOK, map[string]any{"injects": out})
}

func (tr *traineePages) apiTeamRespond(c echo.Context) error {
	p, err := tr.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Inject string `json:"inject"`
		Body   string `json:"body"`
	}
	if err := decodeJSON(c, &in, traineeJSON); err != nil {
		return err
	}
	if strings.TrimSpace(in.Inject) == "" {
		return badField("inject", "trainee.err.required")
	}
	it, err := tr.respond(c.Request().Context(), p, in.Inject, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, wsInjectOut(it, p.plan))
}

type wsReport struct {
	ID         int64    `json:"id"`
	Target     string   `json:"target"`
	Techniques []string `json:"techniques"`
	Source     string   `json:"source"`
	Summary    string   `json:"summary"`
	At         string   `json:"at"`
	Elapsed    string   `json:"elapsed"`
	ElapsedMS  int64    `json:"elapsed_ms"`
	Matched    bool     `json:"matched"`
}

func wsReportOut(r scoreboard.IncidentReport) wsReport {
	ts := r.Techniques
	if ts == nil {
		ts = []string{}
	}
	return wsReport{ID: r.ID, Target: r.Target, Techniques: ts, Source: r.Source, Summary: r.Summary, At: apiTime(r.At),
		Elapsed: scenarios.Clock(r.Elapsed), ElapsedMS: r.Elapsed.Milliseconds(), Matched: r.Run != ""}
}

func (tr *traineePages) apiTeamReports(c echo.Context) error {
	_, name, team, err := tr.wsViewer(c)
	if err != nil {
		return err
	}
	reps, err := tr.store.ReportsOf(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	out := []wsReport{}
	for _, r := range reps {
		out = append(out, wsReportOut(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": out})
}

func (tr *traineePages) apiTeamReport(c echo.Context) error {
	p, err := tr.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in reportInput
	if err := decodeJSON(c, &in, traineeJSON); err != nil {
		return err
	}
	rep, err := tr.report(c.Request().Context(), p, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, wsReportOut(rep))
}

type wsIndicator struct {
	ID          int64    `json:"id"`
	Team        string   `json:"team"`
	Country     string   `json:"country"`
	Kind        string   `json:"kind"`
	Value       string   `json:"value"`
	Attack      string   `json:"attack,omitempty"`
	Techniques  []string `json:"techniques"`
	Description string   `json:"description"`
	At          string   `json:"at"`
	Elapsed     string   `json:"elapsed"`
	ElapsedMS   int64    `json:"elapsed_ms"`
}

func wsIndicatorOut(i scoreboard.SharedIndicator) wsIndicator {
	ts := i.Techniques
	if ts == nil {
		ts = []string{}
	}
	return wsIndicator{ID: i.ID, Team: i.Team, Country: i.Country, Kind: i.Kind, Value: i.Value, Attack: i.Attack, Techniques: ts,
		Description: i.Description, At: apiTime(i.At), Elapsed: scenarios.Clock(i.Elapsed), ElapsedMS: i.Elapsed.Milliseconds()}
}

func wsIndicatorsOut(is []scoreboard.SharedIndicator) []wsIndicator {
	out := []wsIndicator{}
	for _, i := range is {
		out = append(out, wsIndicatorOut(i))
	}
	return out
}

func (tr *traineePages) apiTeamIndicators(c echo.Context) error {
	_, name, team, err := tr.wsViewer(c)
	if err != nil {
		return err
	}
	got, err := tr.store.IndicatorsFor(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"shared": wsIndicatorsOut(got.Shared), "received": wsIndicatorsOut(got.Received)})
}

func (tr *traineePages) apiTeamShare(c echo.Context) error {
	p, err := tr.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in indicatorInput
	if err := decodeJSON(c, &in, traineeJSON); err != nil {
		return err
	}
	ind, err := tr.share(c.Request().Context(), p, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, wsIndicatorOut(ind))
}

type wsHint struct {
	Hint  int    `json:"hint"`
	Cost  int    `json:"cost"`
	Taken bool   `json:"taken"`
	Text  string `json:"text,omitempty"`
}

type wsChallenge struct {
	Name      string   `json:"name"`
	Question  string   `json:"question"`
	Points    int      `json:"points"`
	Solved    bool     `json:"solved"`
	SolvedAt  *string  `json:"solved_at"`
	Attempts  int      `json:"attempts"`
	LastWrong string   `json:"last_wrong_answer,omitempty"`
	Hints     []wsHint `json:"hints"`
}

func (tr *traineePages) apiTeamChallenges(c echo.Context) error {
	_, name, team, err := tr.wsViewer(c)
	if err != nil {
		return err
	}
	cvs, err := tr.challengeViews(c.Request().Context(), name, team, tr.teamPlan(name, team))
	if err != nil {
		return err
	}
	out := []wsChallenge{}
	for _, cv := range cvs {
		ac := wsChallenge{Name: cv.Name, Question: cv.Question, Points: cv.Points, Solved: cv.Solved, Attempts: cv.Attempts,
			LastWrong: cv.LastWrong, Hints: []wsHint{}}
		if cv.Solved {
			ac.SolvedAt = apiNullTime(cv.SolvedAt.At)
		}
		for _, h := range cv.Hints {
			ac.Hints = append(ac.Hints, wsHint{Hint: h.Index, Cost: h.Cost, Taken: h.Taken, Text: h.Text})
		}
		out = append(out, ac)
	}
	return c.JSON(http.StatusOK, map[string]any{"challenges": out})
}

func (tr *traineePages) apiTeamAnswer(c echo.Context) error {
	p, err := tr.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Challenge string `json:"challenge"`
		Answer    string `json:"answer"`
	}
	if err := decodeJSON(c, &in, traineeJSON); err != nil {
		return err
	}
	if strings.TrimSpace(in.Challenge) == "" {
		return badField("challenge", "trainee.err.required")
	}
	correct, err := tr.answer(c.Request().Context(), p, in.Challenge, in.Answer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"challenge": in.Challenge, "correct": correct})
}

func (tr *traineePages) apiTeamHint(c echo.Context) error {
	p, err := tr.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Hint *int `json:"hint"`
	}
	if err := decodeJSON(c, &in, traineeJSON); err != nil {
		return err
	}
	if in.Hint == nil {
		return badField("hint", "trainee.err.required")
	}
	h, err := tr.takeHint(c.Request().Context(), p, c.Param("challenge"), *in.Hint)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wsHint{Hint: *in.Hint, Cost: h.Cost, Taken: true, Text: h.Text})
}

type apiEntry struct {
	ID        int64  `json:"id"`
	Category  string `json:"category"`
	Points    int    `json:"points"`
	RawPoints int    `json:"raw_points"`
	At        string `json:"at"`
	Elapsed   string `json:"elapsed"`
	ElapsedMS int64  `json:"elapsed_ms"`
	CauseKind string `json:"cause_kind"`
	Cause     string `json:"cause"`
	Author    string `json:"author,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Explained string `json:"explained"`
	// Pending: the team does not see the entry yet (staff's view only).
	Pending bool `json:"pending,omitempty"`
}

type apiBreakdown struct {
	Exercise   string         `json:"exercise"`
	Team       apiTeam        `json:"team"`
	View       string         `json:"view"`
	Total      int            `json:"total"`
	Categories map[string]int `json:"categories"`
	Entries    []apiEntry     `json:"entries"`
	Next       string         `json:"next,omitempty"`
}

// apiBreakdown explains a team's points: a trainee their own team's (as
// the public board counts them), staff any team's.
func (tr *traineePages) apiBreakdown(c echo.Context) error {
	u := userOf(c)
	var err error
	name, team := c.Param("name"), c.Param("team")
	if !mayViewTeam(u, name, team) {
		return errForbidden
	}
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
	}
	view := viewFor(u)
	b, err := tr.store.TeamBreakdown(c.Request().Context(), name, team, scoreboard.EntryQuery{View: view, Limit: limit, Before: c.QueryParam("before")})
	if err != nil {
		return err
	}
	out := apiBreakdown{
		Exercise: name, Team: apiTeam{ID: b.Team.ID, Name: b.Team.Name, Country: b.Team.Country}, View: view.String(),
		Total: b.Total, Categories: b.Categories, Entries: []apiEntry{}, Next: b.Next,
	}
	for _, e := range b.Entries {
		out.Entries = append(out.Entries, apiEntry{
			ID: e.ID, Category: e.Category, Points: e.Points, RawPoints: e.RawPoints, At: apiTime(e.At),
			Elapsed: scenarios.Clock(e.Elapsed), ElapsedMS: e.Elapsed.Milliseconds(), CauseKind: e.CauseKind,
			Cause: e.Cause, Author: e.Author, Reason: e.Reason, Explained: e.String(), Pending: e.Pending,
		})
	}
	return c.JSON(http.StatusOK, out)
}
