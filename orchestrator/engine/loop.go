package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Run runs the exercise until it ends or ctx is done. It does not start
// the clock: Start does, and Run waits for it. A Run after a restart takes
// up where the last one stopped.
//
// One engine runs an exercise at a time: Run first takes the exercise's
// lease, waiting while another engine holds it, and renews it as it goes.
//
// Each tick, Run observes the clock and what is recorded, lets decide say
// what is to be done, and performs it.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.takeLease(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	defer e.store.ReleaseLease(context.WithoutCancel(ctx), e.exercise.Name, e.opt.Holder)
	if err := e.recover(ctx); err != nil {
		return err
	}
	e.agents = agent.NewPool(e.rt, e.opt.Agent)
	defer e.agents.Close()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.startAgents(ctx)
	}()
	ticks, stopTicks := e.opt.NewTicker(e.opt.Tick)
	defer stopTicks()
	defer e.wg.Wait()
	e.renewed, e.lost, e.lostTo, e.drained = e.opt.Now(), false, "", false
	for {
		in, err := e.observe(ctx)
		if err != nil {
			return unlessStopping(ctx, err)
		}
		acts := decide(in)
		next, err := e.perform(ctx, in.clock, acts)
		switch {
		case err != nil:
			return unlessStopping(ctx, err)
		case next == quit:
			return nil
		case next == again:
			continue
		}
		if e.ticked != nil {
			e.ticked(in, acts)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}

// unlessStopping is err, or nil when ctx is done: what fails as the engine
// stops is not worth saying.
func unlessStopping(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// observe reads what decide needs: the clock, the executions while there
// are any to act on, and what this engine has recorded.
func (e *Engine) observe(ctx context.Context) (inputs, error) {
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return inputs{}, err
	}
	in := inputs{setting: e.set, clock: c, now: e.opt.Now()}
	if c.State == scoreboard.ClockRunning || c.State == scoreboard.ClockEnded && e.drained {
		if in.executions, err = e.store.Executions(ctx, e.exercise.Name); err != nil {
			return in, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in.state = recorded{
		renewed: e.renewed, lost: e.lost, lostTo: e.lostTo, drained: e.drained,
		rounds: map[string]roundState{}, delivered: maps.Clone(e.delivered),
		running: map[int64]bool{}, unrevealed: maps.Clone(e.unrevealed),
	}
	for team, st := range e.rounds {
		in.state.rounds[team] = *st
	}
	for id, run := range e.running {
		in.state.running[id] = run.stopped
	}
	return in, nil
}

// after is what the loop does once an action is done.
type after int

const (
	goOn  after = iota // the next action
	again              // decide anew at once: the action changed what the rest were decided on
	quit               // Run returns
)

// perform does the actions in order. It stops at the first that fails,
// that changes what the others were decided on, or that ends the run.
func (e *Engine) perform(ctx context.Context, c scoreboard.Clock, acts []action) (after, error) {
	for _, a := range acts {
		if next, err := e.do(ctx, c, a); err != nil || next != goOn {
			return next, err
		}
	}
	return goOn, nil
}

// do does one action, at the clock's reading it was decided on.
func (e *Engine) do(ctx context.Context, c scoreboard.Clock, a action) (after, error) {
	switch a.kind {
	case renewLease:
		return e.renew(ctx, a.at)
	case giveUp:
		e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindLease)
		return quit, fmt.Errorf("exercise %s: another engine (%s) took the exercise over: this one stops", e.exercise.Name, a.other)
	case endExercise:
		_, err := e.control(ctx, scoreboard.ControlEnd, 0, "engine", "", "exercise ended: its duration is over")
		return again, err
	case drain:
		e.wg.Wait()
		e.drained = true
		return again, nil
	case finish:
		return quit, nil
	case missExecution:
		if err := e.store.UpdateExecution(ctx, a.x, a.from); err != nil && !errors.Is(err, scoreboard.ErrConflict) {
			return goOn, err
		}
	case stopAttack:
		e.stopAttack(a.x.ID)
	case deliverInject:
		return goOn, e.deliverDue(ctx, c, a.team, a.inject)
	case startRound:
		e.startRound(ctx, c, a.team, a.round, a.next)
	case recordAttack:
		return goOn, e.record(ctx, c, a.x)
	case launchAttack:
		e.launch(ctx, c, a.x)
	case reveal:
		return goOn, e.reveal(ctx, c, a.runs)
	}
	return goOn, nil
}

// renew renews the lease; one that another engine took makes the loop
// decide anew, to stop.
func (e *Engine) renew(ctx context.Context, now time.Time) (after, error) {
	got, other, err := e.store.AcquireLease(ctx, e.exercise.Name, e.opt.Holder, now, now.Add(e.opt.LeaseTTL))
	e.renewed = now
	switch {
	case ctx.Err() != nil:
		return goOn, nil
	case err != nil:
		return goOn, err
	case !got:
		e.lost, e.lostTo = true, other
		return again, nil
	}
	return goOn, nil
}

// reveal shows teams the attacks whose detection window has closed: the
// runs given, and any other the store finds due.
func (e *Engine) reveal(ctx context.Context, c scoreboard.Clock, runs []string) error {
	evs, err := e.store.RevealDue(ctx, e.exercise.Name, e.moment(c))
	if err != nil {
		return err
	}
	e.mu.Lock()
	for _, run := range runs {
		delete(e.unrevealed, run)
	}
	e.mu.Unlock()
	if e.opt.OnEvent != nil {
		for _, ev := range evs {
			e.opt.OnEvent(ev)
		}
	}
	return nil
}

// recover takes up after an engine that stopped, as resume says: each
// team's rounds, the finished runs scored, those left running interrupted
// (their processes killed and their cleanup run). Every finished run is
// taken to be unrevealed, to be asked about once its window has closed,
// and the stored exercise says when teams learn of attacks.
func (e *Engine) recover(ctx context.Context) error {
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return err
	}
	stored, err := e.store.Exercise(ctx, e.exercise.Name)
	if err != nil {
		return err
	}
	e.set.reveal, e.set.window = stored.Scoring.Reveal, stored.Scoring.Detection.Window
	last, err := e.store.LastRounds(ctx, e.exercise.Name)
	if err != nil {
		return err
	}
	in := inputs{setting: e.set, clock: c, now: e.opt.Now()}
	if in.executions, err = e.store.Executions(ctx, e.exercise.Name); err != nil {
		return err
	}
	unrevealed := map[string]time.Duration{}
	for _, x := range in.executions {
		if x.State == scoreboard.ExecDone && x.Run != "" {
			unrevealed[x.Run] = x.Started.Elapsed
		}
	}
	e.mu.Lock()
	e.unrevealed = unrevealed
	e.mu.Unlock()
	for _, a := range resume(in, last) {
		if err := e.resumeOne(ctx, c, in.clock.Elapsed(in.now), a); err != nil {
			return err
		}
	}
	return nil
}

// resumeOne does one of resume's actions.
func (e *Engine) resumeOne(ctx context.Context, c scoreboard.Clock, now time.Duration, a action) error {
	switch a.kind {
	case resumeRounds:
		e.mu.Lock()
		e.rounds[a.team] = &roundState{number: a.round, next: a.next}
		e.mu.Unlock()
		if a.lost > 0 {
			e.event(ctx, c, scoreboard.AudienceTeam, a.team, scoreboard.EventRound,
				fmt.Sprintf("about %d rounds (%s to %s) were not checked: no engine was running; checks go on from round %d",
					a.lost, scenarios.Clock(a.since), scenarios.Clock(now), a.round+1))
		}
	case scoreRun:
		_, plan, _ := e.attack(a.x.Team, a.x.Attack)
		return e.score(ctx, plan, a.x)
	case interruptRun:
		return e.interrupt(ctx, c, a.x, a.from)
	}
	return nil
}

// interrupt records a run an engine left running as interrupted, kills
// what is left of it in the attacker and runs its cleanup.
func (e *Engine) interrupt(ctx context.Context, c scoreboard.Clock, x scoreboard.Execution, from string) error {
	p, a, _ := e.attack(x.Team, x.Attack)
	x.Ended = e.moment(c)
	if x.Ended.Elapsed < x.Started.Elapsed {
		x.Ended.Elapsed = x.Started.Elapsed
	}
	if err := e.store.UpdateExecution(ctx, x, from); err != nil {
		return err
	}
	if attacker, err := e.container(ctx, p.Team.ID, orchestrator.RoleAttacker, a.From); err == nil {
		e.kill(ctx, attacker.ID, x.Run)
		timeout := cmp.Or(time.Duration(a.Timeout), scenarios.DefaultAttackTO)
		e.cleanup(ctx, attacker.ID, a.ForRun(x.Run, ""), x.Run, timeout)
	}
	e.event(ctx, c, scoreboard.AudienceStaff, x.Team, scoreboard.EventAttack, fmt.Sprintf("attack %q (run %s) was interrupted by a restart of the engine; it is not run again", x.Attack, x.Run))
	return nil
}
