package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// roundState is where a team's scorebot is: the last round it started and
// when the next is due, in exercise time.
type roundState struct {
	number  int
	next    time.Duration
	running bool
}

// startRound starts a team's round, as decided: it runs on its own, so
// that a slow team never delays another, and every check has its own
// timeout, so a round always ends.
func (e *Engine) startRound(ctx context.Context, c scoreboard.Clock, team string, number int, next time.Duration) {
	p := e.byTeam[team]
	e.mu.Lock()
	e.rounds[team] = &roundState{number: number, next: next, running: true}
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.round(ctx, c, p, number)
		// Late, as the benchmarks count it: the round ended after the
		// next one fell due.
		if c.Elapsed(e.opt.Now()) > next {
			e.opt.Metrics.RoundLate(e.exercise.Name)
		}
		e.mu.Lock()
		e.rounds[team].running = false
		e.mu.Unlock()
	}()
}

// round runs one round of a team's checks in its scorebot's agent, all at
// once, and records the round in one transaction. A round the scorebot
// could not run (its agent or container gone, the container engine away)
// says nothing of the team's services: it is not scored, and an event says
// so once per outage.
func (e *Engine) round(ctx context.Context, c scoreboard.Clock, p *scenarios.TeamPlan, number int) {
	checks := p.Checks()
	if len(checks) == 0 {
		return
	}
	team := p.Team.ID
	bot, err := e.scorebot(ctx, team)
	var results []agent.Result
	if err == nil {
		rctx, cancel := context.WithTimeout(ctx, roundTimeout(checks))
		results, err = e.agents.Check(rctx, bot, checks)
		cancel()
	}
	switch judgeRound(ctx.Err() != nil, err) {
	case roundCutOff:
		return
	case roundEngineAway:
		e.forgetScorebot(team, bot)
		e.engineAway(ctx, c, err)
		return
	case roundBotAway:
		e.forgetScorebot(team, bot)
		e.scorebotAway(ctx, c, team, number, err)
		return
	}
	e.engineBack(ctx, c)
	e.scorebotBack(ctx, c, team)
	m := e.moment(c)
	rs := make([]scoreboard.CheckResult, len(checks))
	for i, check := range checks {
		rs[i] = scoreboard.CheckResult{
			Exercise: e.exercise.Name, Team: team, Host: check.Host, Service: check.Service,
			Round: number, Up: results[i].Up, Detail: results[i].Detail, Moment: m,
		}
	}
	if _, _, err := e.store.RecordRound(context.WithoutCancel(ctx), e.exercise.Name, team, number, rs); err != nil {
		e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindRecordRound)
		e.event(ctx, c, scoreboard.AudienceStaff, team, scoreboard.EventEngine, fmt.Sprintf("could not record round %d: %v", number, err))
	}
}

// roundTimeout bounds a round in the agent: its slowest check, once for
// every batch the agent runs at a time, and a margin for the stream.
func roundTimeout(checks []scenarios.CheckPlan) time.Duration {
	longest := scenarios.DefaultCheckTimeout
	for _, c := range checks {
		longest = max(longest, time.Duration(c.Timeout))
	}
	waves := (len(checks) + probe.DefaultMaxChecks - 1) / probe.DefaultMaxChecks
	return time.Duration(waves)*longest + 15*time.Second
}

// startAgents starts every team's agent as the engine begins, as many at
// once as a deploy runs actions, so that the first round waits as little
// as it can for them. A team whose agent cannot start now is tried again
// by its round.
func (e *Engine) startAgents(ctx context.Context) {
	if e.rt == nil {
		return
	}
	var g errgroup.Group
	g.SetLimit(orchestrator.Parallelism)
	for _, p := range e.plans {
		if len(p.Checks()) == 0 {
			continue
		}
		g.Go(func() error {
			if bot, err := e.scorebot(ctx, p.Team.ID); err == nil {
				e.agents.Client(ctx, bot)
			}
			return nil
		})
	}
	g.Wait()
}

// scorebot is the id of the team's running scorebot container, looked up
// once and kept until a round fails.
func (e *Engine) scorebot(ctx context.Context, team string) (string, error) {
	e.mu.Lock()
	id, ok := e.bots[team]
	e.mu.Unlock()
	if ok {
		return id, nil
	}
	bot, err := e.container(ctx, team, orchestrator.RoleScorebot, "")
	if err == nil && !bot.Running {
		err = fmt.Errorf("team %q's scorebot is %s", team, bot.State)
	}
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	e.bots[team] = bot.ID
	e.mu.Unlock()
	return bot.ID, nil
}

// forgetScorebot drops what is known of a team's scorebot after a round it
// could not run: the next round looks it up and starts its agent anew.
func (e *Engine) forgetScorebot(team, id string) {
	e.mu.Lock()
	delete(e.bots, team)
	e.mu.Unlock()
	if id != "" {
		e.agents.Forget(id)
	}
}

// scorebotAway says, once per outage, that a team's scorebot could not run
// its checks: to the team in plain words, to the staff with the cause.
func (e *Engine) scorebotAway(ctx context.Context, c scoreboard.Clock, team string, number int, err error) {
	e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindScorebot)
	e.mu.Lock()
	already := e.botAway[team]
	e.botAway[team] = true
	e.mu.Unlock()
	if already {
		return
	}
	e.event(ctx, c, scoreboard.AudienceTeam, team, scoreboard.EventRound,
		fmt.Sprintf("The scorebot could not check your services in round %d: rounds are not scored until it can again.", number))
	e.event(ctx, c, scoreboard.AudienceStaff, team, scoreboard.EventEngine,
		fmt.Sprintf("The scorebot of team %s could not run round %d (not scored): %v", team, number, err))
}

// scorebotBack says a team's scorebot runs its checks again.
func (e *Engine) scorebotBack(ctx context.Context, c scoreboard.Clock, team string) {
	e.mu.Lock()
	was := e.botAway[team]
	delete(e.botAway, team)
	e.mu.Unlock()
	if was {
		e.event(ctx, c, scoreboard.AudienceTeam, team, scoreboard.EventRound, "The scorebot checks your services again: rounds are scored again.")
	}
}

// engineAway says, once per outage, that the container engine does not
// answer, and that checks are not scored meanwhile.
func (e *Engine) engineAway(ctx context.Context, c scoreboard.Clock, err error) {
	e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindContainerEngine)
	if e.away.Swap(true) {
		return
	}
	e.event(ctx, c, scoreboard.AudiencePublic, "", scoreboard.EventEngine, "The container engine does not answer: rounds are not scored until it is back. "+err.Error())
}

// engineBack says the container engine answers again after an outage.
func (e *Engine) engineBack(ctx context.Context, c scoreboard.Clock) {
	if e.away.Swap(false) {
		e.event(ctx, c, scoreboard.AudiencePublic, "", scoreboard.EventEngine, "The container engine answers again: rounds are scored again.")
	}
}

// deliverDue delivers an inject that fell due.
func (e *Engine) deliverDue(ctx context.Context, c scoreboard.Clock, team, inject string) error {
	p := e.byTeam[team]
	for _, in := range p.Injects {
		if in.Name == inject {
			return e.deliver(ctx, c, p, in, "")
		}
	}
	return nil
}

// Deliver delivers an inject to a team now, by an instructor's hand. An
// inject already delivered is not delivered again.
func (e *Engine) Deliver(ctx context.Context, team, inject, author string) error {
	p, ok := e.byTeam[team]
	if !ok {
		return refuse(ErrUnknown, "no team %q in exercise %q", team, e.exercise.Name)
	}
	for _, in := range p.Injects {
		if in.Name == inject {
			c, err := e.store.Clock(ctx, e.exercise.Name)
			if err != nil {
				return err
			}
			if c.State == scoreboard.ClockCreated {
				return refuse(ErrState, "exercise %q has not started: start it before delivering injects", e.exercise.Name)
			}
			return e.deliver(ctx, c, p, in, author)
		}
	}
	return refuse(ErrUnknown, "no inject %q in exercise %q", inject, e.exercise.Name)
}

func (e *Engine) deliver(ctx context.Context, c scoreboard.Clock, p *scenarios.TeamPlan, in scenarios.InjectPlan, author string) error {
	d := scoreboard.InjectDelivery{
		Exercise: e.exercise.Name, Team: p.Team.ID, Inject: in.Name, Subject: in.Subject, Moment: e.moment(c),
	}
	if in.Response != nil {
		d.Expects, d.Points, d.Due = true, in.Response.Points, time.Duration(in.Response.Due)
	}
	_, err := e.store.RecordInjectDelivery(ctx, d)
	switch {
	case errors.Is(err, scoreboard.ErrDuplicate):
	case err != nil:
		return err
	default:
		text := fmt.Sprintf("inject %q delivered: %s", in.Name, in.Subject)
		if author != "" {
			text += " (by " + author + ")"
		}
		e.event(ctx, c, scoreboard.AudienceTeam, p.Team.ID, scoreboard.EventInject, text)
	}
	e.mu.Lock()
	e.delivered[p.Team.ID+"/"+in.Name] = true
	e.mu.Unlock()
	return nil
}
