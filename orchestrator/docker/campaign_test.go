package docker_test

import (
	"context"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent"
	exengine "github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// campaignSpeed runs the bundled bilateral drill's ten minutes in forty
// seconds: Chile's attack falls 12 s after the start, Colombia's 24 s.
// The tool (one curl) takes well under a second, so the twelve seconds
// between them leave room to share and to act.
const campaignSpeed = 15

const campaignAttack = "defacement-default-password"

// TestCampaignAcrossTheBorder plays the bundled bilateral drill
// (scenarios/exercises/campana-binacional.hcl, scenario border-campaign)
// on the real engine: its Chilean team is attacked first; when the attack's
// verdict is in, the team shares the indicator through the engine's Share,
// the path the web's trainee page takes; one Colombian team reads the
// indicator it received and closes the hole on its portal, as a trainee
// would in its terminal, and the other does nothing. The campaign reaches
// Colombia later, by the scenario's per-team timeline: the acting partner's
// attack must be blocked, the idle partner's must succeed, the acting
// partner must score more, and the Chilean team must earn the cooperation
// points for the indicator that helped.
func TestCampaignAcrossTheBorder(t *testing.T) {
	began := time.Now()
	ctx := context.Background()
	rt := newRuntime(t)
	if _, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{}, func(string) {}); err != nil {
		t.Fatalf("bootstrap the base image: %v", err)
	}
	recipes, err := orchestrator.Recipes("../../scenarios/images")
	if err != nil {
		t.Fatal(err)
	}
	ex, sc, diags := scenarios.NewLoader().LoadExercise("../../scenarios/exercises/campana-binacional.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	first, partners := campaignTeams(t, ex)
	acting, idle := partners[0], partners[1]
	ex.Name, ex.Seed, ex.Speed = newExercise(), "campaign", campaignSpeed
	ex.AddressPool = takeWidePool(t)

	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	byTeam := map[string]*scenarios.TeamPlan{}
	for _, p := range plans {
		byTeam[p.Team.ID] = p
	}
	// The per-team timeline: the partner country is attacked later.
	firstAt, partnerAt := attackAt(t, byTeam[first], campaignAttack), attackAt(t, byTeam[acting], campaignAttack)
	if partnerAt <= firstAt || attackAt(t, byTeam[idle], campaignAttack) != partnerAt {
		t.Fatalf("attack %s at %s for %s, %s for %s and %s for %s: want the partners later, together",
			campaignAttack, firstAt, first, partnerAt, acting, attackAt(t, byTeam[idle], campaignAttack), idle)
	}

	d, err := orchestrator.NewDesired(plans, orchestrator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	buildImagesOf(t, rt, d, recipes)
	cleanupExercise(t, rt, ex.Name)
	agents := agent.NewPool(rt, agent.PoolOptions{})
	defer agents.Close()
	ready := orchestrator.NewReadiness(ctx, rt, plans, agents.Check, nil)
	defer ready.Stop()
	if _, err := orchestrator.UpTeams(ctx, rt, d, nil, ready); err != nil {
		t.Fatalf("up: %v", err)
	}
	if failing, err := ready.Wait(3 * time.Minute); err != nil {
		t.Fatalf("not ready: %v %v", err, failing)
	}
	t.Logf("%d teams up and checked in %s", len(plans), time.Since(began).Round(time.Second))

	store, err := scoreboard.Open(ctx, filepath.Join(t.TempDir(), "cordillera.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	events := make(chan scoreboard.Event, 256)
	eng, err := exengine.New(store, rt, sc, ex, plans, exengine.Options{
		Tick: 100 * time.Millisecond, AttackJitter: -1, MinRound: 5 * time.Second,
		OnEvent: func(ev scoreboard.Event) {
			if ev.Kind == scoreboard.EventAttack || ev.Kind == scoreboard.EventInject {
				t.Logf("%s %s %s", scenarios.Clock(ev.Elapsed), ev.Team, ev.Text)
			}
			select {
			case events <- ev:
			default: // the loop below reads the store, not the event
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, "test", 0); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- eng.Run(runCtx) }()

	// done waits, event by event, until the team's timeline attack has its
	// verdict, and returns it.
	done := func(team string) scoreboard.Execution {
		t.Helper()
		for {
			execs, err := store.Executions(ctx, ex.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range execs {
				if x.Team == team && x.Attack == campaignAttack && x.Trigger == scoreboard.TriggerTimeline {
					switch x.State {
					case scoreboard.ExecDone:
						return x
					case scoreboard.ExecSkipped, scoreboard.ExecMissed, scoreboard.ExecInterrupted:
						t.Fatalf("%s/%s %s: %s", team, x.Attack, x.State, x.Reason)
					}
				}
			}
			select {
			case <-events:
			case <-time.After(2 * time.Second): // an event dropped: look again
			case err := <-ran:
				t.Fatalf("the exercise ended before %s's attack was judged: %v", team, err)
			}
		}
	}

	hit := done(first)
	if hit.Outcome != scoreboard.OutcomeSucceeded {
		t.Fatalf("%s's attack: %s, want succeeded (nobody defended)\n%s\n%s", first, hit.Outcome, hit.Reason, tail(hit.Output, 800))
	}
	// The Chilean team read its access log: the defacement came through
	// the admin panel. It shares the URL, naming the attack (its report
	// matched it) and the account in the description.
	ind, err := eng.Share(ctx, scoreboard.SharedIndicator{
		Team: first, Kind: scoreboard.IndicatorURL,
		Value:       "http://" + byTeam[first].Hosts[0].Address().String() + "/admin/avisos.php",
		Attack:      campaignAttack,
		Techniques:  []string{"T1078.001"},
		Description: "Colectivo Quimera publica avisos con la cuenta admin y la clave de fábrica del panel. Cambien la clave de /admin/.",
	})
	if err != nil {
		t.Fatalf("share: %v", err)
	}
	t.Logf("%s shared indicator %d (%s %s) at %s", first, ind.ID, ind.Kind, ind.Value, scenarios.Clock(ind.Elapsed))

	// Both partners received it; one acts on it.
	for _, team := range partners {
		got, err := store.IndicatorsFor(ctx, ex.Name, team)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Received) != 1 || got.Received[0].ID != ind.ID {
			t.Fatalf("%s received %+v, want the indicator %d of %s", team, got.Received, ind.ID, first)
		}
		if team != acting {
			continue
		}
		u, err := url.Parse(got.Received[0].Value)
		if err != nil || !strings.HasPrefix(u.Path, "/admin/") {
			t.Fatalf("received indicator %q: not the admin panel's URL (%v)", got.Received[0].Value, err)
		}
		// The admin panel is the hole: its password is rotated on the
		// team's own portal.
		portal := idOf(t, rt, ex.Name, team, orchestrator.RoleHost, "portal")
		out, code := run(t, rt, portal, "htpasswd", "-bB", "/etc/apache2/portal-admin.htpasswd", "admin", "Cambiada-"+team+"-2026")
		if code != 0 {
			t.Fatalf("%s: htpasswd exit %d\n%s", team, code, out)
		}
		m, err := eng.Playing(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if at := m.Elapsed(time.Now()); at >= partnerAt {
			t.Fatalf("%s acted at %s, not before its attack at %s: the drill's speed leaves too little time", team, scenarios.Clock(at), scenarios.Clock(partnerAt))
		}
	}

	outcomes := map[string]scoreboard.Execution{}
	for _, team := range partners {
		outcomes[team] = done(team)
	}
	if err := eng.End(ctx, "test", "both partners were attacked"); err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatalf("run: %v", err)
	}

	if x := outcomes[acting]; x.Outcome != scoreboard.OutcomeBlocked {
		t.Errorf("%s acted on the indicator, and its attack %s: %s, want blocked\n%s\n%s", acting, x.Attack, x.Outcome, x.Reason, tail(x.Output, 800))
	}
	if x := outcomes[idle]; x.Outcome != scoreboard.OutcomeSucceeded {
		t.Errorf("%s did nothing, and its attack %s: %s, want succeeded\n%s\n%s", idle, x.Attack, x.Outcome, x.Reason, tail(x.Output, 800))
	}
	for _, team := range partners {
		if x := outcomes[team]; x.Started.Elapsed <= hit.Ended.Elapsed || x.Started.Elapsed < partnerAt {
			t.Errorf("%s was attacked at %s, %s at %s: the campaign must reach the partner later, at %s",
				first, scenarios.Clock(hit.Started.Elapsed), team, scenarios.Clock(x.Started.Elapsed), scenarios.Clock(partnerAt))
		}
	}

	st, err := store.Standings(ctx, ex.Name, scoreboard.Live)
	if err != nil {
		t.Fatal(err)
	}
	score := map[string]scoreboard.TeamStanding{}
	for _, ts := range st.Teams {
		score[ts.Team.ID] = ts
		t.Logf("team %s (%s): %d points %v", ts.Team.ID, ts.Team.Country, ts.Total, ts.Categories)
	}
	if a, i := score[acting], score[idle]; a.Total <= i.Total {
		t.Errorf("%s acted on the indicator and scored %d, %s did nothing and scored %d: acting must score more", acting, a.Total, idle, i.Total)
	}
	if got, want := score[first].Categories[scenarios.CategoryCooperation], sc.Scoring.Cooperation.Shared; got != want {
		t.Errorf("%s's cooperation points: %d, want %d, once, for the indicator that helped %s block the attack", first, got, want, acting)
	}
	if err := store.VerifyTotals(ctx, ex.Name); err != nil {
		t.Error(err)
	}
	t.Logf("wall time %s", time.Since(began).Round(time.Second))
}

// campaignTeams is the drill's first country's team and, after it, the
// partner country's: at least one Chilean and two Colombian teams.
func campaignTeams(t *testing.T, ex *scenarios.Exercise) (first string, partners []string) {
	t.Helper()
	for _, team := range ex.Teams {
		switch team.Country {
		case "CL":
			if first == "" {
				first = team.ID
			}
		case "CO":
			partners = append(partners, team.ID)
		}
	}
	if first == "" || len(partners) < 2 {
		t.Fatalf("exercise %s has %d teams; the campaign needs one from CL and two from CO", ex.Name, len(ex.Teams))
	}
	return first, partners[:2]
}

func attackAt(t *testing.T, p *scenarios.TeamPlan, attack string) time.Duration {
	t.Helper()
	for _, a := range p.Attacks {
		if a.Name == attack {
			if a.After != "" {
				t.Fatalf("attack %s waits on %s; the campaign test wants it at a time", attack, a.After)
			}
			return time.Duration(a.At)
		}
	}
	t.Fatalf("team %s has no attack %s", p.Team.ID, attack)
	return 0
}

// takeWidePool lends the test a /18 of the tests' /16, two neighbouring
// /19s of takePool's, room for three or four teams, until it ends.
func takeWidePool(t *testing.T) string {
	poolMu.Lock()
	defer poolMu.Unlock()
	for k := 0; k+1 < len(poolsInUse); k += 2 {
		if poolsInUse[k] || poolsInUse[k+1] {
			continue
		}
		poolsInUse[k], poolsInUse[k+1] = true, true
		t.Cleanup(func() {
			poolMu.Lock()
			defer poolMu.Unlock()
			poolsInUse[k], poolsInUse[k+1] = false, false
		})
		a := poolBase.Addr().As4()
		a[2] = byte(k * 32)
		return netip.PrefixFrom(netip.AddrFrom4(a), 18).String()
	}
	t.Fatal("no two neighbouring test address pools are free")
	return ""
}
