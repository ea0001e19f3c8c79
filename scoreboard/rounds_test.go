package scoreboard

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// TestRecordRoundScoresAsCheckByCheck records the same rounds in two
// stores, check by check and round by round: the ledgers agree, a round
// recorded again writes nothing, and a round with a stranger's check
// writes nothing at all.
func TestRecordRoundScoresAsCheckByCheck(t *testing.T) {
	ctx := context.Background()
	byCheck := newExercise(t, scenarios.DefaultScoring())
	byRound := newExercise(t, scenarios.DefaultScoring())
	services := []string{"http", "ssh", "dns"}
	round := func(n int) []CheckResult {
		var rs []CheckResult
		for i, svc := range services {
			// ssh goes down from round 2 on, long enough for the SLA.
			up := !(svc == "ssh" && n >= 2) && !(svc == "dns" && n == 3)
			rs = append(rs, CheckResult{Exercise: "ex", Team: "cl1", Host: "portal", Service: svc, Round: n, Up: up,
				Detail: fmt.Sprintf("round %d", n), Moment: at(time.Duration(n)*30*time.Second + time.Duration(i)*time.Millisecond)})
		}
		return rs
	}
	for n := 1; n <= 8; n++ {
		for _, c := range round(n) {
			ok(t)(byCheck.RecordCheck(ctx, c))
		}
		out, recorded, err := byRound.RecordRound(ctx, "ex", "cl1", n, round(n))
		if err != nil || recorded != len(services) {
			t.Fatalf("round %d: recorded %d, %v", n, recorded, err)
		}
		if len(out.Entries) == 0 {
			t.Fatalf("round %d wrote no entry", n)
		}
	}
	// A replay after a crash records nothing twice.
	if out, recorded, err := byRound.RecordRound(ctx, "ex", "cl1", 8, round(8)); err != nil || recorded != 0 || len(out.Entries) != 0 {
		t.Errorf("round 8 again: recorded %d with %d entries, %v; want nothing", recorded, len(out.Entries), err)
	}
	a, b := ledgerEntries(t, byCheck), ledgerEntries(t, byRound)
	if len(a) != len(b) {
		t.Fatalf("%d entries check by check, %d round by round", len(a), len(b))
	}
	for i := range a {
		if a[i].Points != b[i].Points || a[i].Category != b[i].Category || a[i].Cause != b[i].Cause {
			t.Errorf("entry %d: %+v check by check, %+v round by round", i, a[i], b[i])
		}
	}
	verify(t, byRound)

	// A round is whole or nothing.
	bad := round(9)
	bad[2].Team = "cl2"
	if _, _, err := byRound.RecordRound(ctx, "ex", "cl1", 9, bad); err == nil {
		t.Error("a round carrying another team's check was recorded")
	}
	bad = round(9)
	bad[2].Host = ""
	if _, _, err := byRound.RecordRound(ctx, "ex", "cl1", 9, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("a check without a host: %v, want ErrInvalid", err)
	}
	last, err := byRound.LastRounds(ctx, "ex")
	if err != nil || last["cl1"].Number != 8 {
		t.Errorf("last round %+v (%v): a refused round left something behind", last, err)
	}
}
