package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The team page and its forms.

// formState is a form that was sent back: what the user typed, and what is
// wrong with it, so that the page shows both.
type formState struct {
	Form   string // "inject", "report", "indicator", "challenge", "hint"
	Key    string // the inject or challenge the form is about
	Values map[string]string
	Error  *webError
	// Inline says the error shows by its field; else it shows on top.
	Inline bool
}

// inputs are the fields the forms have an input for.
var inputs = []string{"body", "target", "techniques", "source", "summary", "kind", "value", "description", "answer", "hint"}

type serviceView struct {
	scenarios.ServicePlan
	Checked bool
	Check   scoreboard.CheckResult
}

type hostView struct {
	Name, Description string
	Networks          []scenarios.Attachment
	Services          []serviceView
	Terminal          string
}

type inboxView struct {
	scoreboard.InboxItem
	From, Body string
	LateNow    bool
}

type hintView struct {
	Index, Cost int
	Taken       bool
	Text        string
}

// Number counts hints from 1, as people do.
func (h hintView) Number() int { return h.Index + 1 }

type challengeView struct {
	Name, Question string
	Points         int
	Solved         bool
	SolvedAt       scoreboard.Moment
	Attempts       int
	LastWrong      string
	Hints          []hintView
}

// workspaceView is the team page: the score and points of teamView, and
// what the team does.
type workspaceView struct {
	teamView
	Clock      scoreboard.Clock
	Elapsed    time.Duration
	CanPlay    bool // the viewer is the team's trainee
	Run        bool // this server runs the exercise
	Hosts      []hostView
	Scorebot   []scenarios.Attachment
	Inbox      []inboxView
	Reports    []scoreboard.IncidentReport
	Indicators scoreboard.Indicators
	Kinds      []string
	Challenges []challengeView
	TeamNames  map[string]string
	Form       formState
	Done       string
}

// Val is what the user typed in a field of a form sent back.
func (v workspaceView) Val(form, key, field string) string {
	if v.Form.Form != form || v.Form.Key != key {
		return ""
	}
	return v.Form.Values[field]
}

// Err is the error of a field of a form sent back, nil when none.
func (v workspaceView) Err(form, key, field string) *webError {
	if v.Form.Form != form || v.Form.Key != key || v.Form.Error == nil || !v.Form.Inline || v.Form.Error.Field != field {
		return nil
	}
	return v.Form.Error
}

// Msg words a refusal in the page's language.
func (p *page) Msg(e *webError) string { return e.text(p.Lang) }

// wsDoneNotices are the notices a redirect after a submission may ask for.
var wsDoneNotices = []string{"answered", "reported", "shared", "correct", "incorrect", "hint"}

func (tr *traineePages) renderTeam(c echo.Context, u *scoreboard.User, name, team string, status int, form formState) error {
	ctx := c.Request().Context()
	ex, clock, elapsed, err := exerciseHead(ctx, tr.store, tr.now(), name)
	if err != nil {
		return err
	}
	view := viewFor(u)
	st, err := tr.store.Standings(ctx, name, view)
	if err != nil {
		return err
	}
	b, err := tr.store.TeamBreakdown(ctx, name, team, scoreboard.EntryQuery{View: view, Limit: 100, Before: c.QueryParam("before")})
	if err != nil {
		return err
	}
	wv := workspaceView{
		teamView: teamView{Exercise: ex, Team: b.Team, Teams: len(st.Teams), Categories: scoreboard.Categories, Breakdown: b},
		Clock:    clock, Elapsed: elapsed, CanPlay: mayPlay(u, name, team), Kinds: engine.IndicatorKinds, Form: form,
		TeamNames: map[string]string{},
	}
	if d := c.QueryParam("done"); slices.Contains(wsDoneNotices, d) && status == http.StatusOK {
		wv.Done = d
	}
	_, wv.Run = tr.engine(name)
	for _, ts := range st.Teams {
		if ts.Team.ID == team {
			wv.Rank = ts.Rank
		}
	}
	for _, t := range st.Teams {
		wv.TeamNames[t.Team.ID] = t.Team.Name
	}
	events, err := visibleEvents(ctx, tr.store, u, name, team, 30)
	if err != nil {
		return err
	}
	wv.Events = newestFirst(events)

	plan := tr.teamPlan(name, team)
	checks, err := tr.store.ServiceStatus(ctx, name)
	if err != nil {
		return err
	}
	if plan != nil {
		wv.teamView.Hosts = plan.Hosts
		wv.Hosts = wsHostViews(name, team, plan, checks[team])
		wv.Scorebot = plan.Scorebot.Networks
	}
	if wv.Inbox, err = tr.inbox(ctx, name, team, plan, elapsed); err != nil {
		return err
	}
	if wv.Reports, err = tr.store.ReportsOf(ctx, name, team); err != nil {
		return err
	}
	slices.Reverse(wv.Reports)
	if wv.Indicators, err = tr.store.IndicatorsFor(ctx, name, team); err != nil {
		return err
	}
	slices.Reverse(wv.Indicators.Shared)
	slices.Reverse(wv.Indicators.Received)
	if wv.Challenges, err = tr.challengeViews(ctx, name, team, plan); err != nil {
		return err
	}

	p := tr.page(c, "nav.team")
	p.Title = b.Team.Name
	p.Data = wv
	return tr.render(c, status, tmplTeam, p)
}

// inbox is the injects delivered to the team, newest first, as an inbox
// reads, with what the plan says of each.
func (tr *traineePages) inbox(ctx context.Context, name, team string, plan *scenarios.TeamPlan, elapsed time.Duration) ([]inboxView, error) {
	items, err := tr.store.InjectsOf(ctx, name, team)
	if err != nil {
		return nil, err
	}
	var out []inboxView
	for _, it := range items {
		iv := inboxView{InboxItem: it, LateNow: it.Response == nil && it.Late(elapsed)}
		if plan != nil {
			for _, ip := range plan.Injects {
				if ip.Name == it.Inject {
					iv.From, iv.Body = ip.From, ip.Body
				}
			}
		}
		out = append(out, iv)
	}
	slices.Reverse(out)
	return out, nil
}

func wsHostViews(exercise, team string, plan *scenarios.TeamPlan, status map[string]scoreboard.CheckResult) []hostView {
	var out []hostView
	for _, h := range plan.Hosts {
		hv := hostView{Name: h.Name, Description: h.Description, Networks: h.Networks,
			Terminal: "/terminal/" + url.PathEscape(exercise) + "/" + url.PathEscape(team) + "/" + url.PathEscape(h.Name)}
		for _, sp := range h.Services {
			sv := serviceView{ServicePlan: sp}
			sv.Check, sv.Checked = status[h.Name+"/"+sp.Name]
			hv.Services = append(hv.Services, sv)
		}
		out = append(out, hv)
	}
	return out
}

func (tr *traineePages) challengeViews(ctx context.Context, exercise, team string, plan *scenarios.TeamPlan) ([]challengeView, error) {
	if plan == nil || len(plan.Challenges) == 0 {
		return nil, nil
	}
	subs, err := tr.store.SubmissionsOf(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	hints, err := tr.store.HintsOf(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	var out []challengeView
	for _, ch := range plan.Challenges {
		cv := challengeView{Name: ch.Name, Question: ch.Question, Points: ch.Points}
		for _, sub := range subs {
			if sub.Challenge != ch.Name {
				continue
			}
			cv.Attempts++
			if sub.Correct {
				cv.Solved, cv.SolvedAt = true, sub.Moment
			} else {
				cv.LastWrong = sub.Answer
			}
		}
		if cv.Solved {
			cv.LastWrong = ""
		}
		for i, h := range ch.Hints {
			hv := hintView{Index: i, Cost: h.Cost}
			for _, ht := range hints {
				if ht.Challenge == ch.Name && ht.Hint == i {
					hv.Taken, hv.Text = true, h.Text
				}
			}
			cv.Hints = append(cv.Hints, hv)
		}
		out = append(out, cv)
	}
	return out, nil
}

// --- Forms ---

// afterForm ends a form's submission: a redirect to the team page with a
// notice on success, the page again with the user's input and the error on
// a refusal, the error page otherwise.
func (tr *traineePages) afterForm(c echo.Context, p *player, form formState, err error, done, anchor string) error {
	var pe *webError
	if errors.As(err, &pe) && pe.Key != "" {
		form.Error = pe
		form.Inline = pe.Status == http.StatusUnprocessableEntity && slices.Contains(inputs, pe.Field)
		return tr.renderTeam(c, p.user, p.exercise, p.team, pe.Status, form)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, teamPath(p.exercise, p.team)+"?done="+done+"#"+anchor)
}

func wsFormValues(c echo.Context, fields ...string) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[f] = c.FormValue(f)
	}
	return m
}

func (tr *traineePages) respondForm(c echo.Context) error {
	p, err := tr.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	inject := c.Param("inject")
	form := formState{Form: "inject", Key: inject, Values: wsFormValues(c, "body")}
	_, err = tr.respond(c.Request().Context(), p, inject, form.Values["body"])
	return tr.afterForm(c, p, form, err, "answered", "inject-"+inject)
}

func (tr *traineePages) reportForm(c echo.Context) error {
	p, err := tr.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	form := formState{Form: "report", Values: wsFormValues(c, "target", "techniques", "source", "summary")}
	v := form.Values
	_, err = tr.report(c.Request().Context(), p, reportInput{Target: v["target"], Techniques: wsSplitList(v["techniques"]), Source: v["source"], Summary: v["summary"]})
	return tr.afterForm(c, p, form, err, "reported", "reports-h")
}

func (tr *traineePages) shareForm(c echo.Context) error {
	p, err := tr.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	form := formState{Form: "indicator", Values: wsFormValues(c, "kind", "value", "techniques", "description")}
	v := form.Values
	_, err = tr.share(c.Request().Context(), p, indicatorInput{Kind: v["kind"], Value: v["value"], Techniques: wsSplitList(v["techniques"]), Description: v["description"]})
	return tr.afterForm(c, p, form, err, "shared", "indicators-h")
}

func (tr *traineePages) answerForm(c echo.Context) error {
	p, err := tr.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	ch := c.Param("challenge")
	form := formState{Form: "challenge", Key: ch, Values: wsFormValues(c, "answer")}
	correct, err := tr.answer(c.Request().Context(), p, ch, form.Values["answer"])
	done := "incorrect"
	if correct {
		done = "correct"
	}
	return tr.afterForm(c, p, form, err, done, "challenge-"+ch)
}

func (tr *traineePages) hintForm(c echo.Context) error {
	p, err := tr.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	ch := c.Param("challenge")
	form := formState{Form: "hint", Key: ch, Values: wsFormValues(c, "hint")}
	n, err := strconv.Atoi(form.Values["hint"])
	if err != nil {
		n = -1
	}
	_, err = tr.takeHint(c.Request().Context(), p, ch, n)
	return tr.afterForm(c, p, form, err, "hint", "challenge-"+ch)
}

// ownTeam sends a trainee to their team's page.
func (tr *traineePages) ownTeam(c echo.Context) error {
	u := userOf(c)
	if u.Role != scoreboard.RoleTrainee {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if u.Team == "" {
		return c.Redirect(http.StatusSeeOther, "/join")
	}
	return c.Redirect(http.StatusSeeOther, teamPath(u.Exercise, u.Team))
}

type teamView struct {
	Exercise    scoreboard.Exercise
	Team        scoreboard.Team
	Rank, Teams int
	Categories  []string
	Breakdown   scoreboard.Breakdown
	Hosts       []scenarios.HostPlan
	Events      []scoreboard.Event
}

func (tr *traineePages) teamPage(c echo.Context) error {
	u := userOf(c)
	name, team := c.Param("exercise"), c.Param("team")
	if !mayViewTeam(u, name, team) {
		tr.log.Info("team page refused", "user", u.Name, "exercise", name, "team", team)
		return errForbidden
	}
	// The page is the trainees' workspace (trainee.go).
	return tr.renderTeam(c, u, name, team, http.StatusOK, formState{})
}
