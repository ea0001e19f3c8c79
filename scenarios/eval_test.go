package scenarios

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func loadFixture(t *testing.T, dir string) *Scenario {
	t.Helper()
	sc, diags := NewLoader().LoadScenario(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return sc
}

func TestSecretsArePerTeamStableAndReproducible(t *testing.T) {
	k1 := TeamKey("seed", "ex", "team-1")
	k2 := TeamKey("seed", "ex", "team-2")
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"same team and label", Secret(k1, "db"), Secret(TeamKey("seed", "ex", "team-1"), "db"), true},
		{"other team", Secret(k1, "db"), Secret(k2, "db"), false},
		{"other label", Secret(k1, "db"), Secret(k1, "web"), false},
		{"other seed", Secret(k1, "db"), Secret(TeamKey("seed2", "ex", "team-1"), "db"), false},
		{"other exercise", Secret(k1, "db"), Secret(TeamKey("seed", "ex2", "team-1"), "db"), false},
	}
	for _, tt := range tests {
		if (tt.a == tt.b) != tt.same {
			t.Errorf("%s: %q vs %q, same = %v, want %v", tt.name, tt.a, tt.b, tt.a == tt.b, tt.same)
		}
	}
	s := Secret(k1, "db")
	if len(s) != 16 || strings.ContainsAny(s, "0O1lI") {
		t.Errorf("secret %q: want 16 characters without look-alikes", s)
	}
	if w := WeakSecret(k1, "ssh"); !slices.Contains(WeakPasswords(), w) {
		t.Errorf("weak secret %q is not in the attacker's wordlist", w)
	}
}

func TestAddressing(t *testing.T) {
	sc := loadFixture(t, "testdata/valid/complete")
	ex := SampleExercise(3)
	plans, diags := Plan(sc, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p3 := plans[2]
	tests := []struct {
		what string
		got  string
		want string
	}{
		{"auto subnet of team 3's first network", p3.Networks[0].Subnet.String(), "10.160.32.0/24"},
		{"auto subnet of team 3's second auto network", p3.Networks[2].Subnet.String(), "10.160.33.0/24"},
		{"team.index subnet", p3.Networks[1].Subnet.String(), "10.77.3.0/24"},
		{"gateway", p3.Networks[0].Gateway.String(), "10.160.32.1"},
		{"first host", p3.Hosts[0].Address().String(), "10.160.32.10"},
		{"second host on the same network", p3.Hosts[1].Address().String(), "10.160.32.11"},
		{"second host on its second network", p3.Hosts[1].Networks[1].Address.String(), "10.77.3.10"},
		{"attacker", p3.Attackers[0].Address().String(), "10.160.32.100"},
		{"scorebot", p3.Scorebot.Networks[0].Address.String(), "10.160.32.200"},
		{"attack target address", p3.Attacks[0].TargetAddress.String(), "10.160.32.10"},
		{"check address", p3.Hosts[0].Services[0].Check.Address.String(), "10.160.32.10"},
		{"env referring to another host", p3.Hosts[0].Env["DB_HOST"], "10.160.32.11"},
		{"challenge answer", p3.Challenges[0].Answers[0], "10.160.32.100"},
		{"command check", strings.Join(p3.Hosts[1].Services[0].Check.Command.Run, " "), "pg_isready -h 10.77.3.10"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.what, tt.got, tt.want)
		}
	}
	// No two teams share an address.
	seen := map[netip.Addr]string{}
	for _, p := range plans {
		for _, h := range p.Hosts {
			for _, a := range h.Networks {
				if prev, dup := seen[a.Address]; dup {
					t.Errorf("%s of %s has the address of %s", h.Name, p.Team.ID, prev)
				}
				seen[a.Address] = p.Team.ID + "/" + h.Name
			}
		}
	}
}

func TestAddressPoolTooSmall(t *testing.T) {
	sc := loadFixture(t, "testdata/valid/minimal")
	ex := SampleExercise(3)
	ex.AddressPool = "10.1.0.0/20" // room for one team of 16 /24s
	_, diags := Plan(sc, ex)
	if !diags.HasErrors() || diags[0].Summary != "Address pool too small" {
		t.Fatalf("want \"Address pool too small\", got %v", diags)
	}
	if !strings.Contains(diags[0].Detail, "holds 1 teams") {
		t.Errorf("detail does not say how many teams fit: %s", diags[0].Detail)
	}
}

func TestForRunReplacesPlaceholders(t *testing.T) {
	sc := loadFixture(t, "testdata/valid/complete")
	plans, diags := Plan(sc, SampleExercise(1))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	spray := plans[0].Attacks[1]
	run := spray.ForRun("run-42", "n0nce")
	if got := run.Success.Probes[0].Command[2]; got != "/tmp/pwned-run-42" {
		t.Errorf("probe command = %q", got)
	}
	if got := run.Success.HTTP[0].URL; !strings.HasSuffix(got, "nonce=n0nce") {
		t.Errorf("http probe url = %q", got)
	}
	if spray.Success.Probes[0].Command[2] != "/tmp/pwned-"+RunIDPlaceholder {
		t.Errorf("ForRun changed the plan it was called on: %q", spray.Success.Probes[0].Command[2])
	}
}

func TestTimelineOrdersChainedAttacks(t *testing.T) {
	sc := loadFixture(t, "testdata/valid/complete")
	plans, _ := Plan(sc, SampleExercise(1))
	var got []string
	for _, e := range plans[0].Timeline() {
		got = append(got, fmt.Sprintf("%s %s", Clock(time.Duration(e.At)), e.Name))
	}
	want := []string{"00:05:00 recon", "00:07:00 spray", "00:30:00 press", "00:45:00 ministry-cl"}
	if !slices.Equal(got, want) {
		t.Errorf("timeline = %q, want %q", got, want)
	}
}

func TestCleanRelative(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"injects/a.md", "injects/a.md", true},
		{"./injects/../a.md", "a.md", true},
		{"../a.md", "", false},
		{"injects/../../a.md", "", false},
		{"/etc/passwd", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := cleanRelative(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("cleanRelative(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestHumanAndClock(t *testing.T) {
	tests := []struct {
		d            time.Duration
		human, clock string
	}{
		{20 * time.Minute, "20m", "00:20:00"},
		{90 * time.Minute, "1h30m", "01:30:00"},
		{2 * time.Hour, "2h", "02:00:00"},
		{90 * time.Second, "1m30s", "00:01:30"},
	}
	for _, tt := range tests {
		if got := Human(tt.d); got != tt.human {
			t.Errorf("Human(%v) = %q, want %q", tt.d, got, tt.human)
		}
		if got := Clock(tt.d); got != tt.clock {
			t.Errorf("Clock(%v) = %q, want %q", tt.d, got, tt.clock)
		}
	}
}

func TestScoringDefaultsAndOverrides(t *testing.T) {
	def := loadFixture(t, "testdata/valid/minimal").Scoring
	if def.Attack.Succeeded != DefaultScoring().Attack.Succeeded || def.Weight(CategoryDefense) != 1 {
		t.Errorf("a scenario without scoring does not get the defaults: %+v", def)
	}
	s := loadFixture(t, "testdata/valid/complete").Scoring
	if s.Availability.SLAPenalty != 7 || s.Detection.Window != 20*time.Minute || s.Weight(CategoryDetection) != 2 ||
		s.Weight(CategoryDefense) != 1 || s.CountryStanding != "mean" || s.Penalties.Hint != 8 {
		t.Errorf("overrides not applied: %+v", s)
	}
	plans, _ := Plan(loadFixture(t, "testdata/valid/complete"), SampleExercise(1))
	hints := plans[0].Challenges[0].Hints
	if hints[0].Cost != 8 || hints[1].Cost != 15 {
		t.Errorf("hint costs = %d, %d; want the scenario's default 8 and the hint's own 15", hints[0].Cost, hints[1].Cost)
	}
}

// TestGoldenPlans compares the text and JSON plans of every valid fixture
// and bundled scenario with testdata/golden. Run with -update to refresh.
func TestGoldenPlans(t *testing.T) {
	type source struct {
		name string
		load func() (*Scenario, error)
	}
	var sources []source
	for _, dir := range []string{"testdata/valid/minimal", "testdata/valid/complete"} {
		sources = append(sources, source{filepath.Base(dir), func() (*Scenario, error) {
			sc, diags := NewLoader().LoadScenario(dir)
			if diags.HasErrors() {
				return nil, diags
			}
			return sc, nil
		}})
	}
	for _, name := range LibraryNames() {
		sources = append(sources, source{"library-" + name, func() (*Scenario, error) {
			sc, diags := NewLoader().LoadScenarioFS(Library(), name, "library/"+name)
			if diags.HasErrors() {
				return nil, diags
			}
			return sc, nil
		}})
	}
	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) {
			sc, err := s.load()
			if err != nil {
				t.Fatal(err)
			}
			ex := SampleExercise(2)
			ex.Seed = "golden"
			plans, diags := Plan(sc, ex)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var text strings.Builder
			for _, p := range plans {
				text.WriteString(p.String())
			}
			js, err := json.MarshalIndent(plans, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, s.name+".plan", text.String())
			golden(t, s.name+".plan.json", string(js)+"\n")
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scenarios -run TestGoldenPlans -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run with -update.\ngot:\n%s", path, got)
	}
}
