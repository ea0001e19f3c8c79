package docker

import (
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/swarm"

	"github.com/cordillera-range/cordillera/orchestrator"
)

func TestEngineRange(t *testing.T) {
	for _, tt := range []struct{ subnet, want string }{
		{"10.160.0.0/24", "10.160.0.224/27"},
		{"10.20.0.0/16", "10.20.255.224/27"},
		{"192.168.7.0/27", "192.168.7.0/27"},
	} {
		if got := engineRange(netip.MustParsePrefix(tt.subnet)).String(); got != tt.want {
			t.Errorf("engineRange(%s) = %s, want %s", tt.subnet, got, tt.want)
		}
	}
}

const gib = 1 << 30

func ready(id string, memory int64) node {
	return node{id: id, name: id, state: "ready", avail: "active", engine: "tcp://" + id + ":2375", cpus: 2, memory: memory}
}

// teamSpecs is a team of hosts with the memory given, in MiB.
func teamSpecs(team string, mib ...int64) []orchestrator.ContainerSpec {
	var out []orchestrator.ContainerSpec
	for i, m := range mib {
		out = append(out, orchestrator.ContainerSpec{
			Labels: map[string]string{orchestrator.LabelTeam: team, orchestrator.LabelRole: "host", orchestrator.LabelName: string(rune('a' + i))},
			Memory: m << 20, CPUs: 0.5,
		})
	}
	return out
}

func TestRoomPlacesWholeTeamsOnTheLeastLoadedNode(t *testing.T) {
	r := newRoom([]node{ready("n1", 4*gib), ready("n2", 4*gib), ready("n3", 8*gib)}, nil, "")
	var got []string
	for _, team := range []string{"a", "b", "c", "d"} {
		rec, err := r.place("ex", team, teamSpecs(team, 512, 512, 1024))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.spread) != 0 || len(rec.memory) != 1 || rec.memory[rec.node] != 2*gib {
			t.Fatalf("team %s: %+v; want it whole on one node with 2 GiB reserved", team, rec)
		}
		got = append(got, rec.node)
	}
	// n3 is the emptiest by share of memory first, then the three are even.
	if want := "n3 n1 n2 n3"; strings.Join(got, " ") != want {
		t.Errorf("nodes %q, want %q", got, want)
	}
}

func TestRoomCountsWhatIsPlacedAlready(t *testing.T) {
	old := record{exercise: "other", team: "x", node: "n1", memory: map[string]int64{"n1": 3 * gib}, cpus: map[string]float64{"n1": 1}}
	r := newRoom([]node{ready("n1", 4*gib), ready("n2", 4*gib)}, []record{old}, "")
	rec, err := r.place("ex", "a", teamSpecs("a", 512))
	if err != nil || rec.node != "n2" {
		t.Errorf("placed on %q, %v; want n2, since another exercise's team holds most of n1", rec.node, err)
	}
}

func TestRoomSpreadsATeamNoNodeHoldsWhole(t *testing.T) {
	r := newRoom([]node{ready("n1", 2*gib), ready("n2", 2*gib)}, nil, "")
	rec, err := r.place("ex", "big", teamSpecs("big", 1536, 1024, 512))
	if err != nil {
		t.Fatal(err)
	}
	// The 1.5 GiB host on one node, the 1 GiB on the other, the 0.5 GiB on
	// the one with more room left (the second).
	if rec.memory["n1"]+rec.memory["n2"] != 3*gib || len(rec.spread) == 0 {
		t.Fatalf("spread %+v memory %v", rec.spread, rec.memory)
	}
	for k, n := range rec.spread {
		if n == rec.node {
			t.Errorf("%s is listed as spread on the team's own node", k)
		}
	}
	a := rec.nodeOf(orchestrator.Key{Role: "host", Name: "a"})
	b := rec.nodeOf(orchestrator.Key{Role: "host", Name: "b"})
	c := rec.nodeOf(orchestrator.Key{Role: "host", Name: "c"})
	if a == b || b != c {
		t.Errorf("hosts on %s, %s, %s; want a alone, b and c together", a, b, c)
	}
}

func TestRoomRefusesWhatFitsNowhere(t *testing.T) {
	r := newRoom([]node{ready("n1", 1*gib)}, nil, "")
	_, err := r.place("ex", "huge", teamSpecs("huge", 2048))
	if err == nil || !strings.Contains(err.Error(), `team "huge" does not fit`) || !strings.Contains(err.Error(), "2.0 GiB") {
		t.Errorf("error %v; want it to say the team does not fit and what its host declares", err)
	}
}

func TestRoomSaysWhyNoNodeTakesTeams(t *testing.T) {
	drained := ready("n1", 4*gib)
	drained.avail = "drain"
	down := ready("n2", 4*gib)
	down.state = "down"
	kept := ready("n3", 4*gib)
	kept.labels = map[string]string{LabelRange: "false"}
	unlabelled := ready("n4", 4*gib)
	unlabelled.engine = ""
	r := newRoom([]node{drained, down, kept, unlabelled}, nil, "")
	_, err := r.place("ex", "a", teamSpecs("a", 256))
	for _, want := range []string{"n1: its availability is drain", "n2: it is down", "n3: cordillera.range=false", "n4: Cordillera cannot reach its engine: label it with docker node update --label-add cordillera.engine="} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v; want it to say %q", err, want)
		}
	}
	// The manager Cordillera speaks to needs no label.
	r = newRoom([]node{unlabelled}, nil, "n4")
	if rec, err := r.place("ex", "a", teamSpecs("a", 256)); err != nil || rec.node != "n4" {
		t.Errorf("on the manager itself: %+v, %v", rec, err)
	}
}

func TestRecordLabelsRoundTrip(t *testing.T) {
	r := record{
		exercise: "andes", team: "cl-1", node: "n1",
		spread: map[string]string{"host.db": "n2"},
		memory: map[string]int64{"n1": 3 * gib, "n2": gib}, cpus: map[string]float64{"n1": 1.5, "n2": 0.25},
	}
	back := recordOf(swarmConfig(r.labels()))
	if back.exercise != r.exercise || back.team != r.team || back.node != r.node ||
		!maps.Equal(back.spread, r.spread) || !maps.Equal(back.memory, r.memory) || !maps.Equal(back.cpus, r.cpus) {
		t.Errorf("round trip: %+v, want %+v", back, r)
	}
	if got := strings.Join(back.nodes(), " "); got != "n1 n2" {
		t.Errorf("nodes %q", got)
	}
}

func swarmConfig(labels map[string]string) swarm.Config {
	return swarm.Config{Spec: swarm.ConfigSpec{Annotations: swarm.Annotations{Labels: labels}}}
}
