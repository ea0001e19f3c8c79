// Package deploy brings an exercise's ranges up, the one way the server's
// director and the command line both do it: an exercise is planned with its
// address pool ([Plan]) and assembled into the state its ranges are to be in
// ([New]); [Deploy] readies the images once, creates what is missing or
// changed, starts each team's checks as soon as its containers run, while
// other teams are still being created, and waits for every check to pass,
// telling one callback of each step ([Event]). [Move] moves a team to another
// node of a cluster, and waits for its checks, the same way; [Reset]
// recreates a team's host, building its image first if need be.
//
// It sits above orchestrator, whose steps it puts in order, and
// orchestrator/agent, whose agents run the checks in the scorebots (and which
// orchestrator cannot import, as it imports orchestrator).
package deploy

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/scenarios"
)

// Pool gives an exercise that loaded without errors the address pool it is
// planned with, in its AddressPool: the command line chooses one on the
// engine, the director keeps one in its store.
type Pool func(*scenarios.Scenario, *scenarios.Exercise) error

// Plan plans the teams of ex on sc once pool, when not nil, has given ex its
// address pool, so that no plan targets other addresses than the ones the
// exercise's networks are made from. An error from pool comes back as the
// error, with no plans; the plans' mistakes come back as diagnostics.
func Plan(sc *scenarios.Scenario, ex *scenarios.Exercise, pool Pool) ([]*scenarios.TeamPlan, hcl.Diagnostics, error) {
	if pool != nil {
		if err := pool(sc, ex); err != nil {
			return nil, nil, err
		}
	}
	plans, diags := scenarios.Plan(sc, ex)
	return plans, diags, nil
}

// Range is an exercise assembled for its ranges: its teams' plans and the
// state their networks and containers are to be in.
type Range struct {
	Plans   []*scenarios.TeamPlan
	Desired *orchestrator.Desired
}

// New assembles the range of an exercise from its teams' plans (see
// [Plan]).
func New(plans []*scenarios.TeamPlan, opt orchestrator.Options) (*Range, error) {
	d, err := orchestrator.NewDesired(plans, opt)
	if err != nil {
		return nil, err
	}
	return &Range{Plans: plans, Desired: d}, nil
}

// Exercise is the exercise's name.
func (r *Range) Exercise() string { return r.Desired.Exercise }

// team returns the plans of one team.
func (r *Range) team(id string) []*scenarios.TeamPlan {
	var plans []*scenarios.TeamPlan
	for _, p := range r.Plans {
		if p.Team.ID == id {
			plans = append(plans, p)
		}
	}
	return plans
}

// Options say how a deploy or a move goes.
type Options struct {
	// Wait is how long, once the ranges run, to wait more for every
	// service's check to pass from its team's scorebot; 0 does not wait.
	Wait time.Duration
	// Agent configures the agents that run the checks, one per scorebot;
	// PutFirst is always set, as the containers are new, mostly.
	Agent agent.PoolOptions
	// Check, when not nil, runs the checks instead of the agents.
	Check orchestrator.Checker
	// Report, when not nil, is told of each step as it goes, one call at a
	// time.
	Report func(Event)
	// Applied, when not nil, is called with what was done once every range
	// runs as planned, before the wait, in turn with Report's calls. Its
	// error ends the deploy: the up command shows there what runs.
	Applied func(orchestrator.Plan) error
}

// Step is what an [Event] tells.
type Step int

const (
	// StepImages: the images are checked, before anything is built or
	// created.
	StepImages Step = iota
	// StepBuild: Line is a line of building an image of a build block.
	StepBuild
	// StepBuilt: the images are there; Built are the ones built, none when
	// the engine had them all, and Took is how long the images took.
	StepBuilt
	// StepAction: Action is an action of the plan, done or failed.
	StepAction
	// StepWait: the wait for the checks begins, for Wait at most.
	StepWait
	// StepReady: Check has passed.
	StepReady
	// StepNotReady: Check was still failing when the wait ended.
	StepNotReady
	// StepAllReady: every check passes, Took after the ranges began to be
	// made (for a move, after it began).
	StepAllReady
)

// Event is one step of a deploy or a move.
type Event struct {
	Step   Step
	Line   string
	Built  []string
	Action orchestrator.Event
	Check  orchestrator.CheckResult
	Wait   time.Duration
	Took   time.Duration
}

// ErrNotReady is a deploy or a move whose checks did not all pass in time;
// see [NotReadyError].
var ErrNotReady = errors.New("not ready")

// NotReadyError says which checks were still failing, and why, when the
// wait ended.
type NotReadyError struct {
	Failing []orchestrator.CheckResult
	err     error
}

func (e *NotReadyError) Error() string { return e.err.Error() }
func (e *NotReadyError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrNotReady) hold.
func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

// Deploy makes the exercise's ranges run as planned: it readies the images
// once (orchestrator.PrepareImages), so that a missing image is said before
// anything is created; creates what is missing or changed
// (orchestrator.Apply), starting each team's checks as soon as its
// containers run; and, unless opt.Wait is 0, waits for every check to pass.
// It returns what it did. Checks still failing when time runs out are a
// [*NotReadyError].
func Deploy(ctx context.Context, rt orchestrator.Runtime, r *Range, opt Options) (orchestrator.Plan, error) {
	rep := &reporter{report: opt.Report}
	rep.send(Event{Step: StepImages})
	began := time.Now()
	built, err := orchestrator.PrepareImages(ctx, rt, r.Desired, func(line string) { rep.send(Event{Step: StepBuild, Line: line}) })
	if err != nil {
		return orchestrator.Plan{Exercise: r.Exercise()}, err
	}
	rep.send(Event{Step: StepBuilt, Built: built, Took: time.Since(began)})

	var c *checks
	var watch orchestrator.TeamWatcher
	if opt.Wait > 0 {
		c = startChecks(ctx, rt, r.Plans, opt, rep)
		defer c.stop()
		watch = c.ready
	}
	began = time.Now()
	plan, err := orchestrator.Apply(ctx, rt, r.Desired, rep.action, watch)
	if err != nil {
		return plan, err
	}
	if opt.Applied != nil {
		if err := rep.turn(func() error { return opt.Applied(plan) }); err != nil {
			return plan, err
		}
	}
	if c == nil {
		return plan, nil
	}
	return plan, c.wait(opt.Wait, began)
}

// Move moves a team of the exercise to a node of the cluster, with the same
// addresses (orchestrator.Move), and, unless opt.Wait is 0, waits for every
// check of the team to pass. It returns what it did.
func Move(ctx context.Context, cl orchestrator.Cluster, r *Range, team, node string, opt Options) (orchestrator.Plan, error) {
	rep := &reporter{report: opt.Report}
	began := time.Now()
	plan, err := orchestrator.Move(ctx, cl, r.Desired, team, node, rep.action)
	if err != nil || opt.Wait <= 0 {
		return plan, err
	}
	c := startChecks(ctx, cl, r.team(team), opt, rep)
	defer c.stop()
	return plan, c.wait(opt.Wait, began)
}

// Reset recreates a team's host from its image, with the same addresses
// and secrets (orchestrator.Reset). When the host's image is one of a
// build block, it is built first if the engine lacks it, and opt.Report,
// when not nil, is told of the build as a deploy tells it: StepBuild for
// each line, then StepBuilt. Only opt.Report is used.
func Reset(ctx context.Context, rt orchestrator.Runtime, r *Range, team, host string, opt Options) error {
	rep := &reporter{report: opt.Report}
	spec, _ := r.Desired.Container(orchestrator.Key{Team: team, Role: orchestrator.RoleHost, Name: host})
	if b, ok := r.Desired.BuildOf(spec.Image); ok {
		began := time.Now()
		built, err := orchestrator.Build(ctx, rt, []orchestrator.BuildSpec{b}, func(line string) { rep.send(Event{Step: StepBuild, Line: line}) })
		if err != nil {
			return err
		}
		rep.send(Event{Step: StepBuilt, Built: built, Took: time.Since(began)})
	}
	return orchestrator.Reset(ctx, rt, r.Desired, team, host)
}

// checks runs the checks of the teams' plans from their scorebots.
type checks struct {
	agents *agent.Pool // nil when Options.Check runs them
	ready  *orchestrator.Readiness
	rep    *reporter
}

func startChecks(ctx context.Context, rt orchestrator.Runtime, plans []*scenarios.TeamPlan, opt Options, rep *reporter) *checks {
	c := &checks{rep: rep}
	check := opt.Check
	if check == nil {
		a := opt.Agent
		a.PutFirst = true
		c.agents = agent.NewPool(rt, a)
		check = c.agents.Check
	}
	c.ready = orchestrator.NewReadiness(ctx, rt, plans, check, func(r orchestrator.CheckResult) {
		rep.send(Event{Step: StepReady, Check: r})
	})
	return c
}

// wait starts the checks of every team not started yet and waits for all
// to pass, for timeout at most; began is when the deploy or move began.
func (c *checks) wait(timeout time.Duration, began time.Time) error {
	c.rep.send(Event{Step: StepWait, Wait: timeout})
	failing, err := c.ready.Wait(timeout)
	if err != nil {
		for _, f := range failing {
			c.rep.send(Event{Step: StepNotReady, Check: f})
		}
		return &NotReadyError{Failing: failing, err: err}
	}
	c.rep.send(Event{Step: StepAllReady, Took: time.Since(began)})
	return nil
}

func (c *checks) stop() {
	c.ready.Stop()
	if c.agents != nil {
		c.agents.Close()
	}
}

// reporter makes Report's calls one at a time: the actions run side by
// side, and so do the teams' checks.
type reporter struct {
	mu     sync.Mutex
	report func(Event)
}

func (r *reporter) send(ev Event) {
	if r.report == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report(ev)
}

func (r *reporter) action(ev orchestrator.Event) { r.send(Event{Step: StepAction, Action: ev}) }

// turn runs f in turn with Report's calls.
func (r *reporter) turn(f func() error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return f()
}
