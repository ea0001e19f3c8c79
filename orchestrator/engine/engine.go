// Package engine runs an exercise: its clock, the scorebot's rounds, the
// attacks on the timeline and the injects. Everything it decides is written
// to the scoreboard's store before it acts on it, so an engine that is
// killed and started again takes up where it was: no attack fired twice,
// none skipped without a word, no round scored twice.
//
// The engine reaches containers only through the orchestrator's runtime:
// checks run in each team's scorebot container, attacks in its attacker,
// probes in the target.
package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/metrics"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Options tune an engine; the zero value is what a real exercise wants.
type Options struct {
	// Now is the wall clock; tests may replace it.
	Now func() time.Time
	// Tick is how often the engine looks at the clock (default 250ms).
	Tick time.Duration
	// NewTicker makes what the engine waits on between its looks at the
	// clock (every Tick) and between its tries for the lease: a channel
	// that delivers a tick every d, and its stop. The default is a
	// time.Ticker's; tests replace it to drive time by hand, with Now.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
	// AttackJitter is the most an attack's time moves for one team, in
	// exercise time (default 30s). Each team's jitter is drawn from the
	// exercise's seed, so a run can be reproduced, and recorded.
	AttackJitter time.Duration
	// MinRound is the shortest real time between two rounds of one team
	// (default 5s): at a high speed factor, rounds stretch rather than
	// pile up.
	MinRound time.Duration
	// Attacks bounds how many attacks run at once (default 8). Checks run
	// in each team's scorebot, by its agent, which bounds its own.
	Attacks int
	// Agent configures how the scorebots' agents are started; the zero
	// value puts the agent this Cordillera carries.
	Agent agent.PoolOptions
	// OnEvent, if set, is told of every event as it is written.
	OnEvent func(scoreboard.Event)
	// Metrics, if set, counts the rounds that end late and the engine's
	// errors for the operators' /metrics.
	Metrics *metrics.Metrics
	// Holder names this engine in the exercise's lease (default: host,
	// process id and a random suffix); LeaseTTL is how long the lease lasts
	// unrenewed (default 15s): how long a second engine waits after the
	// first one died without letting go.
	Holder   string
	LeaseTTL time.Duration
}

// Engine runs one exercise.
type Engine struct {
	store    *scoreboard.Store
	rt       orchestrator.Runtime
	scenario *scenarios.Scenario
	exercise *scenarios.Exercise
	plans    []*scenarios.TeamPlan
	byTeam   map[string]*scenarios.TeamPlan
	opt      Options

	// set is what the engine's decisions read that does not change.
	set *setting

	attacks chan struct{} // a semaphore
	// agents runs checks in the scorebots, while Run runs.
	agents *agent.Pool

	mu        sync.Mutex
	delivered map[string]bool          // team/inject
	rounds    map[string]*roundState   // by team
	bots      map[string]string        // team: its scorebot's container id
	botAway   map[string]bool          // team: its scorebot could not run a round
	running   map[int64]*runningAttack // executions this engine runs
	// unrevealed is the runs scored in the ledger and not known to be
	// revealed, with the exercise time each started at.
	unrevealed map[string]time.Duration
	wg         sync.WaitGroup
	// away is set while the container engine does not answer.
	away atomic.Bool

	// Only Run's loop reads and writes these: when it last renewed the
	// lease, whether it lost it and to whom, and whether what ran after
	// the exercise ended has finished.
	renewed time.Time
	lost    bool
	lostTo  string
	drained bool

	// Tests set these before Run to know when the engine has looked: ticked
	// once a tick's actions are done, with what they were decided on, just
	// before the engine waits for the next tick; waitsForLease each time
	// the lease, asked for at now, is refused and it waits.
	ticked        func(in inputs, acts []action)
	waitsForLease func(now time.Time)
}

// realTicker is Options.NewTicker's default: a time.Ticker.
func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// New makes an engine for an exercise whose teams' plans are given. It does
// not touch the store or the runtime until Prepare or Run.
func New(store *scoreboard.Store, rt orchestrator.Runtime, sc *scenarios.Scenario, ex *scenarios.Exercise, plans []*scenarios.TeamPlan, opt Options) (*Engine, error) {
	if len(plans) == 0 {
		return nil, errors.New("engine: the exercise has no teams")
	}
	if ex.Seed == "" {
		return nil, errors.New("engine: the exercise has no seed")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Tick <= 0 {
		opt.Tick = 250 * time.Millisecond
	}
	if opt.NewTicker == nil {
		opt.NewTicker = realTicker
	}
	if opt.AttackJitter < 0 {
		opt.AttackJitter = 0
	} else if opt.AttackJitter == 0 {
		opt.AttackJitter = 30 * time.Second
	}
	if opt.MinRound <= 0 {
		opt.MinRound = 5 * time.Second
	}
	if opt.Attacks <= 0 {
		opt.Attacks = 8
	}
	if opt.Holder == "" {
		opt.Holder = defaultHolder()
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = 15 * time.Second
	}
	e := &Engine{
		store: store, rt: rt, scenario: sc, exercise: ex, plans: plans, opt: opt,
		byTeam:     map[string]*scenarios.TeamPlan{},
		bots:       map[string]string{},
		botAway:    map[string]bool{},
		attacks:    make(chan struct{}, opt.Attacks),
		delivered:  map[string]bool{},
		rounds:     map[string]*roundState{},
		running:    map[int64]*runningAttack{},
		unrevealed: map[string]time.Duration{},
		set: &setting{
			exercise: ex.Name, seed: ex.Seed, plans: plans, duration: sc.Duration,
			attackJitter: opt.AttackJitter, minRound: opt.MinRound, leaseTTL: opt.LeaseTTL,
		},
	}
	for _, p := range plans {
		e.byTeam[p.Team.ID] = p
	}
	return e, nil
}

// Name is the exercise's name.
func (e *Engine) Name() string { return e.exercise.Name }

// Prepare stores the exercise and its teams if the store does not have it
// yet, and checks that a stored one has the same teams.
func (e *Engine) Prepare(ctx context.Context) error {
	stored, err := e.store.Teams(ctx, e.exercise.Name)
	if errors.Is(err, scoreboard.ErrNotFound) {
		teams := make([]scoreboard.Team, len(e.plans))
		for i, p := range e.plans {
			teams[i] = scoreboard.Team{ID: p.Team.ID, Name: p.Team.Name, Country: p.Team.Country}
		}
		title := e.exercise.Title
		if title == "" {
			title = e.scenario.Title
		}
		scoring := scenarios.DefaultScoring()
		if e.scenario.Scoring != nil {
			scoring = *e.scenario.Scoring
		}
		return e.store.CreateExercise(ctx, scoreboard.Exercise{
			Name: e.exercise.Name, Title: title, Scenario: e.scenario.Name, Scoring: scoring,
			CreatedAt: e.opt.Now(),
		}, teams)
	}
	if err != nil {
		return err
	}
	var have, want []string
	for _, t := range stored {
		have = append(have, t.ID)
	}
	for _, p := range e.plans {
		want = append(want, p.Team.ID)
	}
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return fmt.Errorf("exercise %q is stored with teams %v, but the exercise file has %v: give the exercise a new name, or use another --db file", e.exercise.Name, have, want)
	}
	return nil
}

// moment is now on both clocks.
func (e *Engine) moment(c scoreboard.Clock) scoreboard.Moment {
	return c.Moment(e.opt.Now())
}

// control appends a control to the exercise's log and says so in its
// events.
func (e *Engine) control(ctx context.Context, kind string, speed float64, author, reason, text string) (scoreboard.Clock, error) {
	c, err := e.store.Control(ctx, e.exercise.Name, scoreboard.Control{
		Kind: kind, Speed: speed, Author: author, Reason: reason, Moment: scoreboard.Moment{At: e.opt.Now()},
	})
	if err != nil {
		return c, err
	}
	if reason != "" {
		text += ": " + reason
	}
	e.event(ctx, c, controlAudience(kind), "", scoreboard.EventControl, text+" ("+author+")")
	return c, nil
}

// controlAudience: everyone sees the clock start, stop and change speed;
// the kill switch and approvals speak of the attacks to come.
func controlAudience(kind string) string {
	switch kind {
	case scoreboard.ControlHalt, scoreboard.ControlUnhalt, scoreboard.ControlApprovalOn, scoreboard.ControlApprovalOff:
		return scoreboard.AudienceStaff
	}
	return scoreboard.AudiencePublic
}

// Start starts the exercise's clock at the given speed (0: the exercise's
// own, or 1).
func (e *Engine) Start(ctx context.Context, author string, speed float64) error {
	if speed <= 0 {
		speed = e.exercise.Speed
	}
	if speed > 0 && speed != 1 {
		if _, err := e.control(ctx, scoreboard.ControlSpeed, speed, author, "", fmt.Sprintf("speed set to ×%g", speed)); err != nil {
			return err
		}
	}
	_, err := e.control(ctx, scoreboard.ControlStart, 0, author, "", "exercise started")
	return err
}

// Pause stops the exercise's clock: no round, attack or inject is due
// while it is paused; attacks already running finish.
func (e *Engine) Pause(ctx context.Context, author, reason string) error {
	_, err := e.control(ctx, scoreboard.ControlPause, 0, author, reason, "exercise paused")
	return err
}

// Resume starts the clock again where it was paused.
func (e *Engine) Resume(ctx context.Context, author string) error {
	_, err := e.control(ctx, scoreboard.ControlResume, 0, author, "", "exercise resumed")
	return err
}

// End ends the exercise: its clock stops for good.
func (e *Engine) End(ctx context.Context, author, reason string) error {
	_, err := e.control(ctx, scoreboard.ControlEnd, 0, author, reason, "exercise ended")
	return err
}

// SetSpeed changes the speed factor from now on.
func (e *Engine) SetSpeed(ctx context.Context, author string, speed float64) error {
	_, err := e.control(ctx, scoreboard.ControlSpeed, speed, author, "", fmt.Sprintf("speed set to ×%g", speed))
	return err
}

// Halt is the kill switch: every running attack is stopped and no attack
// starts until Unhalt. Attacks that fall due meanwhile run late.
func (e *Engine) Halt(ctx context.Context, author, reason string) error {
	if _, err := e.control(ctx, scoreboard.ControlHalt, 0, author, reason, "KILL SWITCH: all attacks stopped"); err != nil {
		return err
	}
	e.stopAttacks()
	return nil
}

// Unhalt lets attacks start again.
func (e *Engine) Unhalt(ctx context.Context, author string) error {
	_, err := e.control(ctx, scoreboard.ControlUnhalt, 0, author, "", "attacks allowed again")
	return err
}

// RequireApproval makes every attack wait for an instructor's approval
// when it falls due, or stops doing so.
func (e *Engine) RequireApproval(ctx context.Context, author string, on bool) error {
	if on {
		_, err := e.control(ctx, scoreboard.ControlApprovalOn, 0, author, "", "attacks now wait for approval")
		return err
	}
	_, err := e.control(ctx, scoreboard.ControlApprovalOff, 0, author, "", "attacks no longer wait for approval")
	return err
}

// event writes an event; the engine goes on if it cannot.
func (e *Engine) event(ctx context.Context, c scoreboard.Clock, audience, team, kind, text string) {
	ev, err := e.store.AddEvent(context.WithoutCancel(ctx), e.exercise.Name, scoreboard.Event{
		Team: team, Kind: kind, Text: text, Audience: audience, Moment: e.moment(c)})
	if err == nil && e.opt.OnEvent != nil {
		e.opt.OnEvent(ev)
	}
}

// revealsLive says whether the scenario shows teams attacks' outcomes as
// soon as they are known.
func (e *Engine) revealsLive() bool {
	return e.scenario.Scoring != nil && e.scenario.Scoring.Reveal == scenarios.RevealLive
}

// container finds a team's container of a role and name.
func (e *Engine) container(ctx context.Context, team string, role orchestrator.Role, name string) (orchestrator.Container, error) {
	labels := map[string]string{
		orchestrator.LabelExercise: e.exercise.Name, orchestrator.LabelTeam: team, orchestrator.LabelRole: string(role),
	}
	if name != "" {
		labels[orchestrator.LabelName] = name
	}
	cs, err := e.rt.ListContainers(ctx, labels)
	if err != nil {
		return orchestrator.Container{}, err
	}
	if len(cs) == 0 {
		what := string(role)
		if name != "" {
			what += " " + name
		}
		return orchestrator.Container{}, fmt.Errorf("team %q has no %s container: %w", team, what, orchestrator.ErrNotFound)
	}
	return cs[0], nil
}
