package scoreboard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cordillera.db")
	// Two handles on one file stand for two processes: each has its own
	// connections and SQLite's file locks arbitrate between them.
	handles := []*Store{openStore(t, path), openStore(t, path)}
	if err := handles[0].CreateExercise(ctx, Exercise{Name: "ex", Scoring: scenarios.DefaultScoring(), CreatedAt: t0},
		[]Team{{ID: "cl1", Country: "CL"}, {ID: "cl2", Country: "CL"}, {ID: "co1", Country: "CO"}}); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 12, 40
	teams := []string{"cl1", "cl2", "co1"}
	var (
		mu                   sync.Mutex
		recorded, duplicates int
		entries              int
		wg                   sync.WaitGroup
		errs                 = make(chan error, writers)
	)
	// Writers w and w+3 share a team, so every outcome is recorded by
	// several writers at once, through both handles.
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, team := handles[w%2], teams[w%3]
			for round := range rounds {
				elapsed := time.Duration(round) * 30 * time.Second
				outcomes := []func() (Recorded, error){func() (Recorded, error) {
					return s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: team, Host: "portal", Service: "http", Round: round, Up: round%5 != 0, Moment: at(elapsed)})
				}}
				if round%10 == 0 {
					outcomes = append(outcomes, func() (Recorded, error) {
						return s.RecordAttackRun(ctx, AttackRun{ID: fmt.Sprintf("%s-%d", team, round), Exercise: "ex", Team: team, Attack: "a",
							Target: "portal", Verdict: VerdictBlocked, Started: at(elapsed), Ended: at(elapsed + time.Second)})
					})
				}
				for _, record := range outcomes {
					r, err := record()
					if err != nil && !errors.Is(err, ErrDuplicate) {
						errs <- err
						return
					}
					mu.Lock()
					if err != nil {
						duplicates++
					} else {
						recorded++
						entries += len(r.Entries)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if want := len(teams) * (rounds + rounds/10); recorded != want {
		t.Errorf("%d outcomes recorded, want %d: each once", recorded, want)
	}
	if duplicates == 0 {
		t.Error("no writer met another's outcome: the test raced nothing")
	}
	if n := len(ledgerEntries(t, handles[1])); n != entries {
		t.Errorf("ledger has %d entries, recordings returned %d", n, entries)
	}
	verify(t, handles[0])
}

const crashEnv = "CORDILLERA_SCOREBOARD_CRASH"

// TestCrashChild is the process the crash tests kill. It records outcomes into the
// file it is given and prints READY when it is where it should die.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("run by the crash tests as their child process")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(crashEnv+"_DB"))
	if err != nil {
		t.Fatal(err)
	}
	ready := func() { fmt.Println("READY") }
	switch mode {
	case "inside":
		// Stop for good after the first entry of an outcome that writes
		// three, with the transaction open.
		s.afterWrite = func(step string) {
			if step == "entry" {
				ready()
				time.Sleep(time.Hour)
			}
		}
		_, err = s.RecordAttackRun(ctx, crashRun)
		t.Fatalf("recording returned (%v) instead of stopping", err)
	case "loop":
		ready()
		for round := 0; ; round++ {
			if _, err := s.RecordCheck(ctx, loopCheck(round)); err != nil {
				t.Fatal(err)
			}
			if round%7 == 0 {
				if _, err := s.RecordAttackRun(ctx, loopRun(round)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

var crashRun = AttackRun{ID: "crash", Exercise: "ex", Team: "cl1", Attack: "portal-bruteforce", Techniques: []string{"T1110.003"},
	Target: "portal", Verdict: VerdictBlocked, Started: at(10 * time.Minute), Ended: at(11 * time.Minute)}

func loopCheck(round int) CheckResult {
	return CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: "http", Round: round, Up: true, Moment: at(time.Duration(round) * time.Second)}
}

func loopRun(round int) AttackRun {
	return AttackRun{ID: fmt.Sprintf("run-%d", round), Exercise: "ex", Team: "cl2", Attack: "a", Target: "portal", Verdict: VerdictSucceeded,
		Started: at(time.Duration(round) * time.Second), Ended: at(time.Duration(round)*time.Second + time.Second)}
}

// killChild runs TestCrashChild on path and kills it with SIGKILL once it
// says READY, after wait.
func killChild(t *testing.T, mode, path string, wait time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, crashEnv+"_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var said []string
	timeout := time.After(time.Minute)
	for ready := false; !ready; {
		select {
		case line, open := <-lines:
			if !open {
				cmd.Wait()
				t.Fatalf("child exited before READY:\n%s", strings.Join(said, "\n"))
			}
			said = append(said, line)
			ready = line == "READY"
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("child not READY after a minute:\n%s", strings.Join(said, "\n"))
		}
	}
	time.Sleep(wait)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range lines {
		}
	}()
	cmd.Wait()
}

func count(t *testing.T, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCrashInsideAnOutcome(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	path := s.path
	// The run will be blocked (defense), match this report (detection) and
	// credit co1's indicator (cooperation): three entries for two teams.
	ok(t)(s.RecordIndicator(ctx, SharedIndicator{Exercise: "ex", Team: "co1", Kind: IndicatorIPv4, Value: "10.66.0.5", Attack: "portal-bruteforce", Moment: at(5 * time.Minute)}))
	ok(t)(s.RecordReport(ctx, IncidentReport{Exercise: "ex", Team: "cl1", Target: "portal", Techniques: []string{"T1110"}, Summary: "spraying", Moment: at(10*time.Minute + 20*time.Second)}))
	s.Close()

	killChild(t, "inside", path, 0)

	s = openStore(t, path)
	for _, table := range []string{"attack_runs", "ledger", "detections", "cooperation_credits", "totals", "buckets"} {
		if n := count(t, s, "SELECT COUNT(*) FROM "+table); n != 0 {
			t.Errorf("%d rows in %s after the crash: the outcome was half written", n, table)
		}
	}
	r := ok(t)(s.RecordAttackRun(ctx, crashRun))
	if len(r.Entries) != 3 {
		t.Errorf("recording again wrote %+v, want defense, detection and cooperation", r.Entries)
	}
	if _, err := s.RecordAttackRun(ctx, crashRun); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a third time: %v, want ErrDuplicate", err)
	}
	verify(t, s)
}

func TestCrashWhileRecording(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	path := s.path
	s.Close()

	killChild(t, "loop", path, 300*time.Millisecond)

	s = openStore(t, path)
	checks := count(t, s, "SELECT COUNT(*) FROM check_results")
	if checks == 0 {
		t.Fatal("the child recorded nothing before it was killed")
	}
	for _, q := range []string{
		// Every outcome has exactly its entry...
		"SELECT COUNT(*) FROM check_results c WHERE (SELECT COUNT(*) FROM ledger WHERE cause_kind = 'check' AND cause_id = c.id) <> 1",
		"SELECT COUNT(*) FROM attack_runs r WHERE (SELECT COUNT(*) FROM ledger WHERE cause_kind = 'attack' AND cause_id = r.id) <> 1",
		// ...and every entry its outcome.
		"SELECT COUNT(*) FROM ledger l WHERE NOT EXISTS (SELECT 1 FROM check_results c WHERE l.cause_kind = 'check' AND c.id = l.cause_id) " +
			"AND NOT EXISTS (SELECT 1 FROM attack_runs r WHERE l.cause_kind = 'attack' AND r.id = l.cause_id)",
	} {
		if n := count(t, s, q); n != 0 {
			t.Errorf("%d half-written outcomes: %s", n, q)
		}
	}
	verify(t, s)

	// Replaying everything, as the engine does after a restart, adds only
	// what the crash lost.
	var added int
	for round := range checks + 20 {
		r, err := s.RecordCheck(ctx, loopCheck(round))
		if err != nil && !errors.Is(err, ErrDuplicate) {
			t.Fatal(err)
		}
		added += len(r.Entries)
		if round%7 == 0 {
			if _, err := s.RecordAttackRun(ctx, loopRun(round)); err != nil && !errors.Is(err, ErrDuplicate) {
				t.Fatal(err)
			}
		}
	}
	if added != 20 {
		t.Errorf("replay added %d check entries, want the 20 rounds never recorded", added)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM ledger WHERE cause_kind = 'check'"); n != checks+20 {
		t.Errorf("%d check entries after replay, want %d", n, checks+20)
	}
	verify(t, s)
}
