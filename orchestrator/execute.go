package orchestrator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Parallelism bounds how many actions [Execute] runs at once: enough to
// deploy many teams quickly, few enough not to swamp the engine.
const Parallelism = 32

// Event reports one finished action of a plan being executed.
type Event struct {
	Action Action
	// Err is why the action failed; nil when it succeeded.
	Err error
	// Done counts the plan's actions finished so far, this one included;
	// Total is how many the plan has.
	Done, Total int
}

// Execute carries out a plan. It runs all actions of a kind, several at
// once, before any of the next kind (see [ActionKind]); when an action
// fails, the rest of its kind still run but later kinds do not, since they
// depend on it. Running the same reconciliation again resumes from what
// exists.
//
// progress, if not nil, is called after each action, one call at a time.
// The error joins every action's failure, each saying which team and object
// it concerns.
func Execute(ctx context.Context, rt Runtime, plan Plan, progress func(Event)) error {
	var mu sync.Mutex
	done, total := 0, len(plan.Actions)
	for _, kind := range phases {
		var actions []Action
		for _, a := range plan.Actions {
			if a.Kind == kind {
				actions = append(actions, a)
			}
		}
		if p, ok := rt.(Placer); ok && kind == CreateContainer && len(actions) > 0 {
			specs := make([]ContainerSpec, len(actions))
			for i, a := range actions {
				specs[i] = a.Container
			}
			if err := p.Place(ctx, specs); err != nil {
				return fmt.Errorf("place the containers: %w", err)
			}
		}
		// Scorebots first: a team's agent can then start while its hosts
		// are being created.
		slices.SortStableFunc(actions, func(a, b Action) int {
			return cmp.Compare(rank(a), rank(b))
		})
		errs := make([]error, len(actions))
		var g errgroup.Group
		g.SetLimit(Parallelism)
		for i, a := range actions {
			if ctx.Err() != nil {
				break
			}
			g.Go(func() error {
				err := run(ctx, rt, a)
				errs[i] = err
				mu.Lock()
				defer mu.Unlock()
				done++
				if progress != nil {
					progress(Event{Action: a, Err: err, Done: done, Total: total})
				}
				// Siblings keep running: every failure is worth reporting.
				return nil
			})
		}
		_ = g.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// rank orders the actions of a kind: scorebots before the rest.
func rank(a Action) int {
	if a.Key.Role == RoleScorebot {
		return 0
	}
	return 1
}

// run carries out one action. The runtime's errors name the step that
// failed; run adds the place.
func run(ctx context.Context, rt Runtime, a Action) error {
	var err error
	switch a.Kind {
	case RemoveContainer:
		err = rt.RemoveContainer(ctx, a.ID)
	case RemoveNetwork:
		err = rt.RemoveNetwork(ctx, a.ID)
	case CreateNetwork:
		_, err = rt.CreateNetwork(ctx, a.Network)
	case CreateContainer:
		_, err = rt.CreateContainer(ctx, a.Container)
	default:
		err = fmt.Errorf("unknown action %q", a.Kind)
	}
	if err != nil {
		return fmt.Errorf("team %q %s %q: %w", a.Key.Team, a.what(), a.Key.Name, err)
	}
	return nil
}

// CheckImages reports every image the exercise needs that the engine does
// not have, before anything is created: images are never pulled. An image
// that [Build] would make is missing only when what it is built FROM is.
func CheckImages(ctx context.Context, rt Runtime, d *Desired) error {
	var images []string
	for _, c := range d.Containers {
		images = append(images, c.Image)
	}
	slices.Sort(images)
	var errs []error
	var toBuild []BuildSpec
	for _, image := range slices.Compact(images) {
		ok, err := rt.ImageExists(ctx, image)
		if err != nil {
			return fmt.Errorf("image %q: %w", image, err)
		}
		b, built := d.BuildOf(image)
		switch {
		case ok:
		case built:
			toBuild = append(toBuild, b)
		default:
			errs = append(errs, &ImageMissingError{Image: image})
		}
	}
	if err := checkBuildBases(ctx, rt, toBuild); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PrepareImages readies the images an exercise needs before anything is
// created: it reports every missing image at once ([CheckImages]), then
// builds those of build blocks that the engine lacks ([Build], which says
// each line to progress when not nil). It returns the tags it built.
func PrepareImages(ctx context.Context, rt Runtime, d *Desired, progress func(string)) ([]string, error) {
	if err := CheckImages(ctx, rt, d); err != nil {
		return nil, err
	}
	return Build(ctx, rt, d.Builds, progress)
}

// Up makes the exercise run as desired: it readies the images, quietly
// ([PrepareImages]), then applies the exercise ([Apply]). It returns the
// plan it carried out, which is empty when everything already ran as
// desired. It is the deploy path's first two steps, with neither its
// reports nor its wait: the command line and the director deploy with
// orchestrator/deploy, whose Deploy readies the images and applies the
// exercise the same way; Up and [UpTeams] serve tests that want only
// these steps.
func Up(ctx context.Context, rt Runtime, d *Desired, progress func(Event)) (Plan, error) {
	return UpTeams(ctx, rt, d, progress, nil)
}

// TeamWatcher is told how a deploy goes, team by team, as [Readiness] is
// so that a team's checks start while other teams are still being created.
// Its methods are called one call at a time.
type TeamWatcher interface {
	// ScorebotUp: the team's scorebot container has been created, or was
	// there already and is kept.
	ScorebotUp(team string)
	// TeamUp: every action of the team is done, so its range runs as
	// desired; never called for a team one of whose actions failed.
	TeamUp(team string)
}

// UpTeams is [Up] that also tells w, when not nil, how each team's part
// of the deploy goes.
func UpTeams(ctx context.Context, rt Runtime, d *Desired, progress func(Event), w TeamWatcher) (Plan, error) {
	if d == nil {
		return Plan{}, errors.New("up: nothing desired")
	}
	if _, err := PrepareImages(ctx, rt, d, nil); err != nil {
		return Plan{Exercise: d.Exercise}, err
	}
	return Apply(ctx, rt, d, progress, w)
}

// Apply makes the exercise run as desired once its images are there
// ([PrepareImages]): it observes, reconciles and executes, telling w, when
// not nil, how each team's part goes. It returns the plan it carried out.
func Apply(ctx context.Context, rt Runtime, d *Desired, progress func(Event), w TeamWatcher) (Plan, error) {
	if d == nil {
		return Plan{}, errors.New("up: nothing desired")
	}
	o, err := Observe(ctx, rt, d.Exercise)
	if err != nil {
		return Plan{Exercise: d.Exercise}, err
	}
	plan := Reconcile(d, o)
	if w == nil {
		return plan, Execute(ctx, rt, plan, progress)
	}
	left := map[string]int{}
	failed := map[string]bool{}
	newBot := map[string]bool{}
	for _, a := range plan.Actions {
		left[a.Key.Team]++
		newBot[a.Key.Team] = newBot[a.Key.Team] || a.Kind == CreateContainer && a.Key.Role == RoleScorebot
	}
	for _, team := range d.Teams() {
		if !newBot[team] {
			w.ScorebotUp(team)
		}
		if left[team] == 0 {
			w.TeamUp(team)
		}
	}
	return plan, Execute(ctx, rt, plan, func(ev Event) {
		if progress != nil {
			progress(ev)
		}
		a := ev.Action
		team := a.Key.Team
		failed[team] = failed[team] || ev.Err != nil
		if ev.Err == nil && a.Kind == CreateContainer && a.Key.Role == RoleScorebot {
			w.ScorebotUp(team)
		}
		if left[team]--; left[team] == 0 && !failed[team] {
			w.TeamUp(team)
		}
	})
}

// Down removes every container and network labelled with the exercise, and
// nothing else, whatever scenario they came from and whether or not the
// process that created them is still around. It returns what it removed.
func Down(ctx context.Context, rt Runtime, exercise string, progress func(Event)) (Plan, error) {
	o, err := Observe(ctx, rt, exercise)
	var down *NodeDownError
	if errors.As(err, &down) {
		return downPartly(ctx, rt, o, down, progress)
	}
	if err != nil {
		return Plan{Exercise: exercise}, err
	}
	plan := Reconcile(&Desired{Exercise: exercise}, o)
	if err := Execute(ctx, rt, plan, progress); err != nil {
		return plan, err
	}
	if p, ok := rt.(Placer); ok {
		if err := p.Unplace(ctx, exercise); err != nil {
			return plan, fmt.Errorf("forget where the teams were placed: %w", err)
		}
	}
	return plan, nil
}

// downPartly removes what the nodes that answer hold of the exercise, but
// for the networks of the teams on the nodes that are down, which their
// containers still hold, and says what is left.
func downPartly(ctx context.Context, rt Runtime, o *Observed, down *NodeDownError, progress func(Event)) (Plan, error) {
	held := map[string]bool{}
	for _, t := range down.Teams {
		if ex, team, ok := strings.Cut(t, "/"); ok && ex == o.Exercise {
			held[team] = true
		}
	}
	plan := Reconcile(&Desired{Exercise: o.Exercise}, o)
	plan.Actions = slices.DeleteFunc(plan.Actions, func(a Action) bool {
		return a.Kind == RemoveNetwork && held[a.Key.Team]
	})
	if err := Execute(ctx, rt, plan, progress); err != nil {
		return plan, errors.Join(err, down)
	}
	return plan, fmt.Errorf("the teams on nodes that do not answer are left, with their networks: run down again once the nodes are back, or removed from the cluster: %w", down)
}

// Reset recreates a team's host from its image, with the same addresses,
// discarding whatever was changed in it. It builds the image first if the
// host has a build block and the engine lacks it, and checks the image, so
// as not to remove a host it could not bring back.
func Reset(ctx context.Context, rt Runtime, d *Desired, team, host string) error {
	if d == nil {
		return errors.New("reset: nothing desired")
	}
	k := Key{Team: team, Role: RoleHost, Name: host}
	spec, ok := d.Container(k)
	if !ok {
		return fmt.Errorf("team %q has no host %q: %w", team, host, ErrNotFound)
	}
	if b, ok := d.BuildOf(spec.Image); ok {
		if _, err := Build(ctx, rt, []BuildSpec{b}, nil); err != nil {
			return fmt.Errorf("team %q host %q: reset: %w", team, host, err)
		}
	}
	if ok, err := rt.ImageExists(ctx, spec.Image); err != nil || !ok {
		if err == nil {
			err = &ImageMissingError{Image: spec.Image}
		}
		return fmt.Errorf("team %q host %q: reset: %w", team, host, err)
	}
	existing, err := rt.ListContainers(ctx, map[string]string{
		LabelExercise: d.Exercise, LabelTeam: team, LabelRole: string(RoleHost), LabelName: host,
	})
	if err != nil {
		return fmt.Errorf("team %q host %q: reset: %w", team, host, err)
	}
	for _, c := range existing {
		if err := rt.RemoveContainer(ctx, c.ID); err != nil {
			return fmt.Errorf("team %q host %q: reset: %w", team, host, err)
		}
	}
	if _, err := rt.CreateContainer(ctx, spec); err != nil {
		return fmt.Errorf("team %q host %q: reset: %w", team, host, err)
	}
	return nil
}
