package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// record stores a timeline attack that fell due, as decided: to start,
// which it does, to wait for approval, or skipped or missed. One that
// another hand stored first is left to it.
func (e *Engine) record(ctx context.Context, c scoreboard.Clock, x scoreboard.Execution) error {
	id, err := e.store.AddExecution(ctx, x)
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return nil
	}
	if err != nil {
		return err
	}
	x.ID = id
	switch x.State {
	case scoreboard.ExecSkipped:
		e.event(ctx, c, scoreboard.AudienceStaff, x.Team, scoreboard.EventAttack, fmt.Sprintf("attack %q skipped: %s", x.Attack, x.Reason))
	case scoreboard.ExecApproval:
		e.event(ctx, c, scoreboard.AudienceStaff, x.Team, scoreboard.EventAttack, fmt.Sprintf("attack %q is due and waits for an instructor's approval", x.Attack))
	case scoreboard.ExecApproved:
		e.launch(ctx, c, x)
	}
	return nil
}

func outcomeWords(outcome string) string {
	switch outcome {
	case scoreboard.OutcomeSucceeded:
		return "succeeded"
	case scoreboard.OutcomeBlocked:
		return "was blocked"
	case scoreboard.OutcomeTimedOut:
		return "timed out"
	case scoreboard.OutcomeNotApplicable:
		return "was not applicable"
	}
	return "ended in an error"
}

// Fired is an attack fired by hand: its execution, and how many times the
// attack had run against the team before (scoreboard.Execution.Ran).
type Fired struct {
	ID     int64
	Before int
}

// Fire runs an attack against a team now, by an instructor's hand, whatever
// its place on the timeline. An attack that already ran against the team
// is not fired: that is scoreboard.ErrAlreadyRan (an
// *scoreboard.AlreadyRanError, with the count), decided in the same store
// transaction as the insert, so that two fires at once fire it once.
func (e *Engine) Fire(ctx context.Context, team, attack, author string) (Fired, error) {
	return e.fire(ctx, team, attack, author, false)
}

// Refire is Fire for an attack that may have run against the team
// already: the instructor confirmed it, and the team is scored again.
func (e *Engine) Refire(ctx context.Context, team, attack, author string) (Fired, error) {
	return e.fire(ctx, team, attack, author, true)
}

func (e *Engine) fire(ctx context.Context, team, attack, author string, again bool) (Fired, error) {
	p, a, err := e.attack(team, attack)
	if err != nil {
		return Fired{}, err
	}
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return Fired{}, err
	}
	if c.State != scoreboard.ClockRunning {
		return Fired{}, refuse(ErrState, "exercise %q is %s: attacks run only while it runs", e.exercise.Name, c.State)
	}
	if c.Halted {
		return Fired{}, refuse(ErrState, "the kill switch is on: release it before firing an attack")
	}
	m := e.moment(c)
	id, before, err := e.store.AddFired(ctx, scoreboard.Execution{
		Exercise: e.exercise.Name, Team: p.Team.ID, Attack: a.Name, Trigger: scoreboard.TriggerManual,
		Due: m.Elapsed, State: scoreboard.ExecApproved, Author: author,
	}, again)
	if err != nil {
		return Fired{Before: before}, err
	}
	// A re-fire scores the team again: the log says whose act it was.
	words := fmt.Sprintf("attack %q fired by %s", attack, author)
	if before > 0 {
		words = fmt.Sprintf("attack %q fired again by %s (re-fire: it had run %d× against this team)", attack, author, before)
	}
	e.event(ctx, c, scoreboard.AudienceStaff, team, scoreboard.EventAttack, words)
	return Fired{ID: id, Before: before}, nil
}

// Approve lets an attack that waits for approval run.
func (e *Engine) Approve(ctx context.Context, id int64, author string) error {
	return e.decide(ctx, id, author, scoreboard.ExecApproved, "approved")
}

// Skip says an attack is not to run: one waiting for approval, or a
// timeline attack not due yet (then team and attack name it, and id is 0).
func (e *Engine) Skip(ctx context.Context, id int64, team, attack, author, reason string) error {
	if id != 0 {
		return e.decide(ctx, id, author, scoreboard.ExecSkipped, "skipped: "+reason)
	}
	p, a, err := e.attack(team, attack)
	if err != nil {
		return err
	}
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return err
	}
	_, err = e.store.AddExecution(ctx, scoreboard.Execution{
		Exercise: e.exercise.Name, Team: p.Team.ID, Attack: a.Name, Trigger: scoreboard.TriggerTimeline,
		Due: c.Elapsed(e.opt.Now()), State: scoreboard.ExecSkipped, Reason: "skipped by " + author + ": " + reason, Author: author,
	})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return refuse(ErrState, "attack %q of team %q has already fallen due: skip it by its id while it waits for approval", attack, team)
	}
	if err == nil {
		e.event(ctx, c, scoreboard.AudienceStaff, team, scoreboard.EventAttack, fmt.Sprintf("attack %q skipped by %s: %s", attack, author, reason))
	}
	return err
}

func (e *Engine) decide(ctx context.Context, id int64, author, state, words string) error {
	x, err := e.store.Execution(ctx, e.exercise.Name, id)
	if err != nil {
		return err
	}
	if x.State != scoreboard.ExecApproval {
		return refuse(ErrState, "attack %q of team %q is %s, not waiting for approval", x.Attack, x.Team, x.State)
	}
	x.State, x.Author = state, author
	if state == scoreboard.ExecSkipped {
		x.Reason = words + " (" + author + ")"
	}
	if err := e.store.UpdateExecution(ctx, x, scoreboard.ExecApproval); err != nil {
		return err
	}
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err == nil {
		e.event(ctx, c, scoreboard.AudienceStaff, x.Team, scoreboard.EventAttack, fmt.Sprintf("attack %q %s by %s", x.Attack, words, author))
	}
	return nil
}

func (e *Engine) attack(team, name string) (*scenarios.TeamPlan, scenarios.AttackPlan, error) {
	p, ok := e.byTeam[team]
	if !ok {
		return nil, scenarios.AttackPlan{}, refuse(ErrUnknown, "no team %q in exercise %q", team, e.exercise.Name)
	}
	for _, a := range p.Attacks {
		if a.Name == name {
			return p, a, nil
		}
	}
	return nil, scenarios.AttackPlan{}, refuse(ErrUnknown, "no attack %q in exercise %q", name, e.exercise.Name)
}

// runningAttack is an execution this engine runs: its cancel, and
// whether it was told to stop.
type runningAttack struct {
	cancel  context.CancelFunc
	stopped bool
}

// launch runs an approved execution in the background.
func (e *Engine) launch(ctx context.Context, c scoreboard.Clock, x scoreboard.Execution) {
	p, a, err := e.attack(x.Team, x.Attack)
	if err != nil {
		return // the exercise file changed under a stored execution; it stays approved
	}
	runCtx, cancel := context.WithCancel(ctx)
	e.mu.Lock()
	e.running[x.ID] = &runningAttack{cancel: cancel}
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			delete(e.running, x.ID)
			e.mu.Unlock()
			cancel()
		}()
		select {
		case e.attacks <- struct{}{}:
		case <-runCtx.Done():
			return
		}
		defer func() { <-e.attacks }()
		e.execute(runCtx, c, p, a, x)
	}()
}

// stopAttacks cancels every attack this engine runs; each one's processes
// are killed and its cleanup runs.
func (e *Engine) stopAttacks() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, run := range e.running {
		run.cancel()
		run.stopped = true
	}
}

// stopAttack cancels one attack this engine runs.
func (e *Engine) stopAttack(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if run, ok := e.running[id]; ok {
		run.cancel()
		run.stopped = true
	}
}

// newID is a random id of n bytes, in hex.
func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// execute runs one attack: it claims the execution, runs the attack's
// commands in the attacker, gathers the evidence, runs the cleanup, and
// records the outcome, first in the execution and then in the ledger.
func (e *Engine) execute(ctx context.Context, c scoreboard.Clock, p *scenarios.TeamPlan, a scenarios.AttackPlan, x scoreboard.Execution) {
	store := context.WithoutCancel(ctx)
	x.Run = "cr-" + newID(6)
	nonce := newID(12)
	x.State = scoreboard.ExecRunning
	x.Started = e.moment(c)
	if err := e.store.UpdateExecution(store, x, scoreboard.ExecApproved); err != nil {
		return // skipped or taken meanwhile
	}
	e.event(ctx, c, scoreboard.AudienceStaff, p.Team.ID, scoreboard.EventAttack, fmt.Sprintf("attack %q started against %s (run %s%s)", a.Name, a.Target, x.Run, lateness(x)))

	res := e.runAttack(ctx, p, a.ForRun(x.Run, nonce), x.Run, nonce)
	x = settle(x, res, ctx.Err() != nil, e.moment(c))
	if x.Outcome == scoreboard.OutcomeError {
		e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindAttack)
	}
	if err := e.store.UpdateExecution(store, x, scoreboard.ExecRunning); err != nil {
		e.opt.Metrics.EngineError(e.exercise.Name, metrics.KindRecordAttack)
		e.event(ctx, c, scoreboard.AudienceStaff, p.Team.ID, scoreboard.EventEngine, "could not record an attack's outcome: "+err.Error())
		return
	}
	if e.score(store, a, x) == nil {
		e.mu.Lock()
		e.unrevealed[x.Run] = x.Started.Elapsed
		e.mu.Unlock()
	}
	// The evidence is the staff's: it says what the attack leaves behind.
	// The team learns the outcome when the attack is revealed (RevealDue),
	// or now in a drill that reveals live.
	e.event(ctx, c, scoreboard.AudienceStaff, p.Team.ID, scoreboard.EventAttack, fmt.Sprintf("attack %q %s: %s", a.Name, outcomeWords(x.Outcome), firstLine(x.Reason)))
	if e.revealsLive() {
		e.event(ctx, c, scoreboard.AudienceTeam, p.Team.ID, scoreboard.EventAttack, fmt.Sprintf("attack %q against %s %s", a.Name, a.Target, outcomeWords(x.Outcome)))
	}
}

// verdict is the ledger's verdict for an outcome.
func verdict(outcome string) string {
	switch outcome {
	case scoreboard.OutcomeSucceeded:
		return scoreboard.VerdictSucceeded
	case scoreboard.OutcomeBlocked, scoreboard.OutcomeTimedOut:
		return scoreboard.VerdictBlocked
	}
	return scoreboard.VerdictNotApplicable
}

// score records a finished execution's verdict in the ledger. Recording is
// idempotent, so a restarted engine scores again what it may not have.
func (e *Engine) score(ctx context.Context, a scenarios.AttackPlan, x scoreboard.Execution) error {
	_, err := e.store.RecordAttackRun(ctx, scoreboard.AttackRun{
		ID: x.Run, Exercise: e.exercise.Name, Team: x.Team, Attack: x.Attack, Techniques: a.Technique,
		Target: a.Target, Verdict: verdict(x.Outcome), Evidence: x.Reason, Started: x.Started, Ended: x.Ended,
	})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return nil
	}
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Trial is what a trial run of an attack came to.
type Trial struct {
	Outcome  string
	Evidence string
	Output   string
}

// Try runs an attack against a team now and judges it from its evidence,
// exactly as the timeline would, but records nothing: no execution, no
// ledger entry. It is for checking a drill, such as whether a team's
// defenses stop an attack that the timeline never got to, and it attacks
// the team's range for real.
func (e *Engine) Try(ctx context.Context, team, attack string) (Trial, error) {
	p, a, err := e.attack(team, attack)
	if err != nil {
		return Trial{}, err
	}
	run, nonce := "cr-try-"+newID(4), newID(12)
	r := e.runAttack(ctx, p, a.ForRun(run, nonce), run, nonce)
	return Trial{Outcome: r.Outcome, Evidence: r.Reason, Output: r.Output}, nil
}
