package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The trainees' workspace: their team's page with hosts and service status,
// the injects inbox, incident reports, the indicator exchange with the
// partner country and the challenges, with a form for each thing a team
// does and the same in the JSON API. Everything a team submits goes through
// the exercise's engine, which stamps it with the exercise clock; every
// permission is checked here, on the server.

// Limits of what a team may write in one submission.
const (
	maxAnswerBody   = 20000
	maxSummary      = 4000
	maxDescription  = 2000
	maxValue        = 2048
	maxChallengeAns = 500
	maxJSONBody     = 64 << 10
)

var errNotRun = &webError{Status: http.StatusServiceUnavailable, Key: "trainee.not_run"}

// wsIndicatorKinds are the kinds a team may share, in the form's order.
var wsIndicatorKinds = []string{scoreboard.IndicatorIPv4, scoreboard.IndicatorIPv6, scoreboard.IndicatorDomain, scoreboard.IndicatorURL, scoreboard.IndicatorSHA256}

// playError refuses a submission, about one field when Field is set. Key
// names the message in the catalog: pages show it by the field, the API
// sends its English text.
type playError struct {
	Status int
	Field  string
	Key    string
	Args   []any
}

func (e *playError) Error() string { return translate("en", e.Key, e.Args...) }

func playInvalid(field, key string, args ...any) *playError {
	return &playError{Status: http.StatusUnprocessableEntity, Field: field, Key: key, Args: args}
}

// mayPlay says whether u may submit for a team: only its own trainees.
// Staff read every team but act for none, so that every submission is the
// team's own.
func mayPlay(u *scoreboard.User, exercise, team string) bool {
	return u.Role == scoreboard.RoleTrainee && u.Exercise == exercise && u.Team == team
}

// player is a trainee about to submit for their team.
type player struct {
	user           *scoreboard.User
	exercise, team string
	eng            *engine.Engine
	plan           *scenarios.TeamPlan
}

// player checks who may submit, in order: the team's own trainee (the
// route let in signed-in users only), an exercise this server runs.
func (s *Server) player(c echo.Context, exercise, team string) (*player, error) {
	u := userOf(c)
	if !mayPlay(u, exercise, team) {
		s.log.Info("submission refused", "user", u.Name, "exercise", exercise, "team", team, "path", c.Request().URL.Path)
		return nil, errForbidden
	}
	eng, ok := s.engine(exercise)
	if !ok || eng == nil {
		return nil, errNotRun
	}
	return &player{user: u, exercise: exercise, team: team, eng: eng, plan: s.teamPlan(exercise, team)}, nil
}

func (s *Server) teamPlan(exercise, team string) *scenarios.TeamPlan {
	for _, p := range s.plans(exercise) {
		if p.Team.ID == team {
			return p
		}
	}
	return nil
}

// playing refuses submissions while the exercise's clock does not run; a
// paused exercise still takes them.
func (s *Server) playing(ctx context.Context, exercise string) (scoreboard.Clock, error) {
	clock, err := s.store.Clock(ctx, exercise)
	if err != nil {
		return clock, err
	}
	switch clock.State {
	case scoreboard.ClockCreated:
		return clock, &playError{Status: http.StatusConflict, Key: "trainee.err.not_started"}
	case scoreboard.ClockEnded:
		return clock, &playError{Status: http.StatusConflict, Key: "trainee.err.ended"}
	}
	return clock, nil
}

func playTooLong(field, value string, n int) *playError {
	if utf8.RuneCountInString(value) > n {
		return playInvalid(field, "trainee.err.too_long", n)
	}
	return nil
}

// --- The actions, shared by the forms and the API ---

func (s *Server) respond(ctx context.Context, p *player, inject, body string) (scoreboard.InboxItem, error) {
	body = strings.TrimSpace(body)
	if _, err := s.playing(ctx, p.exercise); err != nil {
		return scoreboard.InboxItem{}, err
	}
	items, err := s.store.InjectsOf(ctx, p.exercise, p.team)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	i := slices.IndexFunc(items, func(it scoreboard.InboxItem) bool { return it.Inject == inject })
	switch {
	case i < 0:
		return scoreboard.InboxItem{}, playInvalid("inject", "trainee.err.no_inject")
	case !items[i].Expects:
		return scoreboard.InboxItem{}, playInvalid("inject", "trainee.err.no_answer_asked")
	case items[i].Response != nil:
		return scoreboard.InboxItem{}, &playError{Status: http.StatusConflict, Field: "body", Key: "trainee.err.answered"}
	case body == "":
		return scoreboard.InboxItem{}, playInvalid("body", "trainee.err.required")
	}
	if pe := playTooLong("body", body, maxAnswerBody); pe != nil {
		return scoreboard.InboxItem{}, pe
	}
	err = p.eng.Respond(ctx, p.team, inject, body)
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return scoreboard.InboxItem{}, &playError{Status: http.StatusConflict, Field: "body", Key: "trainee.err.answered"}
	}
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	s.log.Info("inject answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "inject", inject)
	items, err = s.store.InjectsOf(ctx, p.exercise, p.team)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	return items[i], nil
}

// reportInput is an incident report as a team writes it.
type reportInput struct {
	Target     string   `json:"target"`
	Techniques []string `json:"techniques"`
	Source     string   `json:"source"`
	Summary    string   `json:"summary"`
}

var wsTechniquePattern = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// wsSplitList reads a comma- or space-separated list.
func wsSplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\t' || r == '\r' })
}

func wsTechniques(field string, ts []string) ([]string, *playError) {
	var out []string
	for _, t := range ts {
		t = strings.ToUpper(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if !wsTechniquePattern.MatchString(t) {
			return nil, playInvalid(field, "trainee.err.technique", t)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Server) report(ctx context.Context, p *player, in reportInput) (scoreboard.IncidentReport, error) {
	in.Target, in.Source, in.Summary = strings.TrimSpace(in.Target), strings.TrimSpace(in.Source), strings.TrimSpace(in.Summary)
	if _, err := s.playing(ctx, p.exercise); err != nil {
		return scoreboard.IncidentReport{}, err
	}
	if in.Target == "" {
		return scoreboard.IncidentReport{}, playInvalid("target", "trainee.err.required")
	}
	if p.plan != nil && !slices.ContainsFunc(p.plan.Hosts, func(h scenarios.HostPlan) bool { return h.Name == in.Target }) {
		return scoreboard.IncidentReport{}, playInvalid("target", "trainee.err.no_host", in.Target)
	}
	ts, pe := wsTechniques("techniques", in.Techniques)
	if pe != nil {
		return scoreboard.IncidentReport{}, pe
	}
	if in.Source != "" {
		if _, err := netip.ParseAddr(in.Source); err != nil {
			return scoreboard.IncidentReport{}, playInvalid("source", "trainee.err.address", in.Source)
		}
	}
	if in.Summary == "" {
		return scoreboard.IncidentReport{}, playInvalid("summary", "trainee.err.required")
	}
	if pe := playTooLong("summary", in.Summary, maxSummary); pe != nil {
		return scoreboard.IncidentReport{}, pe
	}
	rep, err := p.eng.Report(ctx, scoreboard.IncidentReport{Team: p.team, Target: in.Target, Techniques: ts, Source: in.Source, Summary: in.Summary})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return rep, &playError{Status: http.StatusConflict, Field: "summary", Key: "trainee.err.report_twice"}
	}
	if err != nil {
		return rep, err
	}
	s.log.Info("incident report filed", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "target", rep.Target)
	// The store says whether the report matched a run; read it back.
	reps, err := s.store.ReportsOf(ctx, p.exercise, p.team)
	if err != nil {
		return rep, err
	}
	for _, r := range reps {
		if r.ID == rep.ID {
			return r, nil
		}
	}
	return rep, nil
}

// indicatorInput is an indicator as a team shares it.
type indicatorInput struct {
	Kind        string   `json:"kind"`
	Value       string   `json:"value"`
	Attack      string   `json:"attack"`
	Techniques  []string `json:"techniques"`
	Description string   `json:"description"`
}

func (s *Server) share(ctx context.Context, p *player, in indicatorInput) (scoreboard.SharedIndicator, error) {
	in.Kind, in.Value, in.Attack, in.Description = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Value), strings.TrimSpace(in.Attack), strings.TrimSpace(in.Description)
	if _, err := s.playing(ctx, p.exercise); err != nil {
		return scoreboard.SharedIndicator{}, err
	}
	switch {
	case in.Kind == "":
		return scoreboard.SharedIndicator{}, playInvalid("kind", "trainee.err.required")
	case !slices.Contains(wsIndicatorKinds, in.Kind):
		return scoreboard.SharedIndicator{}, playInvalid("kind", "trainee.err.kind", strings.Join(wsIndicatorKinds, ", "))
	case in.Value == "":
		return scoreboard.SharedIndicator{}, playInvalid("value", "trainee.err.required")
	}
	if pe := playTooLong("value", in.Value, maxValue); pe != nil {
		return scoreboard.SharedIndicator{}, pe
	}
	if in.Attack != "" && p.plan != nil && !slices.ContainsFunc(p.plan.Attacks, func(a scenarios.AttackPlan) bool { return a.Name == in.Attack }) {
		return scoreboard.SharedIndicator{}, playInvalid("attack", "trainee.err.no_attack", in.Attack)
	}
	ts, pe := wsTechniques("techniques", in.Techniques)
	if pe != nil {
		return scoreboard.SharedIndicator{}, pe
	}
	if pe := playTooLong("description", in.Description, maxDescription); pe != nil {
		return scoreboard.SharedIndicator{}, pe
	}
	ind := scoreboard.SharedIndicator{Team: p.team, Kind: in.Kind, Value: in.Value, Attack: in.Attack, Techniques: ts, Description: in.Description}
	err := p.eng.Share(ctx, ind)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return ind, &playError{Status: http.StatusConflict, Field: "value", Key: "trainee.err.shared_twice"}
	case errors.Is(err, scoreboard.ErrInvalid):
		return ind, playInvalid("value", "trainee.err.indicator", in.Kind)
	case err != nil:
		return ind, err
	}
	s.log.Info("indicator shared", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "kind", in.Kind)
	got, err := s.store.IndicatorsFor(ctx, p.exercise, p.team)
	if err != nil {
		return ind, err
	}
	for _, si := range got.Shared {
		if si.Kind == ind.Kind && strings.EqualFold(si.Value, ind.Value) {
			return si, nil
		}
	}
	return ind, nil
}

func (p *player) challenge(name string) *scenarios.ChallengePlan {
	if p.plan == nil {
		return nil
	}
	for i := range p.plan.Challenges {
		if p.plan.Challenges[i].Name == name {
			return &p.plan.Challenges[i]
		}
	}
	return nil
}

func (s *Server) answer(ctx context.Context, p *player, challenge, answer string) (bool, error) {
	answer = strings.TrimSpace(answer)
	if _, err := s.playing(ctx, p.exercise); err != nil {
		return false, err
	}
	if p.challenge(challenge) == nil {
		return false, playInvalid("challenge", "trainee.err.no_challenge", challenge)
	}
	if answer == "" {
		return false, playInvalid("answer", "trainee.err.required")
	}
	if pe := playTooLong("answer", answer, maxChallengeAns); pe != nil {
		return false, pe
	}
	correct, err := p.eng.Answer(ctx, p.team, challenge, answer)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return false, &playError{Status: http.StatusConflict, Field: "answer", Key: "trainee.err.solved"}
	case errors.Is(err, scoreboard.ErrRateLimited):
		return false, &playError{Status: http.StatusTooManyRequests, Field: "answer", Key: "trainee.err.cooldown"}
	case err != nil:
		return false, err
	}
	s.log.Info("challenge answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "correct", correct)
	return correct, nil
}

// takeHint shows a team a hint of a challenge, at its cost. The engine has
// no hint of its own to give: the store charges it at the exercise clock.
func (s *Server) takeHint(ctx context.Context, p *player, challenge string, n int) (scenarios.HintPlan, error) {
	clock, err := s.playing(ctx, p.exercise)
	if err != nil {
		return scenarios.HintPlan{}, err
	}
	ch := p.challenge(challenge)
	if ch == nil {
		return scenarios.HintPlan{}, playInvalid("challenge", "trainee.err.no_challenge", challenge)
	}
	if n < 0 || n >= len(ch.Hints) {
		return scenarios.HintPlan{}, playInvalid("hint", "trainee.err.no_hint")
	}
	now := s.cfg.Now()
	_, err = s.store.RecordHint(ctx, scoreboard.HintTaken{Exercise: p.exercise, Team: p.team, Challenge: challenge, Hint: n, Cost: ch.Hints[n].Cost,
		Moment: scoreboard.Moment{At: now, Elapsed: clock.Elapsed(now)}})
	if err != nil && !errors.Is(err, scoreboard.ErrDuplicate) { // a hint taken twice is shown again, not charged
		return scenarios.HintPlan{}, err
	}
	s.log.Info("hint taken", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "hint", n+1)
	return ch.Hints[n], nil
}

// --- The team page ---

// formState is a form that was sent back: what the user typed, and what is
// wrong with it, so that the page shows both.
type formState struct {
	Form   string // "inject", "report", "indicator", "challenge", "hint"
	Key    string // the inject or challenge the form is about
	Values map[string]string
	Error  *playError
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
func (v workspaceView) Err(form, key, field string) *playError {
	if v.Form.Form != form || v.Form.Key != key || v.Form.Error == nil || !v.Form.Inline || v.Form.Error.Field != field {
		return nil
	}
	return v.Form.Error
}

// Msg words a playError in the page's language.
func (p *page) Msg(e *playError) string { return p.T(e.Key, e.Args...) }

// wsDoneNotices are the notices a redirect after a submission may ask for.
var wsDoneNotices = []string{"answered", "reported", "shared", "correct", "incorrect", "hint"}

func (s *Server) renderTeam(c echo.Context, u *scoreboard.User, name, team string, status int, form formState) error {
	ctx := c.Request().Context()
	ex, clock, elapsed, err := s.exerciseHead(ctx, name)
	if err != nil {
		return err
	}
	view := viewFor(u)
	st, err := s.store.Standings(ctx, name, view)
	if err != nil {
		return err
	}
	b, err := s.store.TeamBreakdown(ctx, name, team, scoreboard.EntryQuery{View: view, Limit: 100, Before: c.QueryParam("before")})
	if err != nil {
		return err
	}
	wv := workspaceView{
		teamView: teamView{Exercise: ex, Team: b.Team, Teams: len(st.Teams), Categories: scoreboard.Categories, Breakdown: b},
		Clock:    clock, Elapsed: elapsed, CanPlay: mayPlay(u, name, team), Kinds: wsIndicatorKinds, Form: form,
		TeamNames: map[string]string{},
	}
	if d := c.QueryParam("done"); slices.Contains(wsDoneNotices, d) && status == http.StatusOK {
		wv.Done = d
	}
	_, wv.Run = s.engine(name)
	for _, ts := range st.Teams {
		if ts.Team.ID == team {
			wv.Rank = ts.Rank
		}
	}
	for _, t := range st.Teams {
		wv.TeamNames[t.Team.ID] = t.Team.Name
	}
	events, err := s.visibleEvents(ctx, u, name, team, 30)
	if err != nil {
		return err
	}
	wv.Events = newestFirst(events)

	plan := s.teamPlan(name, team)
	checks, err := s.store.ServiceStatus(ctx, name)
	if err != nil {
		return err
	}
	if plan != nil {
		wv.teamView.Hosts = plan.Hosts
		wv.Hosts = wsHostViews(name, team, plan, checks[team])
		wv.Scorebot = plan.Scorebot.Networks
	}
	items, err := s.store.InjectsOf(ctx, name, team)
	if err != nil {
		return err
	}
	for _, it := range items {
		iv := inboxView{InboxItem: it, LateNow: it.Response == nil && it.Late(elapsed)}
		if plan != nil {
			for _, ip := range plan.Injects {
				if ip.Name == it.Inject {
					iv.From, iv.Body = ip.From, ip.Body
				}
			}
		}
		wv.Inbox = append(wv.Inbox, iv)
	}
	slices.Reverse(wv.Inbox) // newest first, as an inbox reads
	if wv.Reports, err = s.store.ReportsOf(ctx, name, team); err != nil {
		return err
	}
	slices.Reverse(wv.Reports)
	if wv.Indicators, err = s.store.IndicatorsFor(ctx, name, team); err != nil {
		return err
	}
	slices.Reverse(wv.Indicators.Shared)
	slices.Reverse(wv.Indicators.Received)
	if wv.Challenges, err = s.challengeViews(ctx, name, team, plan); err != nil {
		return err
	}

	p := s.page(c, "nav.team")
	p.Title = b.Team.Name
	p.Data = wv
	return s.render(c, status, tmplTeam, p)
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

func (s *Server) challengeViews(ctx context.Context, exercise, team string, plan *scenarios.TeamPlan) ([]challengeView, error) {
	if plan == nil || len(plan.Challenges) == 0 {
		return nil, nil
	}
	subs, err := s.store.SubmissionsOf(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	hints, err := s.store.HintsOf(ctx, exercise, team)
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
func (s *Server) afterForm(c echo.Context, p *player, form formState, err error, done, anchor string) error {
	var pe *playError
	if errors.As(err, &pe) {
		form.Error = pe
		form.Inline = pe.Status == http.StatusUnprocessableEntity && slices.Contains(inputs, pe.Field)
		return s.renderTeam(c, p.user, p.exercise, p.team, pe.Status, form)
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

func (s *Server) respondForm(c echo.Context) error {
	p, err := s.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	inject := c.Param("inject")
	form := formState{Form: "inject", Key: inject, Values: wsFormValues(c, "body")}
	_, err = s.respond(c.Request().Context(), p, inject, form.Values["body"])
	return s.afterForm(c, p, form, err, "answered", "inject-"+inject)
}

func (s *Server) reportForm(c echo.Context) error {
	p, err := s.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	form := formState{Form: "report", Values: wsFormValues(c, "target", "techniques", "source", "summary")}
	v := form.Values
	_, err = s.report(c.Request().Context(), p, reportInput{Target: v["target"], Techniques: wsSplitList(v["techniques"]), Source: v["source"], Summary: v["summary"]})
	return s.afterForm(c, p, form, err, "reported", "reports-h")
}

func (s *Server) shareForm(c echo.Context) error {
	p, err := s.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	form := formState{Form: "indicator", Values: wsFormValues(c, "kind", "value", "techniques", "description")}
	v := form.Values
	_, err = s.share(c.Request().Context(), p, indicatorInput{Kind: v["kind"], Value: v["value"], Techniques: wsSplitList(v["techniques"]), Description: v["description"]})
	return s.afterForm(c, p, form, err, "shared", "indicators-h")
}

func (s *Server) answerForm(c echo.Context) error {
	p, err := s.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	ch := c.Param("challenge")
	form := formState{Form: "challenge", Key: ch, Values: wsFormValues(c, "answer")}
	correct, err := s.answer(c.Request().Context(), p, ch, form.Values["answer"])
	done := "incorrect"
	if correct {
		done = "correct"
	}
	return s.afterForm(c, p, form, err, done, "challenge-"+ch)
}

func (s *Server) hintForm(c echo.Context) error {
	p, err := s.player(c, c.Param("exercise"), c.Param("team"))
	if err != nil {
		return err
	}
	ch := c.Param("challenge")
	form := formState{Form: "hint", Key: ch, Values: wsFormValues(c, "hint")}
	n, err := strconv.Atoi(form.Values["hint"])
	if err != nil {
		n = -1
	}
	_, err = s.takeHint(c.Request().Context(), p, ch, n)
	return s.afterForm(c, p, form, err, "hint", "challenge-"+ch)
}

// --- JSON API ---

// wsViewer lets the team's trainees and staff read a team's workspace.
func (s *Server) wsViewer(c echo.Context) (*scoreboard.User, string, string, error) {
	u := userOf(c)
	name, team := c.Param("name"), c.Param("team")
	if !mayViewTeam(u, name, team) {
		return nil, "", "", errForbidden
	}
	// An unknown exercise or team is a 404, for staff who may ask.
	teams, err := s.store.Teams(c.Request().Context(), name)
	if err != nil {
		return nil, "", "", err
	}
	if !slices.ContainsFunc(teams, func(t scoreboard.Team) bool { return t.ID == team }) {
		return nil, "", "", fmt.Errorf("team %q of exercise %q: %w", team, name, scoreboard.ErrNotFound)
	}
	return u, name, team, nil
}

// wsPlayer is player for the API, with JSON refusals.
func (s *Server) wsPlayer(c echo.Context) (*player, error) {
	p, err := s.player(c, c.Param("name"), c.Param("team"))
	if errors.Is(err, errForbidden) {
		return nil, wsFail(c, http.StatusForbidden, "only the team's own trainees may submit for it", "")
	}
	return p, err
}

func wsFail(c echo.Context, status int, msg, field string) error {
	body := map[string]string{"error": msg}
	if field != "" {
		body["field"] = field
	}
	return c.JSON(status, body)
}

// wsRefuse answers a refused submission as JSON, or hands other errors on.
func wsRefuse(c echo.Context, err error) error {
	var pe *playError
	if errors.As(err, &pe) {
		return wsFail(c, pe.Status, pe.Error(), pe.Field)
	}
	return err
}

// wsDecodeJSON reads a request's JSON object into v, strictly: one object,
// known fields of the right types, at most maxJSONBody bytes. When the body
// is not that, it answers 400 saying what is wrong and returns false: v may
// then hold part of the body, and must not be acted on.
func wsDecodeJSON(c echo.Context, v any) (bool, error) {
	msg, field := readJSONBody(c, v)
	if msg != "" {
		return false, wsFail(c, http.StatusBadRequest, msg, field)
	}
	return true, nil
}

// readJSONBody decodes the body into v and says what is wrong with it, if
// anything, and in which field.
func readJSONBody(c echo.Context, v any) (msg, field string) {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return fmt.Sprintf("the body must be JSON (Content-Type: application/json), not %s", ct), ""
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, maxJSONBody+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || len(data) > maxJSONBody {
		return fmt.Sprintf("the body is larger than %d KiB", maxJSONBody>>10), ""
	}
	if err != nil {
		return "the body could not be read", ""
	}
	if strings.TrimSpace(string(data)) == "" {
		return "the body is empty: send a JSON object", ""
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("the body is not valid JSON: %v (at byte %d)", syntax, syntax.Offset), ""
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, wsJSONType(typ.Type.Kind().String()), typ.Value), typ.Field
	case errors.As(err, &typ):
		return fmt.Sprintf("the body must be a JSON object, not %s", typ.Value), ""
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not valid JSON: it ends too early", ""
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fmt.Sprintf("unknown field %q", field), field
	case err != nil:
		return "the body is not valid JSON: " + err.Error(), ""
	}
	if dec.More() {
		return "the body must hold one JSON object, and nothing after it", ""
	}
	return "", ""
}

func wsJSONType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	}
	return kind
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

func (s *Server) apiTeamHosts(c echo.Context) error {
	_, name, team, err := s.wsViewer(c)
	if err != nil {
		return err
	}
	status, err := s.store.ServiceStatus(c.Request().Context(), name)
	if err != nil {
		return err
	}
	out := struct {
		Hosts    []wsHost    `json:"hosts"`
		Scorebot []wsAddress `json:"scorebot"`
	}{Hosts: []wsHost{}, Scorebot: []wsAddress{}}
	if plan := s.teamPlan(name, team); plan != nil {
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

func (s *Server) apiTeamInjects(c echo.Context) error {
	_, name, team, err := s.wsViewer(c)
	if err != nil {
		return err
	}
	items, err := s.store.InjectsOf(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	plan := s.teamPlan(name, team)
	out := []wsInject{}
	for _, it := range items {
		out = append(out, wsInjectOut(it, plan))
	}
	return c.JSON(http.StatusOK, map[string]any{"injects": out})
}

func (s *Server) apiTeamRespond(c echo.Context) error {
	p, err := s.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Inject string `json:"inject"`
		Body   string `json:"body"`
	}
	if ok, err := wsDecodeJSON(c, &in); !ok || err != nil {
		return err
	}
	if strings.TrimSpace(in.Inject) == "" {
		return wsRefuse(c, playInvalid("inject", "trainee.err.required"))
	}
	it, err := s.respond(c.Request().Context(), p, in.Inject, in.Body)
	if err != nil {
		return wsRefuse(c, err)
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

func (s *Server) apiTeamReports(c echo.Context) error {
	_, name, team, err := s.wsViewer(c)
	if err != nil {
		return err
	}
	reps, err := s.store.ReportsOf(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	out := []wsReport{}
	for _, r := range reps {
		out = append(out, wsReportOut(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": out})
}

func (s *Server) apiTeamReport(c echo.Context) error {
	p, err := s.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in reportInput
	if ok, err := wsDecodeJSON(c, &in); !ok || err != nil {
		return err
	}
	rep, err := s.report(c.Request().Context(), p, in)
	if err != nil {
		return wsRefuse(c, err)
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

func (s *Server) apiTeamIndicators(c echo.Context) error {
	_, name, team, err := s.wsViewer(c)
	if err != nil {
		return err
	}
	got, err := s.store.IndicatorsFor(c.Request().Context(), name, team)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"shared": wsIndicatorsOut(got.Shared), "received": wsIndicatorsOut(got.Received)})
}

func (s *Server) apiTeamShare(c echo.Context) error {
	p, err := s.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in indicatorInput
	if ok, err := wsDecodeJSON(c, &in); !ok || err != nil {
		return err
	}
	ind, err := s.share(c.Request().Context(), p, in)
	if err != nil {
		return wsRefuse(c, err)
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

func (s *Server) apiTeamChallenges(c echo.Context) error {
	_, name, team, err := s.wsViewer(c)
	if err != nil {
		return err
	}
	cvs, err := s.challengeViews(c.Request().Context(), name, team, s.teamPlan(name, team))
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

func (s *Server) apiTeamAnswer(c echo.Context) error {
	p, err := s.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Challenge string `json:"challenge"`
		Answer    string `json:"answer"`
	}
	if ok, err := wsDecodeJSON(c, &in); !ok || err != nil {
		return err
	}
	if strings.TrimSpace(in.Challenge) == "" {
		return wsRefuse(c, playInvalid("challenge", "trainee.err.required"))
	}
	correct, err := s.answer(c.Request().Context(), p, in.Challenge, in.Answer)
	if err != nil {
		return wsRefuse(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"challenge": in.Challenge, "correct": correct})
}

func (s *Server) apiTeamHint(c echo.Context) error {
	p, err := s.wsPlayer(c)
	if p == nil || err != nil {
		return err
	}
	var in struct {
		Hint *int `json:"hint"`
	}
	if ok, err := wsDecodeJSON(c, &in); !ok || err != nil {
		return err
	}
	if in.Hint == nil {
		return wsRefuse(c, playInvalid("hint", "trainee.err.required"))
	}
	h, err := s.takeHint(c.Request().Context(), p, c.Param("challenge"), *in.Hint)
	if err != nil {
		return wsRefuse(c, err)
	}
	return c.JSON(http.StatusOK, wsHint{Hint: *in.Hint, Cost: h.Cost, Taken: true, Text: h.Text})
}
