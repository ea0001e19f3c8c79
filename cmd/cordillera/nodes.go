package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

// connectCluster reaches the swarm, for the commands that need one.
func connectCluster(ctx context.Context, e *env) (docker.Engine, orchestrator.Cluster, error) {
	p := e.p()
	rt, err := connect(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	cl, ok := rt.(orchestrator.Cluster)
	if !ok {
		rt.Close()
		return nil, nil, p.errorf("nodes.single", rt.Host())
	}
	return rt, cl, nil
}

func runNodes(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "nodes", "", p.text("nodes.about"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return p.usagef("nodes.noargs")
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
	writeNodes(e.stdout, p, rt.Host(), nodes, running)
	return nil
}

// writeNodes prints the nodes as a table, then why those that take no
// team do not.
func writeNodes(w io.Writer, p *printer, host string, nodes []orchestrator.Node, running map[string]int) {
	p.line(w, "nodes.swarm", host, p.count("node", len(nodes)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, p.text("nodes.header"))
	for _, n := range nodes {
		role := p.text("nodes.worker")
		if n.Manager {
			role = p.text("nodes.manager")
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
			reserved = fmt.Sprintf("%s, %s (%d%%)", mib(n.ReservedMemory), p.text("nodes.cpus", strconv.FormatFloat(n.ReservedCPUs, 'g', -1, 64)), percent(n.ReservedMemory, n.Memory))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\t%s\t%d\t%s\n", n.Name, state, role, cmp.Or(n.Engine, "-"), n.CPUs, mib(n.Memory),
			reserved, running[n.Name], cmp.Or(strings.Join(teams, " "), "-"))
	}
	tw.Flush()
	for _, n := range nodes {
		if !n.Eligible {
			p.line(w, "nodes.noteam", n.Name, n.Why)
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
	p := e.p()
	fs := newFlags(e, "move", p.text("move.args"), p.text("move.about"))
	rf := addRangeFlags(fs)
	team := fs.String("team", "", p.text("flag.move.team"))
	to := fs.String("to", "", p.text("flag.move.to"))
	wait := fs.Duration("wait", 3*time.Minute, p.text("flag.move.wait"))
	scorebot := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, p.text("flag.move.scorebot"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *team == "" || *to == "" {
		return p.usagef("move.noteam")
	}
	rt, cl, err := connectCluster(ctx, e)
	if err != nil {
		return err
	}
	defer rt.Close()
	// The team's addresses come from the pool its exercise's networks were
	// made from, which their labels say.
	_, _, plans, err := loadPlansWith(e, "move", rf, pos, false, choosePool(ctx, rt, nil, p))
	if err != nil {
		return err
	}
	r, err := deploy.New(plans, orchestrator.Options{ScorebotImage: *scorebot})
	if err != nil {
		return err
	}
	if teams := r.Desired.Teams(); !slices.Contains(teams, *team) {
		return p.errorf("move.noteamin", r.Exercise(), *team, strings.Join(teams, ", "))
	}
	p.line(e.stdout, "move.moving", *team, r.Exercise(), *to)
	started := time.Now()
	if _, err := deploy.Move(ctx, cl, r, *team, *to, deploy.Options{Wait: *wait, Report: report(e.stdout, p, true)}); err != nil {
		return err
	}
	p.line(e.stdout, "move.moved", *team, *to, time.Since(started).Round(time.Second).String())
	return nil
}
