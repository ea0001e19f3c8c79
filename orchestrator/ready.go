package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

// CheckResult is the outcome of one check, run from a team's scorebot.
type CheckResult struct {
	Team, Host, Service string
	OK                  bool
	// Detail says why a check failed, in the words of what it saw.
	Detail string
}

func (r CheckResult) String() string {
	return fmt.Sprintf("team %q %s/%s: %s", r.Team, r.Host, r.Service, r.Detail)
}

// Checker runs checks in a scorebot container, all at once, and returns
// their verdicts in order, as the agent's pool does (agent.Pool.Check). An
// error means the checks say nothing of the services: the scorebot could
// not run them.
type Checker func(ctx context.Context, scorebot string, checks []scenarios.CheckPlan) ([]probe.Result, error)

// readyRetry is how long a team's readiness waits between two tries: a
// try is one request to the team's agent, cheap enough to repeat often,
// so that a service is seen ready soon after it listens.
const readyRetry = 100 * time.Millisecond

// Readiness waits for every team's checks to pass, from each team's
// scorebot. A team's checks start when Start says its containers run, so
// that the first teams deployed are checked while the last are still
// being created; Wait starts the teams not started yet.
type Readiness struct {
	rt       Runtime
	check    Checker
	progress func(CheckResult)
	plans    map[string]*scenarios.TeamPlan
	order    []string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	started map[string]bool
	failing map[string][]CheckResult // team: its checks not passed yet, with why
}

// NewReadiness prepares the wait for the teams' checks; none runs before
// Start or Wait. progress, if not nil, is told of each check as it first
// passes, one call at a time.
func NewReadiness(ctx context.Context, rt Runtime, plans []*scenarios.TeamPlan, check Checker, progress func(CheckResult)) *Readiness {
	ctx, cancel := context.WithCancel(ctx)
	r := &Readiness{rt: rt, check: check, progress: progress, plans: map[string]*scenarios.TeamPlan{},
		ctx: ctx, cancel: cancel, started: map[string]bool{}, failing: map[string][]CheckResult{}}
	for _, p := range plans {
		r.plans[p.Team.ID] = p
		r.order = append(r.order, p.Team.ID)
		for _, c := range p.Checks() {
			r.failing[p.Team.ID] = append(r.failing[p.Team.ID], CheckResult{Team: p.Team.ID, Host: c.Host, Service: c.Service, Detail: "not checked yet"})
		}
	}
	return r
}

// ScorebotUp starts the team's agent while its hosts are still being
// created, so that its checks, when they start, do not wait for it.
func (r *Readiness) ScorebotUp(team string) {
	p, ok := r.plans[team]
	if !ok {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		cs, err := r.rt.ListContainers(r.ctx, map[string]string{
			LabelExercise: p.Exercise, LabelTeam: team, LabelRole: string(RoleScorebot),
		})
		if err == nil && len(cs) > 0 && cs[0].Running {
			r.check(r.ctx, cs[0].ID, nil) // no check: the agent starts
		}
	}()
}

// TeamUp starts checking the team's services: all its containers run.
func (r *Readiness) TeamUp(team string) { r.Start(team) }

// Start begins checking a team's services, once.
func (r *Readiness) Start(team string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.plans[team]
	if !ok || r.started[team] {
		return
	}
	r.started[team] = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.team(p)
	}()
}

// Wait starts every team not started yet and waits until every check
// passes or timeout has passed. It returns the checks still failing, with
// why, when time runs out.
func (r *Readiness) Wait(timeout time.Duration) ([]CheckResult, error) {
	for _, team := range r.order {
		r.Start(team)
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-r.ctx.Done():
	}
	r.cancel()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	var failing []CheckResult
	for _, team := range r.order {
		failing = append(failing, r.failing[team]...)
	}
	if len(failing) > 0 {
		return failing, fmt.Errorf("%d checks not passing when the time ran out", len(failing))
	}
	return nil, nil
}

// Stop ends the wait early, as when the deploy failed, and waits for the
// teams' checks to stop.
func (r *Readiness) Stop() {
	r.cancel()
	r.mu.Lock()
	r.started = map[string]bool{"": true} // Start does nothing more
	for team := range r.plans {
		r.started[team] = true
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// team runs a team's checks not yet passed, again and again, until all
// pass or the wait ends.
func (r *Readiness) team(p *scenarios.TeamPlan) {
	todo := p.Checks()
	bot := ""
	for len(todo) > 0 {
		results, why := r.try(p.Team.ID, &bot, todo)
		r.mu.Lock()
		var left []scenarios.CheckPlan
		var failing []CheckResult
		for i, c := range todo {
			switch {
			case results == nil:
				failing = append(failing, CheckResult{Team: p.Team.ID, Host: c.Host, Service: c.Service, Detail: why})
				left = append(left, c)
			case results[i].Up:
				if r.progress != nil {
					r.progress(CheckResult{Team: p.Team.ID, Host: c.Host, Service: c.Service, OK: true, Detail: results[i].Detail})
				}
			default:
				failing = append(failing, CheckResult{Team: p.Team.ID, Host: c.Host, Service: c.Service, Detail: results[i].Detail})
				left = append(left, c)
			}
		}
		r.failing[p.Team.ID] = failing
		r.mu.Unlock()
		todo = left
		if len(todo) == 0 {
			return
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(readyRetry):
		}
	}
}

// try runs checks once from the team's scorebot, finding it first; nil
// results come with why they could not run.
func (r *Readiness) try(team string, bot *string, checks []scenarios.CheckPlan) ([]probe.Result, string) {
	if *bot == "" {
		cs, err := r.rt.ListContainers(r.ctx, map[string]string{
			LabelExercise: r.plans[team].Exercise, LabelTeam: team, LabelRole: string(RoleScorebot),
		})
		cs = slices.DeleteFunc(cs, func(c Container) bool { return !c.Running })
		switch {
		case err != nil:
			return nil, "the scorebot could not be found: " + err.Error()
		case len(cs) == 0:
			return nil, "the team has no running scorebot container: run up first"
		}
		*bot = cs[0].ID
	}
	results, err := r.check(r.ctx, *bot, checks)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			*bot = "" // it may have been replaced: look again
		}
		return nil, "the scorebot could not run the check: " + err.Error()
	}
	if len(results) != len(checks) {
		return nil, fmt.Sprintf("the scorebot answered %d checks with %d results", len(checks), len(results))
	}
	return results, ""
}
