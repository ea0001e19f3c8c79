package main

// The fault tests: Cordillera killed with SIGKILL during a deploy, an
// attack run and a round; a team's container killed from outside; the
// Docker engine unreachable for a while. Each runs against the real engine,
// as the tests of deploy_test.go do, and checks that nothing was lost and
// nothing was counted twice. docs/reliability.md says what each one proves;
// `make faults` runs them alone.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// leaseSlack is how much longer than otherwise a command started again
// right after a SIGKILL may take: the engine may wait for the killed one's
// lease on the exercise to expire.
const leaseSlack = 30 * time.Second

// childArgsEnv carries the arguments of TestHelperCordilleraProcess.
const childArgsEnv = "CORDILLERA_FAULT_CHILD_ARGS"

// TestHelperCordilleraProcess is the cordillera process the fault tests
// kill: the test binary run again, running the command in its arguments
// (JSON in $CORDILLERA_FAULT_CHILD_ARGS) as the real binary would, and
// exiting with its status. It needs no build of its own, and runs with the
// race detector when the tests do.
func TestHelperCordilleraProcess(t *testing.T) {
	raw := os.Getenv(childArgsEnv)
	if raw == "" {
		t.Skip("the fault tests' cordillera process, started by them")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(run(context.Background(), &env{stdout: os.Stdout, stderr: os.Stderr}, args))
}

// process is a cordillera command running in another process.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

// startCordillera starts `cordillera ARGS...` in another process; the test
// kills it if it still runs when the test ends.
func startCordillera(t *testing.T, args ...string) *process {
	t.Helper()
	raw, _ := json.Marshal(args)
	p := &process{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperCordilleraProcess$", "-test.count=1")
	p.cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// kill kills the process with SIGKILL and waits for it to be gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v\n%s", err, p.out.String())
	}
	<-p.done
}

// wait waits for the process to end by itself and fails the test unless
// it exits with 0.
func (p *process) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("%v\n%s", p.err, p.out.String())
		}
	case <-time.After(timeout):
		t.Fatalf("still running after %s:\n%s", timeout, p.out.String())
	}
}

// waitFor polls cond until it holds; it fails the test, with what the
// process said, when timeout passes first or the process ends.
func waitFor(t *testing.T, timeout time.Duration, what string, p *process, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		var out string
		if p != nil {
			out = p.out.String()
			select {
			case <-p.done:
				t.Fatalf("the process ended (%v) before %s:\n%s", p.err, what, out)
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s\n%s", timeout, what, out)
		}
	}
}

// inProcess is `cordillera run` running in this process.
type inProcess struct {
	out  syncBuffer
	done chan struct{}
	code int
}

// runInProcess starts `cordillera run` of an exercise in this process, with
// the real engine (as DOCKER_HOST says); the test ends the exercise if it
// still runs when the test ends.
func runInProcess(t *testing.T, file, db string) *inProcess {
	t.Helper()
	p := &inProcess{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.code = run(context.Background(), &env{stdout: &p.out, stderr: &p.out}, []string{"run", "--exercise", file, "--db", db,
			"--speed", "60", "--view", "lines", "--scorebot-image", dockertest.Image, "--wait", "1m"})
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		var b bytes.Buffer
		run(context.Background(), &env{stdout: &b, stderr: &b}, []string{"control", "--exercise", file, "--db", db, "end"})
		select {
		case <-p.done:
		case <-time.After(2 * time.Minute):
			t.Errorf("run did not end:\n%s", p.out.String())
		}
	})
	return p
}

// ended reports, without waiting, whether run has returned.
func (p *inProcess) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for run to return and fails the test unless it exits with 0.
func (p *inProcess) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.done:
		if p.code != 0 {
			t.Fatalf("run: exit %d\n%s", p.code, p.out.String())
		}
	case <-time.After(timeout):
		t.Fatalf("run did not end within %s:\n%s", timeout, p.out.String())
	}
}

// faultScenario writes a scenario into a folder of its own and returns the
// folder. In the source, IMAGE stands for the test image.
func faultScenario(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	src = strings.ReplaceAll(src, "IMAGE", dockertest.Image)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// faultExercise is testExerciseOf with n teams, cl-1, co-1, cl-2, co-2...
// It returns the exercise file and name, and takes everything labelled
// with the exercise down when the test ends, checking that nothing is left.
func faultExercise(t *testing.T, rt orchestrator.Runtime, dir string, n int) (file, name string) {
	t.Helper()
	if n == 2 {
		return testExerciseOf(t, rt, dir)
	}
	var b [4]byte
	rand.Read(b[:])
	name = "flt-" + hex.EncodeToString(b[:])
	var teams strings.Builder
	for i := range n {
		country := []string{"CL", "CO"}[i%2]
		fmt.Fprintf(&teams, "  team %q {\n    name    = \"Team %d\"\n    country = %q\n  }\n", teamID(i), i+1, country)
	}
	file = filepath.Join(t.TempDir(), "exercise.hcl")
	src := fmt.Sprintf("exercise %q {\n  scenario     = %q\n  seed         = \"fault-test\"\n  address_pool = %q\n%s}\n",
		name, dir, testPool, teams.String())
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := orchestrator.Down(ctx, rt, name, nil); err != nil {
			t.Errorf("down: %v", err)
		}
		assertGone(t, rt, name)
	})
	return file, name
}

// teamID is the id of the i-th team of faultExercise.
func teamID(i int) string {
	return fmt.Sprintf("%s-%d", []string{"cl", "co"}[i%2], i/2+1)
}

// openDB opens the exercise's database file for the test's own reading,
// next to the store of the process that writes it.
func openDB(t *testing.T, path string) (*scoreboard.Store, *sql.DB) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no database %s after a minute", path)
		}
	}
	store, err := scoreboard.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store, db
}

// checkRow is one row of check_results.
type checkRow struct {
	Team, Host, Service string
	Round               int
	Up                  bool
	Detail              string
	At                  time.Time
}

// passedAfter reports whether a check of the team passed after a moment.
func passedAfter(t *testing.T, db *sql.DB, exercise, team string, after time.Time) bool {
	return slices.ContainsFunc(checkResults(t, db, exercise), func(r checkRow) bool { return r.Team == team && r.Up && r.At.After(after) })
}

// checkResults reads every check result of the exercise, by team and round.
func checkResults(t *testing.T, db *sql.DB, exercise string) []checkRow {
	t.Helper()
	rows, err := db.Query(`SELECT t.key, c.host, c.service, c.round, c.up, c.detail, c.at
		FROM check_results c JOIN teams t ON t.id = c.team_id JOIN exercises e ON e.id = c.exercise_id
		WHERE e.name = ? ORDER BY t.key, c.round, c.host, c.service`, exercise)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []checkRow
	for rows.Next() {
		var r checkRow
		var at int64
		if err := rows.Scan(&r.Team, &r.Host, &r.Service, &r.Round, &r.Up, &r.Detail, &at); err != nil {
			t.Fatal(err)
		}
		r.At = time.UnixMilli(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rounds returns the round numbers recorded for a team, in order.
func rounds(results []checkRow, team string) []int {
	var out []int
	for _, r := range results {
		if r.Team == team && (len(out) == 0 || out[len(out)-1] != r.Round) {
			out = append(out, r.Round)
		}
	}
	return out
}

// checkRoundsGoOn checks that a team's rounds, across a kill and a
// restart, are numbered 1, 2, 3... with no gap, and that none recorded after
// the kill has a number from before it (the last was lastBefore).
func checkRoundsGoOn(t *testing.T, results []checkRow, team string, lastBefore int, killed time.Time) {
	t.Helper()
	rs := rounds(results, team)
	for i, n := range rs {
		if n != i+1 {
			t.Errorf("team %s has rounds %v; want 1, 2, 3... without a gap", team, rs)
			break
		}
	}
	for _, r := range results {
		if r.Team == team && r.At.After(killed) && r.Round <= lastBefore {
			t.Errorf("team %s: round %d recorded after the restart; the last before was %d", team, r.Round, lastBefore)
		}
	}
}

// checkLedger checks that the ledger's totals add up, that no outcome has
// two entries for one team and category, and that no check result was
// recorded twice: the ledger has no double entry. It returns the entries.
func checkLedger(t *testing.T, store *scoreboard.Store, db *sql.DB, exercise string) []scoreboard.Entry {
	t.Helper()
	ctx := context.Background()
	if err := store.VerifyTotals(ctx, exercise); err != nil {
		t.Error(err)
	}
	var entries []scoreboard.Entry
	seen := map[string]int{}
	err := store.Ledger(ctx, exercise, func(e scoreboard.Entry) error {
		entries = append(entries, e)
		seen[fmt.Sprintf("%s #%d %s %s", e.CauseKind, e.CauseID, e.Team, e.Category)]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, n := range seen {
		if n > 1 {
			t.Errorf("the ledger has %d entries for outcome %s", n, key)
		}
	}
	var dup int
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT 1 FROM check_results c JOIN exercises e ON e.id = c.exercise_id
		WHERE e.name = ? GROUP BY c.team_id, c.host, c.service, c.round HAVING count(*) > 1)`, exercise).Scan(&dup); err != nil {
		t.Fatal(err)
	}
	if dup > 0 {
		t.Errorf("%d checks were recorded twice for one round", dup)
	}
	return entries
}

// control runs `cordillera control ACTION...` on an exercise in this
// process, as an instructor in another shell would.
func control(t *testing.T, file, db string, action ...string) {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"control", "--exercise", file, "--db", db, "--as", "fault-test"}, action...)
	if code := run(context.Background(), &env{stdout: &out, stderr: &out}, args); code != 0 {
		t.Fatalf("control %v: exit %d\n%s", action, code, out.String())
	}
}

// roundsScenario is a range whose one service is checked every round, with
// the SLA's penalty from the second failure in a row.
const roundsScenario = `scenario "flt-rounds" {
  title    = "Rounds for the fault tests"
  duration = "2h"
}

network "lan" {}

host "web" {
  image    = "IMAGE"
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

attacker "red" {
  image    = "IMAGE"
  networks = [network.lan]
}

scoring {
  availability {
    sla_failures = 1
    sla_penalty  = 5
  }
}
`

// TestFaultKillDuringDeploy kills `cordillera up` of four teams once its
// first containers exist, and runs it again: the second up completes the
// range, with one container per team, role and name, each on its networks,
// and down then leaves nothing.
func TestFaultKillDuringDeploy(t *testing.T) {
	rt := needDocker(t)
	dir := faultScenario(t, `scenario "flt-deploy" {
  title    = "A deploy to interrupt"
  duration = "1h"
}

network "lan" {}
network "ot" {}

host "web" {
  image    = "IMAGE"
  networks = [network.lan, network.ot]
  command  = ["/rangehost", "serve"]
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

host "db" {
  image    = "IMAGE"
  networks = [network.ot]
  command  = ["/rangehost", "serve"]
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.db.address}:80"]
    }
  }
}

attacker "red" {
  image    = "IMAGE"
  networks = [network.lan]
}
`)
	const teams, perTeam, networksPerTeam = 4, 4, 2 // web, db, red, scorebot
	file, name := faultExercise(t, rt, dir, teams)
	ctx := context.Background()
	labels := map[string]string{orchestrator.LabelExercise: name}
	args := []string{"up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0"}

	start := time.Now()
	first := startCordillera(t, args...)
	waitFor(t, 2*time.Minute, "the first containers of the range exist", first, func() bool {
		cs, err := rt.ListContainers(ctx, labels)
		return err == nil && len(cs) > 0
	})
	first.kill(t)
	cs, err := rt.ListContainers(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, c := range cs {
		if c.Running {
			running++
		}
	}
	t.Logf("killed `up` after %s: %d of %d containers existed, %d running", time.Since(start).Round(time.Millisecond), len(cs), teams*perTeam, running)
	if len(cs) == teams*perTeam && running == len(cs) {
		t.Logf("the first up had finished its containers before the kill:\n%s", first.out.String())
	}

	ctxUp, cancel := context.WithTimeout(ctx, 3*time.Minute+leaseSlack)
	defer cancel()
	second := startCordillera(t, args...)
	select {
	case <-second.done:
	case <-ctxUp.Done():
		t.Fatalf("the second up did not finish:\n%s", second.out.String())
	}
	if second.err != nil {
		t.Fatalf("second up: %v\nfirst up:\n%s\nsecond up:\n%s", second.err, first.out.String(), second.out.String())
	}
	t.Logf("second up, after %s:\n%s", time.Since(start).Round(time.Millisecond), second.out.String())

	o, err := orchestrator.Observe(ctx, rt, name)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[orchestrator.Key]int{}
	for _, c := range o.Containers {
		k := orchestrator.KeyOf(c.Labels)
		byKey[k]++
		if !c.Running {
			t.Errorf("container %s is %s", c.Name, c.State)
		}
		want := map[string]int{"web": 2, "db": 1, "red": 1}[k.Name]
		if k.Role == orchestrator.RoleScorebot {
			want = networksPerTeam
		}
		if len(c.Addresses) != want {
			t.Errorf("container %s is on %d networks %v; want %d", c.Name, len(c.Addresses), c.Addresses, want)
		}
	}
	if len(o.Containers) != teams*perTeam || len(byKey) != teams*perTeam {
		t.Errorf("%d containers for %d keys; want %d, one per team, role and name", len(o.Containers), len(byKey), teams*perTeam)
	}
	for k, n := range byKey {
		if n > 1 {
			t.Errorf("%d containers for %v", n, k)
		}
	}
	if len(o.Networks) != teams*networksPerTeam {
		t.Errorf("%d networks; want %d", len(o.Networks), teams*networksPerTeam)
	}
	// Nothing of the exercise without its labels either: a container the
	// kill cut off between its creation and its labels would be found by
	// its name only.
	all, err := rt.ListContainers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, c := range all {
		if strings.HasPrefix(c.Name, "cordillera-"+name+"-") {
			named++
		}
	}
	if named != teams*perTeam {
		t.Errorf("%d containers are named after the exercise; want %d", named, teams*perTeam)
	}

	var out, errs bytes.Buffer
	if code := run(ctx, &env{stdout: &out, stderr: &errs}, []string{"down", name}); code != 0 {
		t.Fatalf("down: exit %d\n%s%s", code, out.String(), errs.String())
	}
	want := fmt.Sprintf("Removed %d containers and %d networks of exercise %s", teams*perTeam, teams*networksPerTeam, name)
	if !strings.Contains(out.String(), want) {
		t.Errorf("down says:\n%s\nwant %q", out.String(), want)
	}
	assertGone(t, rt, name)
}

// TestFaultKillDuringAttack kills `cordillera run` while an attack runs in
// both teams' attackers, and runs it again: the attack is marked
// interrupted and not run again, the next attack runs once, and the ledger
// adds up with no double entry.
func TestFaultKillDuringAttack(t *testing.T) {
	rt := needDocker(t)
	// The attacker serves on a port of its own choosing, so the attack's
	// `rangehost serve` runs, on another, until its timeout: long enough
	// to be killed in the middle.
	dir := faultScenario(t, `scenario "flt-attack" {
  title    = "An attack to interrupt"
  duration = "2h"
}

network "lan" {}

host "web" {
  image    = "IMAGE"
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

attacker "red" {
  image    = "IMAGE"
  networks = [network.lan]
  env = {
    RANGEHOST_PORTS = "0"
  }
}

attack "long" {
  title   = "Runs until its timeout"
  at      = "1m"
  timeout = "3m"
  from    = attacker.red
  target  = host.web
  run     = ["/rangehost", "serve"]
  success {
    output_matches = "never printed"
  }
}

attack "later" {
  title  = "Runs after the restart"
  at     = "12m"
  from   = attacker.red
  target = host.web
  run    = ["/rangehost", "env", "CORDILLERA_RUN_ID"]
  success {
    output_matches = "^${run.id}"
  }
}
`)
	file, name := faultExercise(t, rt, dir, 2)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	args := []string{"run", "--exercise", file, "--db", db, "--speed", "60", "--view", "lines",
		"--scorebot-image", dockertest.Image, "--wait", "0"}
	ctx := context.Background()

	start := time.Now()
	first := startCordillera(t, args...)
	store, sqldb := openDB(t, db)
	state := func(attack string) map[string]string {
		xs, _ := store.Executions(ctx, name)
		out := map[string]string{}
		for _, x := range xs {
			if x.Attack == attack {
				out[x.Team] = x.State
			}
		}
		return out
	}
	waitFor(t, 3*time.Minute, `attack "long" runs against both teams`, first, func() bool {
		s := state("long")
		return s["cl-1"] == scoreboard.ExecRunning && s["co-1"] == scoreboard.ExecRunning
	})
	first.kill(t)
	killed := time.Since(start)
	if s := state("later"); len(s) > 0 {
		t.Fatalf(`attack "later" fell due before the kill (%v); the test needs it after:\n%s`, s, first.out.String())
	}

	second := startCordillera(t, args...)
	waitFor(t, 2*time.Minute+leaseSlack, `attack "later" is judged for both teams after the restart`, second, func() bool {
		s := state("later")
		return s["cl-1"] == scoreboard.ExecDone && s["co-1"] == scoreboard.ExecDone
	})
	control(t, file, db, "end", "the fault test is over")
	second.wait(t, 2*time.Minute)
	t.Logf("killed after %s, ended after %s\nfirst run:\n%s\nsecond run:\n%s",
		killed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), first.out.String(), second.out.String())

	out := second.out.String()
	for _, want := range []string{"is running since", `attack "long" (run cr-`, "was interrupted by a restart of the engine; it is not run again",
		`attack "later" succeeded`, "has ended"} {
		if !strings.Contains(out, want) {
			t.Errorf("the second run does not say %q", want)
		}
	}
	xs, err := store.Executions(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	interrupted := map[string]bool{}
	for _, x := range xs {
		count[x.Team+"/"+x.Attack]++
		switch x.Attack {
		case "long":
			if x.State != scoreboard.ExecInterrupted || x.Outcome != scoreboard.OutcomeError || x.Run == "" {
				t.Errorf("%s/long = %s %s (run %q): want interrupted, outcome error", x.Team, x.State, x.Outcome, x.Run)
			}
			interrupted[x.Run] = true
		case "later":
			if x.State != scoreboard.ExecDone || x.Outcome != scoreboard.OutcomeSucceeded {
				t.Errorf("%s/later = %s %s: %s", x.Team, x.State, x.Outcome, x.Reason)
			}
		}
	}
	for _, team := range []string{"cl-1", "co-1"} {
		for _, attack := range []string{"long", "later"} {
			if n := count[team+"/"+attack]; n != 1 {
				t.Errorf("%s/%s has %d executions; want exactly 1", team, attack, n)
			}
		}
	}
	if n := strings.Count(out, "was interrupted by a restart"); n != 2 {
		t.Errorf("%d interruptions said; want one per team", n)
	}

	ev, err := store.Evidence(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ev.Runs {
		if interrupted[r.ID] {
			t.Errorf("the interrupted run %s was scored: %+v", r.ID, r)
		}
	}
	if len(ev.Runs) != 2 {
		t.Errorf("the ledger has %d attack runs; want 2, those of attack later", len(ev.Runs))
	}
	entries := checkLedger(t, store, sqldb, name)
	attacks := 0
	for _, e := range entries {
		if e.CauseKind == scoreboard.CauseAttack {
			attacks++
		}
	}
	if attacks != 2 {
		t.Errorf("the ledger has %d attack entries; want 2", attacks)
	}
}

// TestFaultKillDuringRound kills `cordillera run` right after a round's
// first check is recorded, and runs it again after more than two rounds:
// each team's rounds go on numbered after the last one recorded, none is
// recorded twice, and the rounds that no engine checked are reported.
func TestFaultKillDuringRound(t *testing.T) {
	rt := needDocker(t)
	file, name := faultExercise(t, rt, faultScenario(t, roundsScenario), 2)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	args := []string{"run", "--exercise", file, "--db", db, "--speed", "60", "--view", "lines",
		"--scorebot-image", dockertest.Image, "--wait", "1m"}
	ctx := context.Background()
	teams := []string{"cl-1", "co-1"}

	start := time.Now()
	first := startCordillera(t, args...)
	store, sqldb := openDB(t, db)
	waitFor(t, 3*time.Minute, "round 2 starts", first, func() bool {
		for _, r := range checkResults(t, sqldb, name) {
			if r.Round >= 2 {
				return true
			}
		}
		return false
	})
	first.kill(t)
	killed := time.Now()
	before, err := store.LastRounds(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %s, in round %v", killed.Sub(start).Round(time.Millisecond), before)
	// A round is 5 s of real time at this speed: three rounds pass
	// unchecked, and more while the second run waits for a lease.
	time.Sleep(16 * time.Second)

	second := startCordillera(t, args...)
	waitFor(t, 2*time.Minute+leaseSlack, "two rounds per team after the restart", second, func() bool {
		results := checkResults(t, sqldb, name)
		for _, team := range teams {
			rs := rounds(results, team)
			if len(rs) == 0 || rs[len(rs)-1] < before[team].Number+2 {
				return false
			}
		}
		return true
	})
	control(t, file, db, "end", "the fault test is over")
	second.wait(t, 2*time.Minute)
	t.Logf("ended after %s\nfirst run:\n%s\nsecond run:\n%s", time.Since(start).Round(time.Millisecond), first.out.String(), second.out.String())

	results := checkResults(t, sqldb, name)
	for _, team := range teams {
		last := before[team].Number
		checkRoundsGoOn(t, results, team, last, killed)
		if !recordedAt(results, team, last+1).After(killed) {
			t.Errorf("team %s: round %d, the one after the last recorded, was not the restart's", team, last+1)
		}
	}
	events, err := store.Events(ctx, name, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	missed := map[string]string{}
	for _, ev := range events {
		if ev.Kind == scoreboard.EventRound && strings.Contains(ev.Text, "were not checked: no engine was running") {
			missed[ev.Team] = ev.Text
		}
	}
	for _, team := range teams {
		want := fmt.Sprintf("checks go on from round %d", before[team].Number+1)
		if !strings.HasSuffix(missed[team], want) {
			t.Errorf("team %s: missed rounds event %q; want one ending %q", team, missed[team], want)
		}
	}
	if !strings.Contains(second.out.String(), "were not checked: no engine was running") {
		t.Error("the second run's view does not report the rounds not checked")
	}
	entries := checkLedger(t, store, sqldb, name)
	passed := 0
	for _, r := range results {
		if r.Up {
			passed++
		}
	}
	credited := 0
	for _, e := range entries {
		if e.CauseKind == scoreboard.CauseCheck && e.Points > 0 {
			credited++
		}
	}
	if credited != passed {
		t.Errorf("%d checks passed, %d credited in the ledger", passed, credited)
	}
}

// firstUp is when a team's check first passed after a moment, or the zero
// time.
func firstUp(results []checkRow, team string, after time.Time) time.Time {
	for _, r := range results { // in the order of rounds
		if r.Team == team && r.Up && r.At.After(after) {
			return r.At
		}
	}
	return time.Time{}
}

// recordedAt is when a team's round was recorded, or the zero time.
func recordedAt(results []checkRow, team string, round int) time.Time {
	for _, x := range results {
		if x.Team == team && x.Round == round {
			return x.At
		}
	}
	return time.Time{}
}

// TestFaultContainerKilled kills a team's host from outside, with the
// engine's API, while the exercise runs: that team's checks fail and its
// SLA penalties follow, no other team's; `cordillera reset` brings the host
// back and its checks pass again.
func TestFaultContainerKilled(t *testing.T) {
	rt := needDocker(t)
	file, name := faultExercise(t, rt, faultScenario(t, roundsScenario), 2)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	ctx := context.Background()
	start := time.Now()

	ex := runInProcess(t, file, db)
	store, sqldb := openDB(t, db)
	status := func(team string, round int) (up, found bool) {
		for _, r := range checkResults(t, sqldb, name) {
			if r.Team == team && r.Round == round {
				return r.Up, true
			}
		}
		return false, false
	}
	waitFor(t, 3*time.Minute, "round 1 passes for both teams", nil, func() bool {
		a, okA := status("cl-1", 1)
		b, okB := status("co-1", 1)
		if okA && okB && (!a || !b) {
			t.Fatalf("round 1 failed:\n%s", ex.out.String())
		}
		return okA && okB
	})

	engine, err := dockertest.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	web := webID(t, rt, name, "co-1")
	if err := engine.ContainerKill(ctx, web, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	penalty := func(team string) bool {
		found := false
		store.Ledger(ctx, name, func(e scoreboard.Entry) error {
			found = found || e.Team == team && e.CauseKind == scoreboard.CauseCheck && e.Points < 0
			return nil
		})
		return found
	}
	waitFor(t, time.Minute, "an SLA penalty for co-1", nil, func() bool { return penalty("co-1") })
	failedUntil := time.Now()

	var rout, rerr bytes.Buffer
	if code := run(ctx, &env{stdout: &rout, stderr: &rerr}, []string{"reset", "--exercise", file, "--team", "co-1", "--host", "web"}); code != 0 {
		t.Fatalf("reset: exit %d\n%s%s", code, rout.String(), rerr.String())
	}
	reset := time.Now()
	waitFor(t, time.Minute, "co-1's check passes again after the reset", nil, func() bool {
		for _, r := range checkResults(t, sqldb, name) {
			if r.Team == "co-1" && r.Up && r.At.After(reset) {
				return true
			}
		}
		return false
	})
	control(t, file, db, "end", "the fault test is over")
	ex.wait(t, 2*time.Minute)
	t.Logf("killed at %s, penalised by %s, reset at %s, ended at %s\n%s", killed.Sub(start).Round(time.Millisecond),
		failedUntil.Sub(start).Round(time.Millisecond), reset.Sub(start).Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), ex.out.String())

	results := checkResults(t, sqldb, name)
	recovered := firstUp(results, "co-1", reset)
	var failed []int
	for _, r := range results {
		switch {
		case r.Team == "cl-1" && !r.Up:
			t.Errorf("cl-1's check failed in round %d: %s", r.Round, r.Detail)
		case r.Team == "co-1" && !r.Up:
			failed = append(failed, r.Round)
			if r.At.Before(killed) || r.At.After(recovered) {
				t.Errorf("co-1's check failed in round %d, outside the outage: %s", r.Round, r.Detail)
			}
		}
	}
	if len(failed) < 2 {
		t.Errorf("co-1 failed rounds %v; want at least two in a row", failed)
	}
	entries := checkLedger(t, store, sqldb, name)
	penalties := map[string]int{}
	for _, e := range entries {
		if e.CauseKind == scoreboard.CauseCheck && e.Points < 0 {
			penalties[e.Team]++
			if !strings.Contains(e.Cause, "the SLA allows 1") {
				t.Errorf("penalty %q does not say the SLA", e.Cause)
			}
		}
	}
	if penalties["cl-1"] != 0 || penalties["co-1"] != len(failed)-1 {
		t.Errorf("SLA penalties %v; want %d for co-1 (every failure after the first) and none for cl-1", penalties, len(failed)-1)
	}
}

// dockerProxy forwards a unix socket of its own to the Docker engine's,
// and can be switched off, as an engine that stops answering, and on again.
type dockerProxy struct {
	path, target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newDockerProxy(t *testing.T) *dockerProxy {
	t.Helper()
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		p, ok := strings.CutPrefix(h, "unix://")
		if !ok {
			t.Fatalf("DOCKER_HOST=%s: the proxy forwards to a unix socket only", h)
		}
		target = p
	}
	dir, err := os.MkdirTemp("", "cdx") // a short path: sockets' are limited
	if err != nil {
		t.Fatal(err)
	}
	p := &dockerProxy{path: filepath.Join(dir, "docker.sock"), target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		p.off()
		os.RemoveAll(dir)
	})
	p.on(t)
	return p
}

// on listens and forwards every connection.
func (p *dockerProxy) on(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	listening := p.ln != nil
	p.mu.Unlock()
	if listening {
		return
	}
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln { // switched off meanwhile
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				io.Copy(dst, src)
				dst.Close()
				src.Close()
				p.mu.Lock()
				delete(p.conns, dst)
				delete(p.conns, src)
				p.mu.Unlock()
			}
			go pipe(c, up)
			go pipe(up, c)
		}
	}()
}

// off closes the socket, which removes it, and every connection through it.
func (p *dockerProxy) off() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// TestFaultEngineUnreachable runs an exercise on a Docker engine reached
// through a proxy, and switches the proxy off for three rounds: the run goes
// on, an event says the engine is away and rounds are not scored meanwhile
// (the teams' services are not at fault), and once the proxy is on again an
// event says so and the checks pass. Status, asked meanwhile, says what to
// fix.
func TestFaultEngineUnreachable(t *testing.T) {
	rt := needDocker(t)
	file, name := faultExercise(t, rt, faultScenario(t, roundsScenario), 2)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	ctx := context.Background()
	proxy := newDockerProxy(t)
	host := "unix://" + proxy.path
	t.Setenv("DOCKER_HOST", host)
	start := time.Now()

	ex := runInProcess(t, file, db)
	t.Cleanup(func() { proxy.on(t) }) // before the exercise is ended
	store, sqldb := openDB(t, db)
	upIn := func(team string, after time.Time) bool { return passedAfter(t, sqldb, name, team, after) }
	waitFor(t, 3*time.Minute, "both teams' checks pass", nil, func() bool { return upIn("cl-1", start) && upIn("co-1", start) })

	said := func(text string) bool {
		evs, err := store.LastEvents(ctx, name, 50)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(evs, func(ev scoreboard.Event) bool { return strings.Contains(ev.Text, text) })
	}
	proxy.off()
	off := time.Now()
	// Three rounds' worth of time without the engine: the run goes on, says
	// once that the engine is away, and scores nothing meanwhile.
	waitFor(t, time.Minute, "the event that the engine is away", nil, func() bool {
		return said("The container engine does not answer")
	})
	time.Sleep(3 * 5 * time.Second)
	if ex.ended() {
		t.Fatalf("run ended (exit %d) while the engine was away:\n%s", ex.code, ex.out.String())
	}

	var sout, serr bytes.Buffer
	code := run(ctx, &env{stdout: &sout, stderr: &serr}, []string{"status", name})
	wantStatus := "cannot reach the Docker engine at " + host + ": start Docker or set DOCKER_HOST"
	if code != 1 || !strings.Contains(serr.String(), wantStatus) {
		t.Errorf("status with the engine away: exit %d\n%s%s\nwant 1 saying %q", code, sout.String(), serr.String(), wantStatus)
	}

	proxy.on(t)
	on := time.Now()
	waitFor(t, time.Minute, "both teams' checks pass again", nil, func() bool { return upIn("cl-1", on) && upIn("co-1", on) })
	waitFor(t, time.Minute, "the event that the engine is back", nil, func() bool {
		return said("The container engine answers again")
	})
	control(t, file, db, "end", "the fault test is over")
	ex.wait(t, 2*time.Minute)
	t.Logf("away from %s to %s, ended at %s\n%s", off.Sub(start).Round(time.Millisecond), on.Sub(start).Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), ex.out.String())

	// Nothing the outage did is held against the teams: no check failed
	// (a check cut at the switch may), so no SLA penalty.
	var details []string
	for _, r := range checkResults(t, sqldb, name) {
		if !r.Up {
			details = append(details, fmt.Sprintf("%s round %d at %s: %s", r.Team, r.Round, r.At.Sub(start).Round(time.Millisecond), r.Detail))
		}
		if strings.Contains(r.Detail, "panic") {
			t.Errorf("a check's detail: %s", r.Detail)
		}
	}
	if len(details) > 2 {
		t.Errorf("%d checks failed around the outage; want none (two at most, cut at the switch):\n%s", len(details), strings.Join(details, "\n"))
	}
	if strings.Contains(ex.out.String(), "panic") {
		t.Errorf("the run's view shows a panic:\n%s", ex.out.String())
	}
	penalties := 0
	for _, e := range checkLedger(t, store, sqldb, name) {
		if e.CauseKind == scoreboard.CauseCheck && e.Points < 0 {
			penalties++
		}
	}
	if penalties > 0 {
		t.Errorf("the outage cost the teams %d SLA penalties; want none", penalties)
	}
	t.Logf("%d checks failed around the outage, %d SLA penalties", len(details), penalties)
}

// TestFaultKillServe kills `cordillera serve --start` twice: once while it
// deploys the ranges, once while its engine runs the exercise. Each time
// the same command started again completes the range (one container per
// team, role and name), starts or takes up the exercise, and goes on with
// its rounds: no gap in their numbers, no check recorded twice, and the
// ledger adds up.
func TestFaultKillServe(t *testing.T) {
	rt := needDocker(t)
	const teams, perTeam = 4, 3 // web, red, scorebot
	file, name := faultExercise(t, rt, faultScenario(t, roundsScenario), teams)
	db := filepath.Join(t.TempDir(), "cordillera.db")
	// At 30 times real speed a round is 5 s and the two hours 4 minutes.
	args := []string{"serve", "--exercise", file, "--db", db, "--listen", "127.0.0.1:0", "--start", "--speed", "30",
		"--scorebot-image", dockertest.Image}
	ctx := context.Background()
	labels := map[string]string{orchestrator.LabelExercise: name}
	start := time.Now()

	first := startCordillera(t, args...)
	waitFor(t, 2*time.Minute, "the first containers of the range exist", first, func() bool {
		cs, err := rt.ListContainers(ctx, labels)
		return err == nil && len(cs) > 0
	})
	first.kill(t)
	cs, err := rt.ListContainers(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed serve after %s, while it deployed: %d of %d containers existed", time.Since(start).Round(time.Millisecond), len(cs), teams*perTeam)

	second := startCordillera(t, args...)
	waitFor(t, 3*time.Minute, "the second serve deploys and starts the exercise", second, func() bool {
		return strings.Contains(second.out.String(), "Exercise "+name+" is running.")
	})
	store, sqldb := openDB(t, db)
	o, err := orchestrator.Observe(ctx, rt, name)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[orchestrator.Key]int{}
	for _, c := range o.Containers {
		byKey[orchestrator.KeyOf(c.Labels)]++
		if !c.Running {
			t.Errorf("container %s is %s", c.Name, c.State)
		}
	}
	if len(o.Containers) != teams*perTeam || len(byKey) != teams*perTeam {
		t.Errorf("%d containers for %d keys; want %d, one per team, role and name\nfirst serve:\n%s\nsecond serve:\n%s",
			len(o.Containers), len(byKey), teams*perTeam, first.out.String(), second.out.String())
	}

	waitFor(t, 2*time.Minute, "round 2 for every team", second, func() bool {
		last, err := store.LastRounds(ctx, name)
		if err != nil || len(last) < teams {
			return false
		}
		for _, r := range last {
			if r.Number < 2 {
				return false
			}
		}
		return true
	})
	second.kill(t)
	killed := time.Now()
	before, err := store.LastRounds(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed serve after %s, while it ran the exercise, in rounds %v", killed.Sub(start).Round(time.Millisecond), before)

	third := startCordillera(t, args...)
	waitFor(t, 2*time.Minute+leaseSlack, "two more rounds per team after the restart", third, func() bool {
		last, err := store.LastRounds(ctx, name)
		if err != nil {
			return false
		}
		for i := range teams {
			team := teamID(i)
			if last[team].Number < before[team].Number+2 {
				return false
			}
		}
		return true
	})
	control(t, file, db, "end", "the fault test is over")
	clock, err := store.Clock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if clock.State != scoreboard.ClockEnded {
		t.Errorf("the clock is %s after end", clock.State)
	}
	// The third serve's engine sees the end within a second; give it one
	// more for a round in flight to be recorded before reading.
	time.Sleep(2 * time.Second)
	t.Logf("ended after %s\nthird serve:\n%s", time.Since(start).Round(time.Millisecond), third.out.String())

	results := checkResults(t, sqldb, name)
	for i := range teams {
		checkRoundsGoOn(t, results, teamID(i), before[teamID(i)].Number, killed)
	}
	checkLedger(t, store, sqldb, name)
}
