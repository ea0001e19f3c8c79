package director

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Kinds of operation.
const (
	OpDeploy   = "deploy"
	OpTearDown = "teardown"
)

// maxLines is how many lines of progress an operation keeps.
const maxLines = 500

// Operation is a deployment or a teardown of an exercise's ranges, as it
// goes or as it ended: what an instructor's page shows.
type Operation struct {
	Kind              string
	Author            string
	Started, Finished time.Time
	// Done of Total actions; Total is 0 until the plan is known.
	Done, Total int
	// Lines say what happened, oldest first; the first lines of a long
	// operation may be dropped.
	Lines []string
	// Err says why the operation failed; empty when it succeeded or goes
	// on.
	Err string
}

// Running reports whether the operation goes on.
func (o Operation) Running() bool { return o.Finished.IsZero() }

// Operation returns the exercise's operation under way, or its last one.
func (d *Director) Operation(name string) (Operation, bool) {
	x, ok := d.Exercise(name)
	if !ok {
		return Operation{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.op == nil {
		return Operation{}, false
	}
	o := *x.op
	o.Lines = append([]string(nil), o.Lines...)
	return o, true
}

// begin starts an operation on an exercise unless one is under way.
func (d *Director) begin(name, kind, author string) (*Exercise, error) {
	x, ok := d.Exercise(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return nil, d.noRuntime()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.op != nil && x.op.Running() {
		return nil, fmt.Errorf("%w: the %s that %s began at %s", ErrBusy, x.op.Kind, x.op.Author, x.op.Started.Format(time.TimeOnly))
	}
	x.op = &Operation{Kind: kind, Author: author, Started: d.opt.Now()}
	return x, nil
}

func (x *Exercise) say(format string, args ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.op.Lines = append(x.op.Lines, fmt.Sprintf(format, args...))
	if n := len(x.op.Lines); n > maxLines {
		x.op.Lines = x.op.Lines[n-maxLines:]
	}
}

func (x *Exercise) progress(ev orchestrator.Event) {
	x.mu.Lock()
	x.op.Done, x.op.Total = ev.Done, ev.Total
	x.mu.Unlock()
	if ev.Err != nil {
		x.say("[%d/%d] failed: %s: %v", ev.Done, ev.Total, ev.Action, ev.Err)
		return
	}
	x.say("[%d/%d] %s", ev.Done, ev.Total, ev.Action)
}

func (d *Director) finish(x *Exercise, err error) {
	x.mu.Lock()
	x.op.Finished = d.opt.Now()
	if err != nil {
		x.op.Err = err.Error()
	}
	kind, took := x.op.Kind, x.op.Finished.Sub(x.op.Started).Round(time.Second)
	x.mu.Unlock()
	if err != nil {
		x.say("Failed after %s: %v", took, err)
		d.log.Warn(kind+" failed", "exercise", x.Name, "err", err)
		d.event(x.Name, "", scoreboard.AudienceStaff, fmt.Sprintf("The %s of the ranges failed: %v", kind, err))
		return
	}
	x.say("Done in %s.", took)
	d.log.Info(kind+" done", "exercise", x.Name, "took", took)
}

// moment is now, on the wall clock and on the exercise's clock, with the
// clock's state ("" when it cannot be read).
func (d *Director) moment(ctx context.Context, exercise string) (scoreboard.Moment, string) {
	now := d.opt.Now()
	m := scoreboard.Moment{At: now}
	c, err := d.store.Clock(ctx, exercise)
	if err != nil {
		return m, ""
	}
	return c.Moment(now), c.State
}

// event adds an event to an exercise's log, at the exercise's clock, for
// an audience (scoreboard.Audience*); team is "" for the whole exercise.
func (d *Director) event(exercise, team, audience, text string) {
	ctx := context.WithoutCancel(d.base)
	m, _ := d.moment(ctx, exercise)
	if _, err := d.store.AddEvent(ctx, exercise, scoreboard.Event{Team: team, Kind: scoreboard.EventEngine, Text: text, Audience: audience, Moment: m}); err != nil {
		d.log.Warn("event not recorded", "exercise", exercise, "err", err)
	}
}

// Deploy deploys the exercise's ranges in the background: it checks the
// images, builds the scenario's build blocks, creates what is missing and
// waits for every check to pass. Operation shows its progress.
func (d *Director) Deploy(ctx context.Context, name, author string) error {
	x, err := d.begin(name, OpDeploy, author)
	if err != nil {
		return err
	}
	d.event(name, "", scoreboard.AudienceStaff, fmt.Sprintf("%s deploys the ranges of %d teams.", author, len(x.Plans)))
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.finish(x, d.deploy(d.base, x))
	}()
	return nil
}

func (d *Director) deploy(ctx context.Context, x *Exercise) error {
	x.say("Deploying exercise %s: %d teams on %s", x.Name, len(x.Plans), runtimeHost(d.rt))
	began := time.Now()
	_, err := deploy.Deploy(ctx, d.rt, x.rng, deploy.Options{
		Wait: d.opt.Wait, Agent: d.opt.Engine.Agent, Report: x.report(false),
		Applied: func(plan orchestrator.Plan) error {
			if plan.Empty() {
				x.say("Nothing to change: every range runs as planned.")
			}
			return nil
		},
	})
	d.opt.Engine.Metrics.DeployDone(x.Name, time.Since(began), err == nil)
	var notReady *deploy.NotReadyError
	if errors.As(err, &notReady) && len(notReady.Failing) > 0 {
		var names []string
		for _, f := range notReady.Failing {
			names = append(names, f.Team+" "+f.Host+"/"+f.Service)
		}
		return fmt.Errorf("not ready: %s", strings.Join(names, ", "))
	}
	return poolTaken(x, err)
}

// report says the steps of a deploy, or of a move, in the operation's
// lines.
func (x *Exercise) report(move bool) func(deploy.Event) {
	building := false
	more := "more "
	if move {
		more = ""
	}
	return func(ev deploy.Event) {
		switch ev.Step {
		case deploy.StepImages:
			x.say("Checking images")
		case deploy.StepBuild, deploy.StepBuilt:
			if !building && (ev.Step == deploy.StepBuild || len(x.rng.Desired.Builds) > 0) {
				building = true
				x.say("Building the scenario's images")
			}
			if ev.Step == deploy.StepBuild {
				x.say("%s", ev.Line)
			}
		case deploy.StepAction:
			x.progress(ev.Action)
		case deploy.StepWait:
			x.say("Waiting up to %s %sfor every service's check to pass", ev.Wait, more)
		case deploy.StepReady:
			x.say("ready  %s %s/%s (%s)", ev.Check.Team, ev.Check.Host, ev.Check.Service, ev.Check.Detail)
		case deploy.StepNotReady:
			x.say("NOT READY %s", ev.Check)
		case deploy.StepAllReady:
			if !move {
				x.say("Every check passes.")
			}
		}
	}
}

// TearDown removes the exercise's ranges in the background. A running
// exercise is paused or ended first, so that its scorebot does not count
// the missing services against the teams.
func (d *Director) TearDown(ctx context.Context, name, author string) error {
	x, ok := d.Exercise(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	clock, err := d.store.Clock(ctx, name)
	if err != nil {
		return err
	}
	if clock.State == scoreboard.ClockRunning {
		return fmt.Errorf("%w: exercise %s is running: pause or end it before tearing its ranges down", ErrInvalid, x.Name)
	}
	if x, err = d.begin(name, OpTearDown, author); err != nil {
		return err
	}
	d.event(name, "", scoreboard.AudienceStaff, fmt.Sprintf("%s tears the ranges down.", author))
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		x.say("Tearing down exercise %s", x.Name)
		_, err := orchestrator.Down(d.base, d.rt, x.Name, x.progress)
		d.finish(x, err)
	}()
	return nil
}

// ResetHost recreates a team's host from its image, at once, and records
// the reset (the scenario's scoring may charge for it).
func (d *Director) ResetHost(ctx context.Context, name, team, host, author string) error {
	x, ok := d.Exercise(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	if d.rt == nil {
		return d.noRuntime()
	}
	if _, ok := x.rng.Desired.Container(orchestrator.Key{Team: team, Role: orchestrator.RoleHost, Name: host}); !ok {
		return fmt.Errorf("%w: team %q has no host %q", ErrInvalid, team, host)
	}
	if err := deploy.Reset(ctx, d.rt, x.rng, team, host, deploy.Options{}); err != nil {
		return err
	}
	// A reset before the start is preparation, not play: nothing to score.
	if m, state := d.moment(ctx, name); state != scoreboard.ClockCreated {
		if _, err := d.store.RecordReset(ctx, scoreboard.HostReset{Exercise: name, Team: team, Host: host, Author: author, Moment: m}); err != nil && !errors.Is(err, scoreboard.ErrDuplicate) {
			return err
		}
	}
	// The team whose host it was is told, not everyone: a reset says
	// where a team is in trouble.
	d.event(name, team, scoreboard.AudienceTeam, fmt.Sprintf("%s reset host %s of team %s.", author, host, team))
	return nil
}

func runtimeHost(rt orchestrator.Runtime) string {
	if h, ok := rt.(interface{ Host() string }); ok {
		return h.Host()
	}
	return "the container engine"
}

// Scenario is a scenario an exercise may be made from.
type Scenario struct {
	Name, Title, Summary string
	Duration             time.Duration
	// Uploaded is true for a scenario uploaded in the web interface, false
	// for a bundled one.
	Uploaded  bool
	Author    string
	UpdatedAt time.Time
}

// Scenarios lists the bundled scenarios, then the uploaded ones.
func (d *Director) Scenarios(ctx context.Context) ([]Scenario, error) {
	var out []Scenario
	entries, _ := fs.ReadDir(d.opt.Library, ".")
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		sc, _ := scenarios.NewLoader().LoadScenarioFS(d.opt.Library, name, "library/"+name)
		s := Scenario{Name: name}
		if sc != nil {
			s.Title, s.Summary, s.Duration = sc.Title, sc.Summary, sc.Duration
		}
		out = append(out, s)
	}
	srcs, err := d.store.ScenarioSources(ctx)
	if err != nil {
		return nil, err
	}
	for _, src := range srcs {
		s := Scenario{Name: src.Name, Uploaded: true, Author: src.Author, UpdatedAt: src.UpdatedAt}
		if sc, _ := loadUploaded(scenarios.NewLoader(), src.Name, []byte(src.Source)); sc != nil {
			s.Title, s.Summary, s.Duration = sc.Title, sc.Summary, sc.Duration
		}
		out = append(out, s)
	}
	return out, nil
}
