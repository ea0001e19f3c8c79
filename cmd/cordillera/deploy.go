package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/scenarios"
)

// rangeFlags are how up and reset name what to deploy: an exercise file, or
// a scenario with sample teams, as plan takes them.
type rangeFlags struct {
	exercise, seed *string
	teams          *int
}

// Their usages are in English, as plan and serve define them with no
// printer; newFlags says them in the command's language (flagUsage).
func addRangeFlags(fs *flag.FlagSet) rangeFlags {
	return rangeFlags{
		exercise: fs.String("exercise", "", english.text("flag.range.exercise")),
		teams:    fs.Int("teams", 2, english.text("flag.range.teams")),
		seed:     fs.String("seed", "", english.text("flag.range.seed")),
	}
}

// errNoSeed refuses to deploy without a seed: a seed chosen at random would
// give every team new secrets on each up, and a fixed default would be known
// to the trainees.
func errNoSeed(p *printer) error { return p.errorf("deploy.noseed") }

// loadPlans loads and plans what the flags and arguments name, rendering the
// diagnostics. name is the command, for the closing hint. A preview (plan)
// may do without a seed; a deployment may not.
func loadPlans(e *env, name string, f rangeFlags, pos []string, preview bool) (*scenarios.Scenario, *scenarios.Exercise, []*scenarios.TeamPlan, error) {
	return loadPlansWith(e, name, f, pos, preview, nil)
}

// loadPlansWith is loadPlans, with pool, when not nil, called to give the
// exercise its address pool once it loads without errors and before it is
// planned (see choosePool and deploy.Plan).
func loadPlansWith(e *env, name string, f rangeFlags, pos []string, preview bool, pool deploy.Pool) (*scenarios.Scenario, *scenarios.Exercise, []*scenarios.TeamPlan, error) {
	p := e.p()
	loader := scenarios.NewLoader()
	var sc *scenarios.Scenario
	var ex *scenarios.Exercise
	var diags hcl.Diagnostics
	switch {
	case *f.exercise != "" && len(pos) > 0:
		return nil, nil, nil, p.usagef("deploy.both")
	case *f.exercise != "":
		ex, sc, diags = loader.LoadExercise(*f.exercise)
	case len(pos) == 1:
		if *f.teams < 1 || *f.teams > 1000 {
			return nil, nil, nil, p.usagef("deploy.teams", strconv.Itoa(*f.teams))
		}
		sc, diags = loadScenarioArg(loader, pos[0])
		ex = scenarios.SampleExercise(*f.teams)
		// The sample's seed is for previews; a deployed range needs one of
		// its own.
		ex.Seed = ""
	default:
		return nil, nil, nil, p.usagef("deploy.noscenario")
	}
	if ex != nil && *f.seed != "" {
		ex.Seed = *f.seed
	}
	if ex != nil && ex.Seed == "" && preview {
		ex.Seed = "preview"
	}
	var plans []*scenarios.TeamPlan
	if sc != nil && ex != nil && !diags.HasErrors() {
		if ex.Seed == "" {
			return nil, nil, nil, errNoSeed(p)
		}
		p, d, err := deploy.Plan(sc, ex, pool)
		if err != nil {
			return nil, nil, nil, err
		}
		plans, diags = p, append(diags, d...)
	}
	if len(diags) > 0 {
		if err := scenarios.WriteDiagnostics(e.stderr, loader.Files(), diags, e.color); err != nil {
			return nil, nil, nil, err
		}
	}
	if diags.HasErrors() {
		p.line(e.stderr, map[bool]string{true: "deploy.fix.plan", false: "deploy.fix.deploy"}[preview], name)
		return nil, nil, nil, exitError(1)
	}
	return sc, ex, plans, nil
}

// exerciseName is the exercise that down or status name, by argument or by
// exercise file. Only the exercise's name matters, since labels identify
// everything, so a broken or changed scenario does not stand in the way.
func exerciseName(e *env, exercise string, pos []string) (string, error) {
	p := e.p()
	switch {
	case exercise != "" && len(pos) > 0:
		return "", p.usagef("name.both")
	case len(pos) > 1:
		return "", p.usagef("name.many", len(pos))
	case len(pos) == 1:
		return pos[0], nil
	case exercise == "":
		return "", nil
	}
	loader := scenarios.NewLoader()
	ex, _, diags := loader.LoadExercise(exercise)
	if ex == nil || ex.Name == "" {
		if err := scenarios.WriteDiagnostics(e.stderr, loader.Files(), diags, e.color); err != nil {
			return "", err
		}
		p.line(e.stderr, "name.none", exercise)
		return "", exitError(1)
	}
	return ex.Name, nil
}

// connect reaches the Docker engine, or the swarm whose manager it is
// (see docker.Connect); its error says how to fix what is wrong. On a
// swarm, what the cluster does at length (an image copied to a node, a
// team placed) is said on standard error. CORDILLERA_SWARM_ENCRYPT=1
// encrypts the traffic of the swarm's networks between nodes.
func connect(ctx context.Context, e *env) (docker.Engine, error) {
	var mu sync.Mutex
	return docker.Connect(ctx, docker.ClusterOptions{
		Encrypt: os.Getenv("CORDILLERA_SWARM_ENCRYPT") == "1",
		Log: func(line string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(e.stderr, "swarm: %s\n", line)
		},
	})
}

// progress prints one line per finished action, such as
// "[3/12] created host cordillera-andes-cl-1-web 10.160.16.10 IMAGE". Down
// says no reasons: everything goes.
func progress(w io.Writer, p *printer, reasons bool) func(orchestrator.Event) {
	return func(ev orchestrator.Event) {
		prefix := fmt.Sprintf("[%d/%d]", ev.Done, ev.Total)
		if ev.Err != nil {
			p.line(w, "action.failed", prefix, actionLine(p, ev.Action, reasons, false))
			return
		}
		fmt.Fprintf(w, "%s %s\n", prefix, actionLine(p, ev.Action, reasons, true))
	}
}

// actionLine says an action in the printer's language, as
// orchestrator.Action.String does in English: what was done when done,
// what was to be done otherwise.
func actionLine(p *printer, a orchestrator.Action, reasons, done bool) string {
	tense := map[bool]string{true: ".done", false: ".todo"}[done]
	what := p.text("role." + string(actionWhat(a)))
	switch a.Kind {
	case orchestrator.RemoveContainer, orchestrator.RemoveNetwork:
		if !reasons || a.Reason == "" {
			return p.text("action.remove"+tense, what, a.Name)
		}
		return p.text("action.remove.why"+tense, what, a.Name, reason(p, a.Reason))
	case orchestrator.CreateNetwork:
		s := p.text("action.create"+tense, what, a.Name) + " " + a.Network.Subnet.String()
		if a.Network.Internet {
			s += " " + p.text("action.internet")
		}
		return s
	case orchestrator.CreateContainer:
		var b strings.Builder
		b.WriteString(p.text("action.create"+tense, what, a.Name))
		for _, n := range a.Container.Networks {
			fmt.Fprintf(&b, " %s", n.Address)
		}
		fmt.Fprintf(&b, " %s", a.Container.Image)
		return b.String()
	}
	return a.String()
}

// actionWhat is the kind of object an action is on: its role, or for an
// object whose labels say none, network or container.
func actionWhat(a orchestrator.Action) orchestrator.Role {
	switch {
	case a.Key.Role == orchestrator.RoleHost || a.Key.Role == orchestrator.RoleAttacker ||
		a.Key.Role == orchestrator.RoleScorebot || a.Key.Role == orchestrator.RoleNetwork:
		return a.Key.Role
	case a.Kind == orchestrator.RemoveNetwork || a.Kind == orchestrator.CreateNetwork:
		return orchestrator.RoleNetwork
	}
	return "container"
}

// reason is why orchestrator removes an object, in the printer's language;
// a reason it does not know is left as it is.
func reason(p *printer, r string) string {
	key, ok := map[string]string{
		orchestrator.ReasonNotPlanned: "reason.notplanned",
		orchestrator.ReasonChanged:    "reason.changed",
		orchestrator.ReasonNotRunning: "reason.notrunning",
		orchestrator.ReasonDuplicate:  "reason.duplicate",
	}[r]
	if !ok {
		return r
	}
	return p.text(key)
}

// counts tells how many containers and networks a plan's actions of a kind
// touch.
func counts(p orchestrator.Plan, containerKind, networkKind orchestrator.ActionKind) (containers, networks int) {
	for _, a := range p.Actions {
		switch a.Kind {
		case containerKind:
			containers++
		case networkKind:
			networks++
		}
	}
	return containers, networks
}

// writeObserved lists what exists of an exercise, team by team: each
// container's name, role, state and addresses, with the network each
// address is on by its name in the scenario.
func writeObserved(w io.Writer, p *printer, o *orchestrator.Observed) {
	netName := map[string]string{}
	teams := map[string]bool{}
	for _, n := range o.Networks {
		netName[n.Name] = n.Labels[orchestrator.LabelName]
		teams[n.Labels[orchestrator.LabelTeam]] = true
	}
	containers := slices.Clone(o.Containers)
	for _, c := range containers {
		teams[c.Labels[orchestrator.LabelTeam]] = true
	}
	slices.SortFunc(containers, func(a, b orchestrator.Container) int {
		ka, kb := orchestrator.KeyOf(a.Labels), orchestrator.KeyOf(b.Labels)
		return cmp.Or(
			cmp.Compare(ka.Team, kb.Team),
			cmp.Compare(roleOrder(ka.Role), roleOrder(kb.Role)),
			cmp.Compare(ka.Name, kb.Name),
			cmp.Compare(a.Name, b.Name),
		)
	})
	p.line(w, "observed.exercise", o.Exercise, p.count("team", len(teams)),
		p.count("container", len(o.Containers)), p.count("network", len(o.Networks)))
	team := "\x00"
	for _, c := range containers {
		k := orchestrator.KeyOf(c.Labels)
		if k.Team != team {
			team = k.Team
			fmt.Fprintf(w, "  %s\n", p.text("observed.team", cmp.Or(team, p.text("observed.noteam"))))
		}
		var addrs []string
		for _, n := range slices.Sorted(maps.Keys(c.Addresses)) {
			addrs = append(addrs, fmt.Sprintf("%s (%s)", c.Addresses[n], cmp.Or(netName[n], n)))
		}
		where := ""
		if c.Node != "" {
			where = "  " + p.text("observed.node", c.Node)
		}
		fmt.Fprintf(w, "    %-8s %-40s %-8s %s%s\n", cmp.Or(string(k.Role), "?"), c.Name, c.State, strings.Join(addrs, ", "), where)
	}
	for _, n := range o.Networks {
		if n.Labels[orchestrator.LabelTeam] == "" {
			fmt.Fprintf(w, "  %s\n", p.text("observed.network", n.Name, n.Subnet.String()))
		}
	}
}

func roleOrder(r orchestrator.Role) int {
	i := slices.Index([]orchestrator.Role{orchestrator.RoleNetwork, orchestrator.RoleHost, orchestrator.RoleAttacker, orchestrator.RoleScorebot}, r)
	if i < 0 {
		return 99
	}
	return i
}
