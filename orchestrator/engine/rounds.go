package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
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

// roundLength is a team's round in exercise time, stretched at a high speed
// factor so that a team is checked at most every MinRound of real time.
func (e *Engine) roundLength(p *scenarios.TeamPlan, c scoreboard.Clock) time.Duration {
	r := time.Duration(p.Scorebot.Round)
	if r <= 0 {
		r = scenarios.DefaultRound
	}
	return max(r, time.Duration(float64(e.opt.MinRound)*c.Speed))
}

// loadRounds takes up each team's rounds where the store has them: the
// next round is numbered after the last one recorded and is due now. Rounds
// that fell due while no engine ran are not made up (the scorebot cannot
// check the past); an event says how many.
func (e *Engine) loadRounds(ctx context.Context, c scoreboard.Clock) error {
	last, err := e.store.LastRounds(ctx, e.exercise.Name)
	if err != nil {
		return err
	}
	now := c.Elapsed(e.opt.Now())
	for _, p := range e.plans {
		st := &roundState{}
		if r, ok := last[p.Team.ID]; ok {
			st.number = r.Number
			st.next = now
			length := e.roundLength(p, c)
			if c.State != scoreboard.ClockCreated && now-r.Elapsed > 2*length {
				lost := int((now - r.Elapsed) / length)
				e.event(ctx, c, scoreboard.AudienceTeam, p.Team.ID, scoreboard.EventRound,
					fmt.Sprintf("about %d rounds (%s to %s) were not checked: no engine was running; checks go on from round %d",
						lost, scenarios.Clock(r.Elapsed), scenarios.Clock(now), r.Number+1))
			}
		} else {
			st.next = e.jitter(p.Team.ID, "round 1", time.Duration(p.Scorebot.Jitter))
		}
		e.rounds[p.Team.ID] = st
	}
	return nil
}

// startRounds starts each team's round that is due. A team's round runs on
// its own: a slow team never delays another, and every check has its own
// timeout, so a round always ends.
func (e *Engine) startRounds(ctx context.Context, c scoreboard.Clock) {
	now := e.opt.Now()
	elapsed := c.Elapsed(now)
	for _, p := range e.plans {
		e.mu.Lock()
		st := e.rounds[p.Team.ID]
		due := st != nil && !st.running && elapsed >= st.next
		if due {
			st.number++
			st.running = true
			length := e.roundLength(p, c)
			jitter := e.jitter(p.Team.ID, "round "+strconv.Itoa(st.number+1), min(time.Duration(p.Scorebot.Jitter), length/2))
			st.next = st.next + length + jitter
			if st.next < elapsed {
				st.next = elapsed + jitter
			}
		}
		e.mu.Unlock()
		if !due {
			continue
		}
		e.wg.Add(1)
		go func(p *scenarios.TeamPlan, number int) {
			defer e.wg.Done()
			e.round(ctx, c, p, number)
			e.mu.Lock()
			e.rounds[p.Team.ID].running = false
			e.mu.Unlock()
		}(p, st.number)
	}
}

// round runs one round of a team's checks and records each result.
func (e *Engine) round(ctx context.Context, c scoreboard.Clock, p *scenarios.TeamPlan, number int) {
	var checks []scenarios.CheckPlan
	for _, h := range p.Hosts {
		for _, s := range h.Services {
			if s.Check != nil {
				checks = append(checks, *s.Check)
			}
		}
	}
	if len(checks) == 0 {
		return
	}
	bot, botErr := e.container(ctx, p.Team.ID, orchestrator.RoleScorebot, "")
	if errors.Is(botErr, orchestrator.ErrEngineUnreachable) {
		e.engineAway(ctx, c, botErr)
		return
	}
	var wg sync.WaitGroup
	var away atomic.Bool
	for _, check := range checks {
		wg.Add(1)
		go func(check scenarios.CheckPlan) {
			defer wg.Done()
			var up bool
			var detail string
			if botErr != nil {
				detail = "the scorebot could not run the check: " + botErr.Error()
			} else {
				select {
				case e.checks <- struct{}{}:
				case <-ctx.Done():
					return
				}
				var err error
				up, detail, err = orchestrator.RunCheck(ctx, e.rt, bot.ID, check)
				<-e.checks
				if err != nil {
					// The container engine did not answer: the check says
					// nothing of the team's service, so it is not scored.
					away.Store(true)
					e.engineAway(ctx, c, err)
					return
				}
			}
			if ctx.Err() != nil {
				return // stopping: the round is not scored on a cut-off check
			}
			_, err := e.store.RecordCheck(context.WithoutCancel(ctx), scoreboard.CheckResult{
				Exercise: e.exercise.Name, Team: p.Team.ID, Host: check.Host, Service: check.Service,
				Round: number, Up: up, Detail: detail, Moment: e.moment(c),
			})
			if err != nil && !errors.Is(err, scoreboard.ErrDuplicate) {
				e.event(ctx, c, scoreboard.AudienceStaff, p.Team.ID, scoreboard.EventEngine, "could not record a check: "+err.Error())
			}
		}(check)
	}
	wg.Wait()
	if !away.Load() {
		e.engineBack(ctx, c)
	}
}

// engineAway says, once per outage, that the container engine does not
// answer, and that checks are not scored meanwhile.
func (e *Engine) engineAway(ctx context.Context, c scoreboard.Clock, err error) {
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

// deliverInjects delivers every inject that is due and not yet delivered.
func (e *Engine) deliverInjects(ctx context.Context, c scoreboard.Clock) error {
	elapsed := c.Elapsed(e.opt.Now())
	for _, p := range e.plans {
		for _, in := range p.Injects {
			e.mu.Lock()
			done := e.delivered[p.Team.ID+"/"+in.Name]
			e.mu.Unlock()
			if done || elapsed < time.Duration(in.At) {
				continue
			}
			if err := e.deliver(ctx, c, p, in, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// Deliver delivers an inject to a team now, by an instructor's hand. An
// inject already delivered is not delivered again.
func (e *Engine) Deliver(ctx context.Context, team, inject, author string) error {
	p, ok := e.byTeam[team]
	if !ok {
		return fmt.Errorf("no team %q in exercise %q", team, e.exercise.Name)
	}
	for _, in := range p.Injects {
		if in.Name == inject {
			c, err := e.store.Clock(ctx, e.exercise.Name)
			if err != nil {
				return err
			}
			if c.State == scoreboard.ClockCreated {
				return fmt.Errorf("exercise %q has not started: start it before delivering injects", e.exercise.Name)
			}
			return e.deliver(ctx, c, p, in, author)
		}
	}
	return fmt.Errorf("no inject %q in exercise %q", inject, e.exercise.Name)
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
