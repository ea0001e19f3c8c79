package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// syncBuffer is a buffer a command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestControlARunningExercise drives a running exercise from another
// command, as an instructor would: attacks wait for approval, one is
// approved and one skipped, and the exercise is ended by hand.
func TestControlARunningExercise(t *testing.T) {
	rt := needDocker(t)
	file, name := testExercise(t, rt, "timeline")
	db := filepath.Join(t.TempDir(), "cordillera.db")
	control := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		code := run(context.Background(), &env{stdout: &out, stderr: &errs},
			append([]string{"control", "--exercise", file, "--db", db, "--as", "ana"}, args...))
		if code != 0 {
			t.Fatalf("control %v: exit %d\n%s%s", args, code, out.String(), errs.String())
		}
		return out.String()
	}

	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), &env{stdout: &out, stderr: &out}, []string{"run", "--exercise", file, "--db", db,
			"--speed", "60", "--view", "lines", "--scorebot-image", dockertest.Image, "--wait", "0"})
	}()
	// Approval is required before the clock starts: the exercise is
	// stored before the ranges are deployed.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the exercise was not stored in time:\n%s", out.String())
		}
		var errs bytes.Buffer
		if run(context.Background(), &env{stdout: &errs, stderr: &errs},
			[]string{"control", "--exercise", file, "--db", db, "--as", "ana", "approval", "on"}) == 0 {
			break
		}
	}
	ids := map[string]string{}
	for deadline := time.Now().Add(2 * time.Minute); len(ids) < 2; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first attack did not wait for approval:\n%s", control("status"))
		}
		for _, line := range strings.Split(control("status"), "\n") {
			f := strings.Fields(line)
			if len(f) == 5 && f[2] == "first" && f[3] == "approval" {
				ids[f[1]] = f[0]
			}
		}
	}
	control("approve", ids["cl-1"])
	control("skip", ids["co-1"], "their", "portal", "is", "down")
	if got := control("skip", "co-1", "second", "not", "today"); !strings.Contains(got, "Done") {
		t.Errorf("skipping a timeline attack: %s", got)
	}

	store, err := scoreboard.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	state := func(team, attack string) scoreboard.Execution {
		xs, _ := store.Executions(context.Background(), name)
		for _, x := range xs {
			if x.Team == team && x.Attack == attack {
				return x
			}
		}
		return scoreboard.Execution{}
	}
	for deadline := time.Now().Add(time.Minute); state("cl-1", "first").State != scoreboard.ExecDone; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the approved attack did not run:\n%s", out.String())
		}
	}
	control("end", "enough", "for", "today")
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "has ended") {
			t.Fatalf("run: exit %d\n%s", code, out.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("run did not return after the end:\n%s", out.String())
	}

	if x := state("cl-1", "first"); x.Outcome != scoreboard.OutcomeSucceeded || x.Author != "ana" {
		t.Errorf("cl-1/first = %+v; want approved by ana and succeeded", x)
	}
	if x := state("co-1", "first"); x.State != scoreboard.ExecSkipped || !strings.Contains(x.Reason, "portal is down") {
		t.Errorf("co-1/first = %+v; want skipped with ana's reason", x)
	}
	if x := state("co-1", "second"); x.State != scoreboard.ExecSkipped || !strings.Contains(x.Reason, "not today") {
		t.Errorf("co-1/second = %+v; want skipped before it was due", x)
	}
	if x := state("cl-1", "second"); x.State != scoreboard.ExecMissed && x.State != scoreboard.ExecSkipped {
		t.Errorf("cl-1/second = %+v; want missed: the exercise ended first", x)
	}
	for _, want := range []string{"attacks now wait for approval (ana)", `attack "first" approved by ana`, "exercise ended: enough for today (ana)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the live view does not say %q:\n%s", want, out.String())
		}
	}
}
