package scoreboard

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

const concurrencyEnv = "CORDILLERA_SCOREBOARD_CONCURRENCY"

// concurrentRounds is how many rounds each writer records.
const concurrentRounds = 24

// writeOutcomes records, for one writer, a check of its own host in every
// round (failing one round in four, so SLA penalties are written too) and
// an attack run every sixth round, with no outcome shared with another
// writer. It returns how many outcomes and entries it wrote.
func writeOutcomes(ctx context.Context, s *Store, writer, team string) (outcomes, entries int, err error) {
	for round := 1; round <= concurrentRounds; round++ {
		elapsed := time.Duration(round) * 30 * time.Second
		r, err := s.RecordCheck(ctx, CheckResult{Exercise: "ex", Team: team, Host: writer, Service: "http",
			Round: round, Up: round%4 != 0, Moment: at(elapsed)})
		if err != nil {
			return outcomes, entries, err
		}
		outcomes, entries = outcomes+1, entries+len(r.Entries)
		if round%6 == 0 {
			r, err := s.RecordAttackRun(ctx, AttackRun{ID: fmt.Sprintf("%s-%d", writer, round), Exercise: "ex", Team: team,
				Attack: "a", Target: writer, Verdict: VerdictBlocked, Started: at(elapsed), Ended: at(elapsed + time.Second)})
			if err != nil {
				return outcomes, entries, err
			}
			outcomes, entries = outcomes+1, entries+len(r.Entries)
		}
	}
	return outcomes, entries, nil
}

// TestHelperConcurrentWriter is the second process of
// TestFaultSQLiteConcurrency: a writer with a Store of its own on the same
// file. It prints how many outcomes and entries it wrote.
func TestHelperConcurrentWriter(t *testing.T) {
	if os.Getenv(concurrencyEnv) == "" {
		t.Skip("the second process of TestFaultSQLiteConcurrency, started by it")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(concurrencyEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fmt.Println("READY")
	outcomes, entries, err := writeOutcomes(ctx, s, "child", "co1")
	if err != nil {
		t.Fatal(err)
	}
	// Reading too, as the web server's process does.
	if _, err := s.Standings(ctx, "ex", Live); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("WROTE %d %d\n", outcomes, entries)
}

// TestFaultSQLiteConcurrency has six goroutines on two Stores and a second
// process write outcomes into one SQLite file while four goroutines read
// standings, score series, statistics and the ledger: no call fails (no
// "database is locked" surfaces), no write is lost, and the running totals
// match the ledger.
func TestFaultSQLiteConcurrency(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cordillera.db")
	handles := []*Store{openStore(t, path), openStore(t, path)}
	if err := handles[0].CreateExercise(ctx, Exercise{Name: "ex", Scoring: scenarios.DefaultScoring(), CreatedAt: t0},
		[]Team{{ID: "cl1", Country: "CL"}, {ID: "cl2", Country: "CL"}, {ID: "co1", Country: "CO"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()

	child := exec.Command(os.Args[0], "-test.run=^TestHelperConcurrentWriter$", "-test.count=1", "-test.v")
	child.Env = append(os.Environ(), concurrencyEnv+"="+path)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	lines := bufio.NewScanner(stdout)
	var childOut []string
	for lines.Scan() {
		childOut = append(childOut, lines.Text())
		if lines.Text() == "READY" {
			break
		}
	}

	const writers, readers = 6, 5
	teams := []string{"cl1", "cl2", "co1"}
	var (
		outcomes, entries atomic.Int64
		reads             atomic.Int64
		writing           sync.WaitGroup
		reading           sync.WaitGroup
		stop              = make(chan struct{})
		errs              = make(chan error, writers+readers)
	)
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			o, e, err := writeOutcomes(ctx, handles[w%2], "w"+strconv.Itoa(w), teams[w%3])
			outcomes.Add(int64(o))
			entries.Add(int64(e))
			if err != nil {
				errs <- fmt.Errorf("writer %d: %w", w, err)
			}
		}()
	}
	for rd := range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			s := handles[rd%2]
			for {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch rd {
				case 0:
					_, err = s.Standings(ctx, "ex", Live)
				case 1:
					_, err = s.ScoreSeries(ctx, "ex", Live, time.Minute)
				case 2:
					_, err = s.Statistics(ctx, "ex")
				case 3:
					err = s.Ledger(ctx, "ex", func(Entry) error { return nil })
				case 4:
					// The ledger and the totals agree at every moment,
					// not only once the writers are done.
					err = s.VerifyTotals(ctx, "ex")
				}
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", rd, err)
					return
				}
				reads.Add(1)
			}
		}()
	}
	writing.Wait()
	for lines.Scan() {
		childOut = append(childOut, lines.Text())
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("the second process: %v\n%s", err, strings.Join(childOut, "\n"))
	}
	close(stop)
	reading.Wait()
	close(errs)
	for err := range errs {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Errorf("SQLite's lock surfaced: %v", err)
		} else {
			t.Error(err)
		}
	}
	var childOutcomes, childEntries int
	for _, l := range childOut {
		if _, err := fmt.Sscanf(l, "WROTE %d %d", &childOutcomes, &childEntries); err == nil {
			break
		}
	}
	if childOutcomes == 0 {
		t.Fatalf("the second process wrote nothing:\n%s", strings.Join(childOut, "\n"))
	}

	perWriter := concurrentRounds + concurrentRounds/6
	if got, want := int(outcomes.Load())+childOutcomes, (writers+1)*perWriter; got != want {
		t.Errorf("%d outcomes recorded; want %d", got, want)
	}
	var checks, runs int
	if err := handles[1].db.GetContext(ctx, &checks, "SELECT count(*) FROM check_results"); err != nil {
		t.Fatal(err)
	}
	if err := handles[1].db.GetContext(ctx, &runs, "SELECT count(*) FROM attack_runs"); err != nil {
		t.Fatal(err)
	}
	if checks != (writers+1)*concurrentRounds || runs != (writers+1)*(concurrentRounds/6) {
		t.Errorf("the file has %d checks and %d attack runs; want %d and %d: writes were lost",
			checks, runs, (writers+1)*concurrentRounds, (writers+1)*(concurrentRounds/6))
	}
	if n, want := len(ledgerEntries(t, handles[0])), int(entries.Load())+childEntries; n != want {
		t.Errorf("the ledger has %d entries; the recordings returned %d", n, want)
	}
	verify(t, handles[1])
	st, err := handles[0].Standings(ctx, "ex", Live)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, team := range st.Teams {
		sum += team.Total
	}
	ledgerSum := 0
	for _, e := range ledgerEntries(t, handles[1]) {
		ledgerSum += e.Points
	}
	if sum != ledgerSum {
		t.Errorf("the standings add up to %d, the ledger to %d", sum, ledgerSum)
	}
	if reads.Load() == 0 {
		t.Error("no read ran while the writers wrote")
	}
	t.Logf("%d outcomes and %d reads in %s", int(outcomes.Load())+childOutcomes, reads.Load(), time.Since(start).Round(time.Millisecond))
}
