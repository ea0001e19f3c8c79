package web

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
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

// playing refuses submissions while the exercise is not playing, in the
// words the table of refusals gives the engine's reasons.
func (p *player) playing(ctx context.Context) (scoreboard.Clock, error) {
	clock, err := p.eng.Playing(ctx)
	if errors.Is(err, engine.ErrState) {
		return clock, refusalOf(err)
	}
	return clock, err
}

func playTooLong(field, value string, n int) *webError {
	if utf8.RuneCountInString(value) > n {
		return badField(field, "trainee.err.too_long", n)
	}
	return nil
}

// --- The actions, shared by the forms and the API ---

func (s *Server) respond(ctx context.Context, p *player, inject, body string) (scoreboard.InboxItem, error) {
	body = strings.TrimSpace(body)
	if _, err := p.playing(ctx); err != nil {
		return scoreboard.InboxItem{}, err
	}
	items, err := s.store.InjectsOf(ctx, p.exercise, p.team)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	i := slices.IndexFunc(items, func(it scoreboard.InboxItem) bool { return it.Inject == inject })
	switch {
	case i < 0:
		return scoreboard.InboxItem{}, badField("inject", "trainee.err.no_inject")
	case !items[i].Expects:
		return scoreboard.InboxItem{}, badField("inject", "trainee.err.no_answer_asked")
	case items[i].Response != nil:
		return scoreboard.InboxItem{}, &webError{Status: http.StatusConflict, Field: "body", Key: "trainee.err.answered"}
	case body == "":
		return scoreboard.InboxItem{}, badField("body", "trainee.err.required")
	}
	if pe := playTooLong("body", body, maxAnswerBody); pe != nil {
		return scoreboard.InboxItem{}, pe
	}
	it, err := p.eng.Respond(ctx, p.team, inject, body)
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return scoreboard.InboxItem{}, &webError{Status: http.StatusConflict, Field: "body", Key: "trainee.err.answered"}
	}
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	s.log.Info("inject answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "inject", inject)
	return it, nil
}

// reportInput is an incident report as a team writes it.
type reportInput struct {
	Target     string   `json:"target"`
	Techniques []string `json:"techniques"`
	Source     string   `json:"source"`
	Summary    string   `json:"summary"`
}

// wsSplitList reads a comma- or space-separated list.
func wsSplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\t' || r == '\r' })
}

// wsTechniques are a team's techniques as the engine writes them, or
// which one is not one.
func wsTechniques(field string, ts []string) ([]string, error) {
	out, err := engine.Techniques(ts)
	var te *engine.TechniqueError
	if errors.As(err, &te) {
		return nil, badField(field, "trainee.err.technique", te.Technique)
	}
	return out, err
}

func (s *Server) report(ctx context.Context, p *player, in reportInput) (scoreboard.IncidentReport, error) {
	in.Target, in.Source, in.Summary = strings.TrimSpace(in.Target), strings.TrimSpace(in.Source), strings.TrimSpace(in.Summary)
	if _, err := p.playing(ctx); err != nil {
		return scoreboard.IncidentReport{}, err
	}
	if in.Target == "" {
		return scoreboard.IncidentReport{}, badField("target", "trainee.err.required")
	}
	if p.plan != nil && !slices.ContainsFunc(p.plan.Hosts, func(h scenarios.HostPlan) bool { return h.Name == in.Target }) {
		return scoreboard.IncidentReport{}, badField("target", "trainee.err.no_host", in.Target)
	}
	ts, err := wsTechniques("techniques", in.Techniques)
	if err != nil {
		return scoreboard.IncidentReport{}, err
	}
	if in.Source != "" {
		if _, err := netip.ParseAddr(in.Source); err != nil {
			return scoreboard.IncidentReport{}, badField("source", "trainee.err.address", in.Source)
		}
	}
	if in.Summary == "" {
		return scoreboard.IncidentReport{}, badField("summary", "trainee.err.required")
	}
	if pe := playTooLong("summary", in.Summary, maxSummary); pe != nil {
		return scoreboard.IncidentReport{}, pe
	}
	rep, err := p.eng.Report(ctx, scoreboard.IncidentReport{Team: p.team, Target: in.Target, Techniques: ts, Source: in.Source, Summary: in.Summary})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return rep, &webError{Status: http.StatusConflict, Field: "summary", Key: "trainee.err.report_twice"}
	}
	if err != nil {
		return rep, err
	}
	s.log.Info("incident report filed", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "target", rep.Target)
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
	if _, err := p.playing(ctx); err != nil {
		return scoreboard.SharedIndicator{}, err
	}
	switch {
	case in.Kind == "":
		return scoreboard.SharedIndicator{}, badField("kind", "trainee.err.required")
	case !slices.Contains(wsIndicatorKinds, in.Kind):
		return scoreboard.SharedIndicator{}, badField("kind", "trainee.err.kind", strings.Join(wsIndicatorKinds, ", "))
	case in.Value == "":
		return scoreboard.SharedIndicator{}, badField("value", "trainee.err.required")
	}
	if pe := playTooLong("value", in.Value, maxValue); pe != nil {
		return scoreboard.SharedIndicator{}, pe
	}
	if in.Attack != "" && p.plan != nil && !slices.ContainsFunc(p.plan.Attacks, func(a scenarios.AttackPlan) bool { return a.Name == in.Attack }) {
		return scoreboard.SharedIndicator{}, badField("attack", "trainee.err.no_attack", in.Attack)
	}
	ts, err := wsTechniques("techniques", in.Techniques)
	if err != nil {
		return scoreboard.SharedIndicator{}, err
	}
	if pe := playTooLong("description", in.Description, maxDescription); pe != nil {
		return scoreboard.SharedIndicator{}, pe
	}
	ind := scoreboard.SharedIndicator{Team: p.team, Kind: in.Kind, Value: in.Value, Attack: in.Attack, Techniques: ts, Description: in.Description}
	stored, err := p.eng.Share(ctx, ind)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return ind, &webError{Status: http.StatusConflict, Field: "value", Key: "trainee.err.shared_twice"}
	case errors.Is(err, scoreboard.ErrInvalid):
		return ind, badField("value", "trainee.err.indicator", in.Kind)
	case err != nil:
		return ind, err
	}
	s.log.Info("indicator shared", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "kind", in.Kind)
	return stored, nil
}

// challenge is the team's challenge of that name, nil when it has none.
func (p *player) challenge(name string) *scenarios.ChallengePlan {
	ch, err := p.eng.Challenge(p.team, name)
	if err != nil {
		return nil
	}
	return &ch
}

func (s *Server) answer(ctx context.Context, p *player, challenge, answer string) (bool, error) {
	answer = strings.TrimSpace(answer)
	if _, err := p.playing(ctx); err != nil {
		return false, err
	}
	if p.challenge(challenge) == nil {
		return false, badField("challenge", "trainee.err.no_challenge", challenge)
	}
	if answer == "" {
		return false, badField("answer", "trainee.err.required")
	}
	if pe := playTooLong("answer", answer, maxChallengeAns); pe != nil {
		return false, pe
	}
	correct, err := p.eng.Answer(ctx, p.team, challenge, answer)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return false, &webError{Status: http.StatusConflict, Field: "answer", Key: "trainee.err.solved"}
	case errors.Is(err, scoreboard.ErrRateLimited):
		return false, &webError{Status: http.StatusTooManyRequests, Field: "answer", Key: "trainee.err.cooldown"}
	case err != nil:
		return false, err
	}
	s.log.Info("challenge answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "correct", correct)
	return correct, nil
}

// takeHint shows a team a hint of a challenge, at its cost.
func (s *Server) takeHint(ctx context.Context, p *player, challenge string, n int) (scenarios.HintPlan, error) {
	if _, err := p.playing(ctx); err != nil {
		return scenarios.HintPlan{}, err
	}
	ch := p.challenge(challenge)
	if ch == nil {
		return scenarios.HintPlan{}, badField("challenge", "trainee.err.no_challenge", challenge)
	}
	if n < 0 || n >= len(ch.Hints) {
		return scenarios.HintPlan{}, badField("hint", "trainee.err.no_hint")
	}
	h, err := p.eng.TakeHint(ctx, p.team, challenge, n)
	if err != nil {
		return h, err
	}
	s.log.Info("hint taken", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "hint", n+1)
	return h, nil
}
