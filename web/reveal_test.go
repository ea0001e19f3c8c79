package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestTeamsLearnAnAttackAfterItsWindow: while an attack's detection window
// is open, neither its team's page, its breakdown API nor the public board
// shows the outcome, its points or the evidence; the staff see them at
// once. Once the window has closed, the team and the public board do.
func TestTeamsLearnAnAttackAfterItsWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour)
	at := func(d time.Duration) scoreboard.Moment { return scoreboard.Moment{At: t0.Add(d), Elapsed: d} }
	if _, err := f.store.RecordAttackRun(ctx, scoreboard.AttackRun{
		ID: "cr-0123456789ab", Exercise: "ex", Team: "cl1", Attack: "portal-bruteforce", Techniques: []string{"T1110.003"},
		Target: "portal", Verdict: scoreboard.VerdictSucceeded, Evidence: "✓ output matches /1 valid password found/",
		Started: at(10 * time.Minute), Ended: at(12 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []scoreboard.Event{
		{Team: "cl1", Kind: scoreboard.EventAttack, Audience: scoreboard.AudienceStaff, Moment: at(12 * time.Minute),
			Text: `attack "portal-bruteforce" succeeded: ✓ output matches /1 valid password found/`},
		{Team: "cl1", Kind: scoreboard.EventEngine, Audience: scoreboard.AudienceTeam, Moment: at(13 * time.Minute),
			Text: "ines reset host portal of team cl1."},
	} {
		if _, err := f.store.AddEvent(ctx, "ex", ev); err != nil {
			t.Fatal(err)
		}
	}
	ana, ines, visitor := f.signedIn("ana"), f.signedIn("ines"), f.client()
	secrets := []string{"portal-bruteforce", "valid password", "−100", "-100"}
	hidden := func(what string, res response) {
		t.Helper()
		expect(t, res, http.StatusOK)
		for _, s := range secrets {
			if strings.Contains(res.body, s) {
				t.Errorf("%s shows %q while the window is open", what, s)
			}
		}
	}
	hidden("the team's page", ana.get("/team/ex/cl1"))
	hidden("the team's breakdown", ana.get("/api/v1/exercises/ex/teams/cl1/breakdown"))
	hidden("the public board", visitor.get("/scoreboard/ex"))
	hidden("the public standings", visitor.get("/api/v1/exercises/ex/standings"))
	if res := visitor.get("/scoreboard/ex"); strings.Contains(res.body, "reset host") {
		t.Errorf("the public board tells everyone of a team's host reset")
	}
	expect(t, ana.get("/team/ex/cl1"), http.StatusOK, "ines reset host portal")
	expect(t, ines.get("/team/ex/cl1"), http.StatusOK, "portal-bruteforce", "not shown to the team yet")
	expect(t, ines.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusOK, `"pending":true`, "-100")

	if _, err := f.store.RevealDue(ctx, "ex", at(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	page := ana.get("/team/ex/cl1")
	expect(t, page, http.StatusOK, `attack &#34;portal-bruteforce&#34; against portal (T1110.003) at 00:10:00 succeeded: −100 defense`, "-100")
	if strings.Contains(page.body, "valid password") {
		t.Errorf("the team's page shows the attack's evidence after the window")
	}
	expect(t, ana.get("/api/v1/exercises/ex/teams/cl1/breakdown"), http.StatusOK, "portal-bruteforce", "-100")
	expect(t, visitor.get("/api/v1/exercises/ex/standings"), http.StatusOK, "-100")
}
