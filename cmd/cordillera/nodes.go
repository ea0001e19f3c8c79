package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

// connectCluster reaches the swarm, for the commands that need one.
func connectCluster(ctx context.Context, e *env) (docker.Engine, orchestrator.Cluster, error) {
	rt, err := connect(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	cl, ok := rt.(orchestrator.Cluster)
	if !ok {
		rt.Close()
		return nil, nil, fmt.Errorf("the engine at %s is a single engine, not the manager of a swarm whose nodes carry the cordillera.engine label: every team runs on it; docs/operations.md (\"Beyond one machine\") says how to spread teams over a swarm", rt.Host())
	}
	return rt, cl, nil
}

func runNodes(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "nodes", "",
		"Lists the nodes of the swarm Cordillera runs exercises on: their state, how Cordillera reaches\n"+
			"their engines, what they have, what the teams placed on them reserve, how many of the\n"+
			"exercises' containers run there, and which teams they hold. A node that cannot take teams\n"+
			"says why.")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"nodes takes no arguments"}
	}
	rt, cl, err := connectCluster(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	nodes, err := cl.Nodes(ctx)
	if err != nil {
		return err
	}
	// The containers each node runs, of any exercise; a node that does not
	// answer is said by its state.
	running := map[string]int{}
	all, _ := cl.ListContainers(ctx, nil)
	for _, c := range all {
		if _, ok := c.Labels[orchestrator.LabelExercise]; ok && c.Running {
			running[c.Node]++
		}
	}
	writeNodes(e.stdout, rt.Host(), nodes, running)
	return nil
}

// writeNodes prints the nodes as a table, then why those that take no
// team do not.
func writeNodes(w io.Writer, host string, nodes []orchestrator.Node, running map[string]int) {
	fmt.Fprintf(w, "Swarm at %s: %s\n", host, plural(len(nodes), "node"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tROLE\tENGINE\tCPUS\tMEMORY\tRESERVED\tRUNNING\tTEAMS")
	for _, n := range nodes {
		role := "worker"
		if n.Manager {
			role = "manager"
		}
		state := n.State
		if n.Availability != "active" {
			state += "/" + n.Availability
		}
		var teams []string
		for _, t := range n.Teams {
			teams = append(teams, t.Exercise+"/"+t.Team)
		}
		reserved := "-"
		if n.ReservedMemory > 0 || n.ReservedCPUs > 0 {
			reserved = fmt.Sprintf("%s, %g CPUs (%d%%)", mib(n.ReservedMemory), n.ReservedCPUs, percent(n.ReservedMemory, n.Memory))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\t%s\t%d\t%s\n", n.Name, state, role, cmp.Or(n.Engine, "-"), n.CPUs, mib(n.Memory),
			reserved, running[n.Name], cmp.Or(strings.Join(teams, " "), "-"))
	}
	tw.Flush()
	for _, n := range nodes {
		if !n.Eligible {
			fmt.Fprintf(w, "%s takes no team: %s.\n", n.Name, n.Why)
		}
	}
}

func mib(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func percent(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return part * 100 / whole
}

func runMove(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "move", "[--exercise FILE | --teams N SCENARIO] --team T --to NODE [--seed S]",
		"Moves a team to another node of the swarm: its containers are removed where they are and\n"+
			"created again on NODE from their images, with the same addresses and secrets; the team's\n"+
			"ledger is left as it is. For a team whose node was lost: once the node is removed from the\n"+
			"swarm (docker node rm --force NODE), the swarm frees its addresses and the team can move.\n"+
			"It waits until every service of the team's checks passes again.")
	rf := addRangeFlags(fs)
	team := fs.String("team", "", "`id` of the team to move")
	to := fs.String("to", "", "`node` to move it to, by name or ID (see cordillera nodes)")
	wait := fs.Duration("wait", 3*time.Minute, "how long to wait for the team's checks to pass; 0 to not wait")
	scorebot := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, "`image` the team's scorebot runs")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *team == "" || *to == "" {
		return usageError{"name the team with --team and its new node with --to"}
	}
	rt, cl, err := connectCluster(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	// The team's addresses come from the pool its exercise's networks were
	// made from, which their labels say.
	_, _, plans, err := loadPlansWith(e, "move", rf, pos, false, choosePool(ctx, rt, nil))
	if err != nil {
		return err
	}
	r, err := deploy.New(plans, orchestrator.Options{ScorebotImage: *scorebot})
	if err != nil {
		return err
	}
	if teams := r.Desired.Teams(); !slices.Contains(teams, *team) {
		return fmt.Errorf("exercise %s has no team %q; its teams are %s", r.Exercise(), *team, strings.Join(teams, ", "))
	}
	fmt.Fprintf(e.stdout, "Moving team %s of exercise %s to node %s\n", *team, r.Exercise(), *to)
	started := time.Now()
	if _, err := deploy.Move(ctx, cl, r, *team, *to, deploy.Options{Wait: *wait, Report: report(e.stdout, true)}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Team %s runs on node %s (%v); its ledger is as it was.\n", *team, *to, time.Since(started).Round(time.Second))
	return nil
}
