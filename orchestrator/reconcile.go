package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Observed is what exists of an exercise: every network and container
// labelled with its name.
type Observed struct {
	Exercise   string
	Networks   []Network
	Containers []Container
}

// Observe lists what exists of the exercise, by its label alone, so it finds
// what an earlier run left, whatever its scenario was. On a cluster with a
// node down, it returns what the other nodes hold with an error that is
// [ErrNodeDown].
func Observe(ctx context.Context, rt Runtime, exercise string) (*Observed, error) {
	if exercise == "" {
		return nil, errors.New("observe: no exercise named")
	}
	owned := map[string]string{LabelExercise: exercise}
	networks, err := rt.ListNetworks(ctx, owned)
	if err != nil {
		return nil, fmt.Errorf("list networks of exercise %q: %w", exercise, err)
	}
	containers, err := rt.ListContainers(ctx, owned)
	if errors.Is(err, ErrNodeDown) {
		// What the nodes that answer hold is worth having: a move off the
		// node that is down needs it.
		return &Observed{Exercise: exercise, Networks: networks, Containers: containers},
			fmt.Errorf("list containers of exercise %q: %w", exercise, err)
	}
	if err != nil {
		return nil, fmt.Errorf("list containers of exercise %q: %w", exercise, err)
	}
	return &Observed{Exercise: exercise, Networks: networks, Containers: containers}, nil
}

// ActionKind is what an action does. The kinds are listed in the order
// [Execute] runs them: containers leave networks before those are removed,
// and networks exist before containers join them.
type ActionKind string

const (
	RemoveContainer ActionKind = "remove container"
	RemoveNetwork   ActionKind = "remove network"
	CreateNetwork   ActionKind = "create network"
	CreateContainer ActionKind = "create container"
)

var phases = []ActionKind{RemoveContainer, RemoveNetwork, CreateNetwork, CreateContainer}

// Reasons an object is removed.
const (
	ReasonNotPlanned = "not in the plan"
	ReasonChanged    = "changed"
	ReasonNotRunning = "not running"
	ReasonDuplicate  = "duplicate"
)

// Action is one step of a plan.
type Action struct {
	Kind ActionKind
	// Key is the object's owner and name in the plan, from its labels.
	Key Key
	// Name is the object's name in the runtime.
	Name string
	// ID is the runtime's id of an object to remove.
	ID string
	// Reason says why an object is removed.
	Reason string
	// Network is the network to create.
	Network NetworkSpec
	// Container is the container to create.
	Container ContainerSpec
}

// what names the action's object in messages: its role, or for an object
// whose labels say none, what kind of object it is.
func (a Action) what() string {
	switch {
	case a.Key.Role != "":
		return string(a.Key.Role)
	case a.Kind == RemoveNetwork || a.Kind == CreateNetwork:
		return "network"
	}
	return "container"
}

// String renders the action as one line, such as
// "create network cordillera-ex-team-1-dmz 10.160.0.0/24".
func (a Action) String() string {
	switch a.Kind {
	case RemoveContainer, RemoveNetwork:
		return fmt.Sprintf("remove %s %s (%s)", a.what(), a.Name, a.Reason)
	case CreateNetwork:
		s := fmt.Sprintf("create network %s %s", a.Name, a.Network.Subnet)
		if a.Network.Internet {
			s += " internet"
		}
		return s
	case CreateContainer:
		var b strings.Builder
		fmt.Fprintf(&b, "create %s %s", a.what(), a.Name)
		for _, n := range a.Container.Networks {
			fmt.Fprintf(&b, " %s", n.Address)
		}
		fmt.Fprintf(&b, " %s", a.Container.Image)
		return b.String()
	}
	return fmt.Sprintf("%s %s", a.Kind, a.Name)
}

// Plan is the ordered actions that make what exists what is desired.
type Plan struct {
	Exercise string
	Actions  []Action
}

// Empty reports whether nothing needs doing.
func (p Plan) Empty() bool { return len(p.Actions) == 0 }

// String renders the plan one action per line.
func (p Plan) String() string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Reconcile plans how to make what is observed what is desired. It keeps
// every object whose config hash matches its spec (and, for a container,
// that runs), removes the others and every object the plans no longer hold,
// and creates what is missing. It ignores objects of other exercises. It
// decides everything [Execute] does, and needs no runtime.
func Reconcile(d *Desired, o *Observed) Plan {
	// Without a desired state there is no exercise, and so nothing of one
	// to touch.
	if d == nil {
		return Plan{}
	}
	if o == nil {
		o = &Observed{}
	}
	plan := Plan{Exercise: d.Exercise}
	removals, keptNetworks := networkRemovals(d, o)
	containers, keptContainers := containerRemovals(d, o)
	removals = append(removals, containers...)
	sortRemovals(removals)
	plan.Actions = removals

	for _, n := range d.Networks {
		if k := KeyOf(n.Labels); !keptNetworks[k] {
			plan.Actions = append(plan.Actions, Action{Kind: CreateNetwork, Key: k, Name: n.Name, Network: n})
		}
	}
	for _, c := range d.Containers {
		if k := KeyOf(c.Labels); !keptContainers[k] {
			plan.Actions = append(plan.Actions, Action{Kind: CreateContainer, Key: k, Name: c.Name, Container: c})
		}
	}
	return plan
}

// networkRemovals decides which of the exercise's observed networks to keep
// and why to remove each of the others; it returns the removals and the
// networks kept.
func networkRemovals(d *Desired, o *Observed) ([]Action, map[Key]bool) {
	var removals []Action
	wantNetworks := map[Key]NetworkSpec{}
	for _, n := range d.Networks {
		wantNetworks[KeyOf(n.Labels)] = n
	}
	keptNetworks := map[Key]bool{}
	for _, n := range o.Networks {
		if n.Labels[LabelExercise] != d.Exercise {
			continue
		}
		k := KeyOf(n.Labels)
		want, planned := wantNetworks[k]
		reason := ""
		switch {
		case !planned:
			reason = ReasonNotPlanned
		case n.Labels[LabelConfigHash] != want.Labels[LabelConfigHash]:
			reason = ReasonChanged
		case keptNetworks[k]:
			reason = ReasonDuplicate
		default:
			keptNetworks[k] = true
			continue
		}
		removals = append(removals, Action{Kind: RemoveNetwork, Key: k, Name: n.Name, ID: n.ID, Reason: reason})
	}
	return removals, keptNetworks
}

// containerRemovals decides which of the exercise's observed containers to
// keep and why to remove each of the others; it returns the removals and
// the containers kept.
func containerRemovals(d *Desired, o *Observed) ([]Action, map[Key]bool) {
	var removals []Action
	wantContainers := map[Key]ContainerSpec{}
	for _, c := range d.Containers {
		wantContainers[KeyOf(c.Labels)] = c
	}
	keptContainers := map[Key]bool{}
	for _, c := range o.Containers {
		if c.Labels[LabelExercise] != d.Exercise {
			continue
		}
		k := KeyOf(c.Labels)
		want, planned := wantContainers[k]
		reason := ""
		switch {
		case !planned:
			reason = ReasonNotPlanned
		case c.Labels[LabelConfigHash] != want.Labels[LabelConfigHash]:
			reason = ReasonChanged
		case !c.Running:
			reason = ReasonNotRunning
		case keptContainers[k]:
			reason = ReasonDuplicate
		default:
			keptContainers[k] = true
			continue
		}
		removals = append(removals, Action{Kind: RemoveContainer, Key: k, Name: c.Name, ID: c.ID, Reason: reason})
	}
	return removals, keptContainers
}

// sortRemovals orders removals by phase, then by owner and name.
func sortRemovals(removals []Action) {
	// What the runtime lists comes in no particular order; plans must read
	// the same every time.
	slices.SortFunc(removals, func(a, b Action) int {
		switch {
		case a.Kind != b.Kind:
			return slices.Index(phases, a.Kind) - slices.Index(phases, b.Kind)
		case a.Key != b.Key && a.Key.less(b.Key):
			return -1
		case a.Key != b.Key:
			return 1
		}
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
}
