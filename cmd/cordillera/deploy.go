package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
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

func addRangeFlags(fs *flag.FlagSet) rangeFlags {
	return rangeFlags{
		exercise: fs.String("exercise", "", "exercise `file` naming the scenario and its teams"),
		teams:    fs.Int("teams", 2, "number of sample `teams` when deploying a SCENARIO (exercise \"preview\")"),
		seed:     fs.String("seed", "", "`seed` for per-team secrets (default: the exercise's seed)"),
	}
}

// errNoSeed refuses to deploy without a seed: a seed chosen at random would
// give every team new secrets on each up, and a fixed default would be known
// to the trainees.
var errNoSeed = errors.New("no seed: set seed = \"...\" in the exercise or pass --seed; the teams' secrets derive from it, so it must stay the same from one up to the next")

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
	loader := scenarios.NewLoader()
	var sc *scenarios.Scenario
	var ex *scenarios.Exercise
	var diags hcl.Diagnostics
	switch {
	case *f.exercise != "" && len(pos) > 0:
		return nil, nil, nil, usageError{"give a scenario or --exercise, not both: the exercise names its scenario"}
	case *f.exercise != "":
		ex, sc, diags = loader.LoadExercise(*f.exercise)
	case len(pos) == 1:
		if *f.teams < 1 || *f.teams > 1000 {
			return nil, nil, nil, usageError{fmt.Sprintf("--teams is from 1 to 1000, not %d", *f.teams)}
		}
		sc, diags = loadScenarioArg(loader, pos[0])
		ex = scenarios.SampleExercise(*f.teams)
		// The sample's seed is for previews; a deployed range needs one of
		// its own.
		ex.Seed = ""
	default:
		return nil, nil, nil, usageError{"name one scenario folder or bundled scenario, or give --exercise FILE"}
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
			return nil, nil, nil, errNoSeed
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
		fmt.Fprintf(e.stderr, "No %s: fix the errors above, then run %s again.\n", map[bool]string{true: "plan", false: "deployment"}[preview], name)
		return nil, nil, nil, exitError(1)
	}
	return sc, ex, plans, nil
}

// exerciseName is the exercise that down or status name, by argument or by
// exercise file. Only the exercise's name matters, since labels identify
// everything, so a broken or changed scenario does not stand in the way.
func exerciseName(e *env, exercise string, pos []string) (string, error) {
	switch {
	case exercise != "" && len(pos) > 0:
		return "", usageError{"give an exercise name or --exercise FILE, not both"}
	case len(pos) > 1:
		return "", usageError{fmt.Sprintf("name one exercise, not %d", len(pos))}
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
		fmt.Fprintf(e.stderr, "No exercise name in %s: fix the errors above, or name the exercise instead.\n", exercise)
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
func progress(w io.Writer, reasons bool) func(orchestrator.Event) {
	return func(ev orchestrator.Event) {
		prefix := fmt.Sprintf("[%d/%d]", ev.Done, ev.Total)
		a := ev.Action
		if !reasons {
			a.Reason = ""
		}
		line := a.String()
		if !reasons {
			line = strings.TrimSuffix(line, " ()")
		}
		if ev.Err != nil {
			fmt.Fprintf(w, "%s failed: %s\n", prefix, line)
			return
		}
		fmt.Fprintf(w, "%s %s\n", prefix, pastTense(line))
	}
}

// pastTense turns an action's line into what was done.
func pastTense(line string) string {
	for _, verb := range []string{"create", "remove"} {
		if rest, ok := strings.CutPrefix(line, verb+" "); ok {
			return verb + "d " + rest
		}
	}
	return line
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
func writeObserved(w io.Writer, o *orchestrator.Observed) {
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
	fmt.Fprintf(w, "Exercise %s: %s, %s, %s\n", o.Exercise, plural(len(teams), "team"),
		plural(len(o.Containers), "container"), plural(len(o.Networks), "network"))
	team := "\x00"
	for _, c := range containers {
		k := orchestrator.KeyOf(c.Labels)
		if k.Team != team {
			team = k.Team
			fmt.Fprintf(w, "  Team %s\n", cmp.Or(team, "(none)"))
		}
		var addrs []string
		for _, n := range slices.Sorted(maps.Keys(c.Addresses)) {
			addrs = append(addrs, fmt.Sprintf("%s (%s)", c.Addresses[n], cmp.Or(netName[n], n)))
		}
		where := ""
		if c.Node != "" {
			where = "  on " + c.Node
		}
		fmt.Fprintf(w, "    %-8s %-40s %-8s %s%s\n", cmp.Or(string(k.Role), "?"), c.Name, c.State, strings.Join(addrs, ", "), where)
	}
	for _, n := range o.Networks {
		if n.Labels[orchestrator.LabelTeam] == "" {
			fmt.Fprintf(w, "  network %s %s (no team)\n", n.Name, n.Subnet)
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
