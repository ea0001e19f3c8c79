package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestBrowserOnASwarm: the instructor's page of an exercise whose teams run
// on a real swarm of two nodes (Docker engines in containers of the test
// engine). The instructor deploys it from the page, sees each team on its
// own node, sees a lost node's team named and its hosts marked, and once
// the node is removed from the swarm moves the team to the other node from
// the page; its hosts run there and its checks pass again.
func TestBrowserOnASwarm(t *testing.T) {
	chromium := needChromium(t)
	host, _ := needDocker(t)
	if host == nil {
		t.Skip("no Docker engine (CORDILLERA_NO_DOCKER=1): no swarm to run on")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	engine, err := dockertest.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	// Apart from the other packages' swarms (10.176.0.0/12, 10.208.0.0/12)
	// and ranges, which may run at the same time.
	sw := dockertest.SwarmForTest(ctx, t, engine, "web-swarm", netip.MustParsePrefix("10.144.0.0/12"), 2, dockertest.Image, dockertest.Base)
	cl, err := docker.NewCluster(ctx, docker.ClusterOptions{Manager: sw.Manager().Engine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	rangePool, err := dockertest.FreePool(ctx, engine, rangePool)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the swarm, so the exercise goes down first.
	h := startHarness(t, chromium, cl, rangePool)
	x := h.rangeExercise(t)
	h.user(t, scoreboard.User{Name: "ines", DisplayName: "Inés Instructora", Role: scoreboard.RoleInstructor})

	ines := h.newPerson(t, "ines", english, wideW, wideH)
	ines.signIn("ines")
	if st := ines.visit("/instruct/" + x.Name); st != http.StatusOK {
		ines.fail("GET /instruct/%s: %d", x.Name, st)
	}
	nodes := sw.Nodes()
	manager, worker := nodes[0].Name, nodes[1].Name
	for _, n := range []string{manager, worker} {
		if !ines.has(`#nodes tr.node-ready th`) || !strings.Contains(ines.text("#nodes"), n) {
			t.Errorf("the page's nodes do not show node %s: %q", n, ines.text("#nodes"))
		}
	}
	if st := ines.submit(fmt.Sprintf(`form[action="/instruct/%s/deploy"] button[type=submit]`, x.Name)); st != http.StatusOK {
		ines.fail("deploying: status %d: %s", st, ines.text("main"))
	}
	ines.waitJS("the deployment to end", `document.querySelector("#operation strong.pos, #operation strong.neg")`, 5*time.Minute)
	if ines.has("#operation strong.neg") {
		ines.fail("the deployment on the swarm failed: %s", ines.text("#operation"))
	}
	ines.waitJS("the grid to show every host running", `document.querySelectorAll("#grid .host-running").length >= 6`, time.Minute)
	// One team on each node, as the page says.
	where := map[string]string{}
	for _, team := range []string{teamA, teamB} {
		got := ines.text(fmt.Sprintf(`#grid [data-team=%q] .team-node`, team))
		for _, n := range []string{manager, worker} {
			if strings.Contains(got, n) {
				where[team] = n
			}
		}
	}
	if where[teamA] == "" || where[teamB] == "" || where[teamA] == where[teamB] {
		ines.fail("the teams' nodes on the page: %v; want cl-1 and co-1 each on a node of its own", where)
	}
	ines.shot("s1-swarm-deployed-en")

	// The node of the team on the worker is lost: the page names the team
	// and its hosts, and the node is down in the list.
	lost, kept := nodes[1], nodes[0]
	moving := teamA
	if where[teamB] == lost.Name {
		moving = teamB
	}
	if err := sw.Stop(ctx, lost); err != nil {
		t.Fatal(err)
	}
	card := fmt.Sprintf(`#grid [data-team=%q]`, moving)
	ines.waitJS("the lost node's team to be named", `document.querySelector(`+jsString(card+" .alert")+`)`, time.Minute)
	if got := ines.text(card + " .alert"); !strings.Contains(got, lost.Name) || !strings.Contains(got, "does not answer") {
		t.Errorf("the lost team's card says %q; want node %s named as not answering", got, lost.Name)
	}
	ines.waitJS("the lost team's hosts to be marked", `document.querySelectorAll(`+jsString(card+" .host-node-down")+`).length === 3`, time.Minute)
	ines.waitJS("the swarm to see the node down", `document.querySelector("#nodes tr.node-down")`, 2*time.Minute)
	other := teamA
	if moving == teamA {
		other = teamB
	}
	if ines.has(fmt.Sprintf(`#grid [data-team=%q] form[action$="/relocate"]`, other)) {
		t.Errorf("team %s may be moved while the only other node is down: %s", other, ines.text(fmt.Sprintf(`#grid [data-team=%q]`, other)))
	}
	ines.shot("s2-node-lost-en")
	ines.submit(`form.lang button[value=es]`)
	if got := ines.text(card + " .alert"); !strings.Contains(got, "no responde") {
		t.Errorf("the lost team's card in Spanish says %q", got)
	}
	ines.shot("s3-node-lost-es")
	ines.submit(`form.lang button[value=en]`)

	// Removed from the swarm, the node frees its addresses; the instructor
	// moves the team to the node left, from the page.
	if err := sw.Remove(ctx, lost); err != nil {
		t.Fatal(err)
	}
	ines.visit("/instruct/" + x.Name)
	sel := fmt.Sprintf(`%s form[action="/instruct/%s/relocate"]`, card, x.Name)
	if got := eval[string](ines, `Array.from(document.querySelectorAll(`+jsString(sel+" option")+`)).map(o => o.value).join(",")`); got != kept.Name {
		t.Errorf("the nodes the lost team may move to: %q, want only %s", got, kept.Name)
	}
	eval[bool](ines, `(window.confirm = function () { return true; }, true)`)
	if st := ines.submit(sel + " button[type=submit]"); st != http.StatusOK {
		ines.fail("moving team %s: status %d: %s", moving, st, ines.text("main"))
	}
	ines.waitJS("the move to end", `document.querySelector("#operation strong.pos, #operation strong.neg")`, 4*time.Minute)
	if ines.has("#operation strong.neg") {
		ines.fail("the move failed: %s", ines.text("#operation"))
	}
	if got := ines.text("#operation"); !strings.Contains(got, "Move of a team") || !strings.Contains(got, "its ledger is as it was") {
		t.Errorf("the operation after the move says %q", got)
	}
	ines.waitJS("the moved team's hosts to run", `document.querySelectorAll(`+jsString(card+" .host-running")+`).length === 3`, time.Minute)
	if got := ines.text(card + " .team-node"); !strings.Contains(got, kept.Name) {
		t.Errorf("the moved team's card says %q; want it on %s", got, kept.Name)
	}
	ines.shot("s4-team-moved-en")

	// Its checks pass from its scorebot on the new node.
	g, err := h.dir.Grid(ctx, x.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range g.Teams {
		if team.Node != kept.Name || team.NodeDown {
			t.Errorf("team %s after the move: on %q (down %v); want %s", team.ID, team.Node, team.NodeDown, kept.Name)
		}
	}
	events, err := h.store.LastEvents(ctx, x.Name, 20)
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, e := range events {
		said = said || strings.Contains(e.Text, "moved the range of team "+moving)
	}
	if !said {
		t.Errorf("the team is not told of the move: %+v", events)
	}
}

// jsString quotes a string for JavaScript.
func jsString(s string) string { return fmt.Sprintf("%q", s) }
