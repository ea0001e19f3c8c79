package director_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// networksOnly is an engine that lists networks and does nothing else:
// enough to make and take up exercises, which read only the networks.
type networksOnly struct {
	orchestrator.Runtime // nil: any other call fails the test loudly
	mu                   sync.Mutex
	nets                 []orchestrator.Network
}

func (n *networksOnly) ListNetworks(context.Context, map[string]string) ([]orchestrator.Network, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]orchestrator.Network(nil), n.nets...), nil
}

func (n *networksOnly) add(name, subnet string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nets = append(n.nets, orchestrator.Network{ID: name, Name: name, Subnet: netip.MustParsePrefix(subnet)})
}

// addOf adds a network of an exercise, made from its pool.
func (n *networksOnly) addOf(name, subnet, exercise, pool string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nets = append(n.nets, orchestrator.Network{ID: name, Name: name, Subnet: netip.MustParsePrefix(subnet), Labels: map[string]string{
		orchestrator.LabelExercise: exercise, orchestrator.LabelRole: string(orchestrator.RoleNetwork), orchestrator.LabelPool: pool,
	}})
}

func engineDirector(t *testing.T, store *scoreboard.Store, rt orchestrator.Runtime) *director.Director {
	t.Helper()
	d := director.New(store, rt, nil, director.Options{})
	t.Cleanup(d.Close)
	return d
}

// firstSubnet is the subnet of team 1's first network.
func firstSubnet(t *testing.T, x *director.Exercise) string {
	t.Helper()
	return x.Plans[0].Networks[0].Subnet.String()
}

// Exercises made on one engine get pools that do not overlap, even before
// any is deployed; a restarted server plans each with the pool it was
// given, unless something else took it before the exercise was deployed;
// an exercise made with no engine gets its pool when it is first taken up
// with one.
func TestExercisesGetPoolsOfTheirOwn(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "pools.db")
	rt := &networksOnly{}
	first := engineDirector(t, openStore(t, file), rt)
	a, diags, err := first.Create(ctx, director.Definition{Name: "a", Scenario: "water-utility", Teams: twoTeams}, "ana")
	if err != nil || a == nil {
		t.Fatalf("create a: %v %v", err, diags)
	}
	b, diags, err := first.Create(ctx, director.Definition{Name: "b", Scenario: "water-utility", Teams: twoTeams}, "ana")
	if err != nil || b == nil {
		t.Fatalf("create b: %v %v", err, diags)
	}
	// Two teams of 16 /24s each: a /19 each, a's where exercises always
	// started, b's next to it although a has no network yet.
	if got := a.Plans[0].AddressPool.String(); got != "10.160.0.0/19" || firstSubnet(t, a) != "10.160.0.0/24" {
		t.Errorf("a's pool %s, first subnet %s; want 10.160.0.0/19 and 10.160.0.0/24", got, firstSubnet(t, a))
	}
	if got := b.Plans[0].AddressPool.String(); got != "10.160.32.0/19" || firstSubnet(t, b) != "10.160.32.0/24" {
		t.Errorf("b's pool %s, first subnet %s; want 10.160.32.0/19 and 10.160.32.0/24", got, firstSubnet(t, b))
	}
	aPlans, _ := json.Marshal(a.Plans)

	// Made on paper: the default pool for now, nothing kept.
	paper := paperDirector(t, first.Store())
	c, diags, err := paper.Create(ctx, director.Definition{Name: "c", Scenario: "water-utility", Teams: twoTeams}, "ana")
	if err != nil || c == nil {
		t.Fatalf("create c: %v %v", err, diags)
	}
	if _, err := first.Store().AddressPool(ctx, "c"); !errors.Is(err, scoreboard.ErrNotFound) {
		t.Errorf("a pool was kept for an exercise made with no engine: %v", err)
	}
	first.Close()
	paper.Close()

	// Restarted: a has been deployed, and another program's networks
	// are in a's pool and in b's, which has no range yet.
	rt.addOf("cordillera-a-cl-csirt-dmz", "10.160.0.0/24", "a", "10.160.0.0/19")
	rt.add("lab", "10.160.1.0/24")
	rt.add("office", "10.160.40.0/24")
	second := engineDirector(t, openStore(t, file), rt)
	if err := second.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	a2, ok := second.Exercise("a")
	if !ok {
		t.Fatal("a was not taken up")
	}
	if after, _ := json.Marshal(a2.Plans); string(after) != string(aPlans) {
		t.Errorf("a was planned with other addresses after the restart: pool %s", a2.Plans[0].AddressPool)
	}
	// b's pool was taken before b had a range: b is given another.
	want := map[string]string{"b": "10.160.64.0/19", "c": "10.160.96.0/19"}
	for name, pool := range want {
		x, ok := second.Exercise(name)
		if !ok {
			t.Fatalf("%s was not taken up", name)
		}
		if got := x.Plans[0].AddressPool.String(); got != pool {
			t.Errorf("%s's pool %s, want %s", name, got, pool)
		}
		if kept, err := second.Store().AddressPool(ctx, name); err != nil || kept != pool {
			t.Errorf("%s's kept pool %q, %v; want %s", name, kept, err, pool)
		}
	}
	second.Close()

	// Without an engine, the kept pools still plan every exercise.
	third := paperDirector(t, openStore(t, file))
	if err := third.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	for name, pool := range want {
		if x, _ := third.Exercise(name); x == nil || x.Plans[0].AddressPool.String() != pool {
			t.Errorf("%s without an engine: %+v, want the pool %s", name, x, pool)
		}
	}
}

func TestWrittenPoolIsNotChosen(t *testing.T) {
	ctx := context.Background()
	rt := &networksOnly{}
	rt.add("other", "10.200.0.0/24") // written pools are the author's to choose
	d := engineDirector(t, openStore(t, filepath.Join(t.TempDir(), "w.db")), rt)
	src := `exercise "w" {
  scenario     = "water-utility"
  seed         = "w"
  address_pool = "10.200.0.0/16"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
}
`
	x, diags, err := d.Adopt(ctx, []byte(src), "", "test")
	if err != nil || x == nil {
		t.Fatalf("adopt: %v %v", err, diags)
	}
	if firstSubnet(t, x) != "10.200.0.0/24" || x.Plans[0].AddressPool.IsValid() {
		t.Errorf("first subnet %s, plan's pool %v; want 10.200.0.0/24 and none", firstSubnet(t, x), x.Plans[0].AddressPool)
	}
	if _, err := d.Store().AddressPool(ctx, "w"); !errors.Is(err, scoreboard.ErrNotFound) {
		t.Errorf("a written pool was kept as chosen: %v", err)
	}
}

func TestNoFreePoolIsTheInstructorsToFix(t *testing.T) {
	ctx := context.Background()
	rt := &networksOnly{}
	rt.add("everything", "10.128.0.0/9")
	d := engineDirector(t, openStore(t, filepath.Join(t.TempDir(), "n.db")), rt)
	_, _, err := d.Create(ctx, director.Definition{Name: "full", Scenario: "water-utility", Teams: twoTeams}, "ana")
	if !errors.Is(err, director.ErrInvalid) || !errors.Is(err, orchestrator.ErrNoFreePool) || !strings.Contains(err.Error(), "set address_pool") {
		t.Fatalf("create with no free pool: %v; want ErrInvalid saying to set address_pool", err)
	}
	if exs, _ := d.Store().Exercises(ctx); len(exs) != 0 {
		t.Errorf("an exercise with no pool was stored: %v", exs)
	}
}
