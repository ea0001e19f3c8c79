package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestRunSurvivesAKill runs an exercise with the real binary on the real
// engine, kills it with SIGKILL after its first attack, and runs it again:
// the exercise goes on where it was and ends with every attack run once,
// every inject delivered once, and a ledger whose totals add up.
func TestRunSurvivesAKill(t *testing.T) {
	rt := needDocker(t)
	file, name := testExercise(t, rt, "timeline")
	dir := t.TempDir()
	bin := filepath.Join(dir, "cordillera")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "cordillera.db")
	args := []string{"run", "--exercise", file, "--db", db, "--speed", "60", "--view", "lines",
		"--scorebot-image", dockertest.Image, "--wait", "0"}

	var first bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &first, &first
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The file appears once run has opened it.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(db); err == nil {
			break
		}
	}
	store, err := scoreboard.Open(context.Background(), db)
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	defer store.Close()
	judged := func(attack string) bool {
		xs, _ := store.Executions(context.Background(), name)
		n := 0
		for _, x := range xs {
			if x.Attack == attack && x.State == scoreboard.ExecDone {
				n++
			}
		}
		return n == 2
	}
	for deadline := time.Now().Add(2 * time.Minute); !judged("first"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the first attack was not judged in time:\n%s", first.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if judged("second") {
		t.Fatalf("the second attack ran before the kill; the test needs it after:\n%s", first.String())
	}
	time.Sleep(2 * time.Second) // the exercise clock runs on while no engine does

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\nfirst run:\n%s\nsecond run:\n%s", err, first.String(), out)
	}
	for _, want := range []string{"is running since", "has ended", `attack "second" succeeded`, `attack "third" was blocked`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the second run does not say %q:\n%s", want, out)
		}
	}
	t.Logf("first run:\n%s\nsecond run:\n%s", first.String(), out)

	xs, err := store.Executions(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, x := range xs {
		count[x.Team+"/"+x.Attack]++
		if x.State != scoreboard.ExecDone {
			t.Errorf("%s/%s ended %s: %s", x.Team, x.Attack, x.State, x.Reason)
		}
	}
	for _, team := range []string{"cl-1", "co-1"} {
		for _, attack := range []string{"first", "second", "third"} {
			if n := count[team+"/"+attack]; n != 1 {
				t.Errorf("%s/%s has %d executions; want exactly 1", team, attack, n)
			}
		}
	}
	events, err := store.Events(context.Background(), name, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	delivered := 0
	for _, ev := range events {
		if ev.Kind == scoreboard.EventInject {
			delivered++
		}
	}
	if delivered != 2 {
		t.Errorf("%d inject deliveries; want one per team", delivered)
	}
	if err := store.VerifyTotals(context.Background(), name); err != nil {
		t.Error(err)
	}
	ev, err := store.Evidence(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Runs) != 6 {
		t.Errorf("the ledger has %d attack runs; want 6", len(ev.Runs))
	}
}
