package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The trainees' workspace: their team's page with hosts and service status,
// the injects inbox, incident reports, the indicator exchange with the
// partner country and the challenges, with a form for each thing a team
// does and the same in the JSON API. Everything a team submits goes through
// the exercise's engine, which checks it by the rules of play and stamps it
// with the exercise clock; every permission is checked here, on the server.

// traineePages are the team's workspace, its pages and its API: what the
// team's trainees read and submit, and what staff read of a team.
type traineePages struct {
	*base
	held
	store traineeStore
}

// traineeStore is what traineePages read of the store; what a team
// submits goes through its exercise's engine.
type traineeStore interface {
	exerciseReader
	eventReader
	Teams(ctx context.Context, exercise string) ([]scoreboard.Team, error)
	Standings(ctx context.Context, exercise string, view scoreboard.View) (scoreboard.Standings, error)
	TeamBreakdown(ctx context.Context, exercise, team string, q scoreboard.EntryQuery) (scoreboard.Breakdown, error)
	ServiceStatus(ctx context.Context, exercise string) (map[string]map[string]scoreboard.CheckResult, error)
	InjectsOf(ctx context.Context, exercise, team string) ([]scoreboard.InboxItem, error)
	ReportsOf(ctx context.Context, exercise, team string) ([]scoreboard.IncidentReport, error)
	IndicatorsFor(ctx context.Context, exercise, team string) (scoreboard.Indicators, error)
	SubmissionsOf(ctx context.Context, exercise, team string) ([]scoreboard.ChallengeSubmission, error)
	HintsOf(ctx context.Context, exercise, team string) ([]scoreboard.HintTaken, error)
}

// maxJSONBody bounds a team's JSON submission; what each field may say is
// the engine's rules of play.
const maxJSONBody = 64 << 10

var errNotRun = &webError{Status: http.StatusServiceUnavailable, Key: "trainee.not_run"}

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
func (tr *traineePages) player(c echo.Context, exercise, team string) (*player, error) {
	u := userOf(c)
	if !mayPlay(u, exercise, team) {
		tr.log.Info("submission refused", "user", u.Name, "exercise", exercise, "team", team, "path", c.Request().URL.Path)
		return nil, errForbidden
	}
	eng, ok := tr.engine(exercise)
	if !ok || eng == nil {
		return nil, errNotRun
	}
	return &player{user: u, exercise: exercise, team: team, eng: eng, plan: tr.teamPlan(exercise, team)}, nil
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

// --- The actions, shared by the forms and the API ---

// played is what the engine said of a submission, as the web answers it:
// a refusal by the rules of play or the exercise's state in the words the
// table of refusals gives it, anything else as it is.
func played(err error) error {
	var pe *engine.PlayError
	if errors.As(err, &pe) || errors.Is(err, engine.ErrState) {
		return refusalOf(err)
	}
	return err
}

func (tr *traineePages) respond(ctx context.Context, p *player, inject, body string) (scoreboard.InboxItem, error) {
	it, err := p.eng.Respond(ctx, p.team, inject, body)
	if err != nil {
		return it, played(err)
	}
	tr.log.Info("inject answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "inject", inject)
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

func (tr *traineePages) report(ctx context.Context, p *player, in reportInput) (scoreboard.IncidentReport, error) {
	rep, err := p.eng.Report(ctx, scoreboard.IncidentReport{Team: p.team, Target: in.Target, Techniques: in.Techniques, Source: in.Source, Summary: in.Summary})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return rep, &webError{Status: http.StatusConflict, Field: "summary", Key: "trainee.err.report_twice"}
	}
	if err != nil {
		return rep, played(err)
	}
	tr.log.Info("incident report filed", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "target", rep.Target)
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

func (tr *traineePages) share(ctx context.Context, p *player, in indicatorInput) (scoreboard.SharedIndicator, error) {
	ind := scoreboard.SharedIndicator{Team: p.team, Kind: in.Kind, Value: in.Value, Attack: in.Attack, Techniques: in.Techniques, Description: in.Description}
	stored, err := p.eng.Share(ctx, ind)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return stored, &webError{Status: http.StatusConflict, Field: "value", Key: "trainee.err.shared_twice"}
	case errors.Is(err, scoreboard.ErrInvalid):
		return stored, badField("value", "trainee.err.indicator", stored.Kind)
	case err != nil:
		return stored, played(err)
	}
	tr.log.Info("indicator shared", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "kind", stored.Kind)
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

func (tr *traineePages) answer(ctx context.Context, p *player, challenge, answer string) (bool, error) {
	if _, err := p.playing(ctx); err != nil {
		return false, err
	}
	if p.challenge(challenge) == nil {
		return false, badField("challenge", "trainee.err.no_challenge", challenge)
	}
	correct, err := p.eng.Answer(ctx, p.team, challenge, answer)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
		return false, &webError{Status: http.StatusConflict, Field: "answer", Key: "trainee.err.solved"}
	case errors.Is(err, scoreboard.ErrRateLimited):
		return false, &webError{Status: http.StatusTooManyRequests, Field: "answer", Key: "trainee.err.cooldown"}
	case err != nil:
		return false, played(err)
	}
	tr.log.Info("challenge answered", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "correct", correct)
	return correct, nil
}

// takeHint shows a team a hint of a challenge, at its cost.
func (tr *traineePages) takeHint(ctx context.Context, p *player, challenge string, n int) (scenarios.HintPlan, error) {
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
	tr.log.Info("hint taken", "user", p.user.Name, "exercise", p.exercise, "team", p.team, "challenge", challenge, "hint", n+1)
	return h, nil
}
