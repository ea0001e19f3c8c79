package scoreboard_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Recording an attack run's verdict scores it once, and every point comes
// with its explanation.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "scoreboard-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := scoreboard.Open(ctx, filepath.Join(dir, "cordillera.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.CreateExercise(ctx, scoreboard.Exercise{Name: "andes-2026-q4", Scenario: "water-utility", Scoring: scenarios.DefaultScoring()},
		[]scoreboard.Team{{ID: "cl-csirt", Name: "CSIRT Chile", Country: "CL"}, {ID: "co-colcert", Name: "colCERT", Country: "CO"}})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)
	moment := func(d time.Duration) scoreboard.Moment { return scoreboard.Moment{At: start.Add(d), Elapsed: d} }
	run := scoreboard.AttackRun{
		ID: "portal-bruteforce/cl-csirt/1", Exercise: "andes-2026-q4", Team: "cl-csirt",
		Attack: "portal-bruteforce", Techniques: []string{"T1110.003"}, Target: "portal",
		Verdict: scoreboard.VerdictSucceeded, Evidence: "1 valid password found",
		Started: moment(10 * time.Minute), Ended: moment(12*time.Minute + 40*time.Second),
	}
	recorded, err := s.RecordAttackRun(ctx, run)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range recorded.Entries {
		fmt.Println(e)
	}
	// The engine may replay outcomes after a restart: nothing is scored twice.
	_, err = s.RecordAttackRun(ctx, run)
	fmt.Println(errors.Is(err, scoreboard.ErrDuplicate))

	board := func() {
		st, err := s.Standings(ctx, "andes-2026-q4", scoreboard.Public)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range st.Teams {
			fmt.Println(t.Rank, t.Team.Name, t.Total)
		}
	}
	// The teams do not learn the outcome while they could still report
	// the attack: the public board shows it once the detection window (30
	// minutes from the attack's start, by default) has closed.
	board()
	evs, err := s.RevealDue(ctx, "andes-2026-q4", moment(40*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(evs[0].Audience, evs[0].Team+":", evs[0].Text)
	board()
	// Output:
	// −100: attack portal-bruteforce succeeded at 00:12:40 against portal
	// true
	// 1 CSIRT Chile 0
	// 1 colCERT 0
	// team cl-csirt: attack "portal-bruteforce" against portal (T1110.003) at 00:10:00 succeeded: −100 defense. It is shown now that its detection window has closed.
	// 1 colCERT 0
	// 2 CSIRT Chile -100
}
