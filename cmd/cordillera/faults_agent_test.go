package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// scorebotID is the id of a team's scorebot container.
func scorebotID(t *testing.T, rt orchestrator.Runtime, exercise, team string) string {
	t.Helper()
	cs, err := rt.ListContainers(context.Background(), map[string]string{
		orchestrator.LabelExercise: exercise, orchestrator.LabelTeam: team, orchestrator.LabelRole: string(orchestrator.RoleScorebot),
	})
	if err != nil || len(cs) != 1 {
		t.Fatalf("team %s's scorebot: %v (%d containers)", team, err, len(cs))
	}
	return cs[0].ID
}

// TestFaultAgentAndScorebotKilled kills, during the rounds of a running
// exercise, first co-1's agent, then co-1's whole scorebot container.
// Neither is a failed check: the agent is started again by itself, the
// rounds the scorebot missed are not scored (and the team and the staff
// are told once), and `cordillera up` brings the scorebot back, whose
// rounds are scored again.
func TestFaultAgentAndScorebotKilled(t *testing.T) {
	rt := needDocker(t)
	file, name := faultExercise(t, rt, faultScenario(t, roundsScenario), 2)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	ctx := context.Background()
	start := time.Now()

	ex := runInProcess(t, file, db)
	store, sqldb := openDB(t, db)
	upIn := func(team string, after time.Time) bool { return passedAfter(t, sqldb, name, team, after) }
	waitFor(t, 3*time.Minute, "both teams' checks pass", nil, func() bool { return upIn("cl-1", start) && upIn("co-1", start) })
	said := func(text string) int {
		evs, err := store.Events(ctx, name, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if strings.Contains(ev.Text, text) {
				n++
			}
		}
		return n
	}

	engine, err := dockertest.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	// agentPIDs are the machine's process ids of the agents running in a
	// container.
	agentPIDs := func(container string) []int {
		t.Helper()
		top, err := engine.ContainerTop(context.Background(), container, nil)
		if err != nil {
			t.Fatal(err)
		}
		pid, cmd := slices.Index(top.Titles, "PID"), slices.Index(top.Titles, "CMD")
		var pids []int
		for _, p := range top.Processes {
			if strings.HasPrefix(p[cmd], agent.DefaultPath) {
				n, err := strconv.Atoi(p[pid])
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, n)
			}
		}
		return pids
	}
	bot := scorebotID(t, rt, name, "co-1")
	var before []int
	waitFor(t, time.Minute, "co-1's agent to run", nil, func() bool { before = agentPIDs(bot); return len(before) == 1 })
	if err := syscall.Kill(before[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	agentKilled := time.Now()
	waitFor(t, time.Minute, "co-1's checks pass again, from a new agent", nil, func() bool {
		now := agentPIDs(bot)
		return upIn("co-1", agentKilled) && len(now) == 1 && now[0] != before[0]
	})

	if err := engine.ContainerKill(ctx, bot, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	botKilled := time.Now()
	waitFor(t, time.Minute, "the staff told that co-1's scorebot could not run a round", nil, func() bool {
		return said("The scorebot of team co-1 could not run round") > 0
	})
	// cl-1 goes on meanwhile: two of its rounds, and none of co-1's.
	waitFor(t, time.Minute, "two of cl-1's rounds after the kill", nil, func() bool {
		n := 0
		for _, r := range checkResults(t, sqldb, name) {
			if r.Team == "cl-1" && r.At.After(botKilled) {
				n++
			}
		}
		return n >= 2
	})
	if upIn("co-1", botKilled) {
		t.Error("co-1 had a check recorded while its scorebot was dead")
	}

	var out, errOut bytes.Buffer
	if code := run(ctx, &env{stdout: &out, stderr: &errOut}, []string{"up", "--exercise", file, "--scorebot-image", dockertest.Image}); code != 0 {
		t.Fatalf("up: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	repaired := time.Now()
	waitFor(t, time.Minute, "co-1's checks pass again after up", nil, func() bool { return upIn("co-1", repaired) })
	waitFor(t, time.Minute, "co-1 told its rounds are scored again", nil, func() bool { return said("The scorebot checks your services again") > 0 })
	control(t, file, db, "end", "the fault test is over")
	ex.wait(t, 2*time.Minute)

	if n := said("The scorebot could not check your services"); n != 1 {
		t.Errorf("co-1 was told %d times that its rounds are not scored; want once", n)
	}
	var down []string
	for _, r := range checkResults(t, sqldb, name) {
		if !r.Up {
			down = append(down, fmt.Sprintf("%s round %d: %s", r.Team, r.Round, r.Detail))
		}
	}
	if len(down) > 0 {
		t.Errorf("checks recorded down, though every service ran:\n%s", strings.Join(down, "\n"))
	}
	for _, e := range checkLedger(t, store, sqldb, name) {
		if e.CauseKind == scoreboard.CauseCheck && e.Points < 0 {
			t.Errorf("an SLA penalty: %+v", e)
		}
	}
	t.Logf("agent killed at %s, scorebot killed at %s, up at %s, ended at %s\n%s", agentKilled.Sub(start).Round(time.Millisecond),
		botKilled.Sub(start).Round(time.Millisecond), repaired.Sub(start).Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), ex.out.String())
}
