package orchestrator_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

func TestNewDesiredSpecs(t *testing.T) {
	d := desired(t, teamPlans())
	if d.Exercise != "ex" || len(d.Networks) != 4 || len(d.Containers) != 8 {
		t.Fatalf("exercise %q with %d networks and %d containers, want ex, 4 and 8", d.Exercise, len(d.Networks), len(d.Containers))
	}

	dmz := d.Networks[0]
	if dmz.Name != "cordillera-ex-team-1-dmz" || dmz.Subnet != netip.MustParsePrefix("10.160.0.0/24") ||
		dmz.Gateway != netip.MustParseAddr("10.160.0.1") || dmz.Internet {
		t.Errorf("dmz network: %+v", dmz)
	}

	portal, ok := d.Container(orchestrator.Key{Team: "team-1", Role: orchestrator.RoleHost, Name: "portal"})
	if !ok {
		t.Fatal("no spec for team-1's portal")
	}
	hash := portal.Labels[orchestrator.LabelConfigHash]
	if len(hash) != 16 {
		t.Errorf("config hash %q, want 16 hex digits", hash)
	}
	want := orchestrator.ContainerSpec{
		Name:     "cordillera-ex-team-1-portal",
		Hostname: "portal",
		Image:    "cordillera/target-web:1",
		Labels: map[string]string{
			orchestrator.LabelExercise: "ex", orchestrator.LabelTeam: "team-1", orchestrator.LabelRole: "host",
			orchestrator.LabelName: "portal", orchestrator.LabelConfigHash: hash,
		},
		Env: map[string]string{"ADMIN_PASSWORD": "Operador1"},
		Networks: []orchestrator.Attachment{
			{Network: "cordillera-ex-team-1-dmz", Address: netip.MustParseAddr("10.160.0.10"), Aliases: []string{"portal"}},
		},
		Memory: 256 << 20, CPUs: 0.5, Pids: 256,
		CapAdd: []string{"NET_ADMIN"},
	}
	if !reflect.DeepEqual(portal, want) {
		t.Errorf("portal spec:\n%+v\nwant:\n%+v", portal, want)
	}

	// Attackers and the scorebot name no limits; they get the defaults, and
	// no capability.
	bot, _ := d.Container(orchestrator.Key{Team: "team-2", Role: orchestrator.RoleScorebot, Name: "scorebot"})
	if bot.Image != orchestrator.DefaultScorebotImage || bot.Memory != scenarios.DefaultMemory ||
		bot.Pids != scenarios.DefaultPids || bot.CPUs != scenarios.DefaultCPUs || len(bot.CapAdd) != 0 || len(bot.Networks) != 2 {
		t.Errorf("scorebot spec: %+v", bot)
	}
	d2, err := orchestrator.NewDesired(teamPlans(), orchestrator.Options{ScorebotImage: "example/bot:2"})
	if err != nil {
		t.Fatal(err)
	}
	if bot2, _ := d2.Container(orchestrator.KeyOf(bot.Labels)); bot2.Image != "example/bot:2" {
		t.Errorf("scorebot image %q, want the one in the options", bot2.Image)
	}
}

func TestNewDesiredConfigHash(t *testing.T) {
	hashes := func(plans []*scenarios.TeamPlan) map[orchestrator.Key]string {
		out := map[orchestrator.Key]string{}
		for _, c := range desired(t, plans).Containers {
			out[orchestrator.KeyOf(c.Labels)] = c.Labels[orchestrator.LabelConfigHash]
		}
		return out
	}
	before := hashes(teamPlans())
	if again := hashes(teamPlans()); !reflect.DeepEqual(before, again) {
		t.Fatalf("hashes of the same plans differ:\n%v\n%v", before, again)
	}
	plans := teamPlans()
	plans[0].Hosts[1].Command = []string{"plc", "--verbose"}
	after := hashes(plans)
	for k, h := range before {
		changed := after[k] != h
		if want := k == (orchestrator.Key{Team: "team-1", Role: orchestrator.RoleHost, Name: "plc"}); changed != want {
			t.Errorf("%v: hash changed = %v, want %v", k, changed, want)
		}
	}
}

func TestNewDesiredErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(plans []*scenarios.TeamPlan) []*scenarios.TeamPlan
		want   []string
	}{
		{
			name:   "no plans",
			change: func([]*scenarios.TeamPlan) []*scenarios.TeamPlan { return nil },
			want:   []string{"no team plans"},
		},
		{
			name: "missing plan",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				return append(p, nil)
			},
			want: []string{"team plan 3 is missing"},
		},
		{
			name: "two exercises",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[1].Exercise = "other"
				return p
			},
			want: []string{`team "team-2" is in exercise "other", not "ex"`},
		},
		{
			name: "team twice",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[1].Team.ID = "team-1"
				return p
			},
			want: []string{`team "team-1" is planned twice`},
		},
		{
			name: "built image without its files, said once for both teams",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				for _, t := range p {
					t.Hosts[0].Image = ""
					t.Hosts[0].Build = &scenarios.Build{Context: "images/target-web", Dockerfile: "Dockerfile"}
				}
				return p
			},
			want: []string{"host \"portal\": built from images/target-web, but the plan does not carry the scenario's files: plan the exercise from its scenario folder"},
		},
		{
			name: "host and attacker of one name",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Attackers[0].Name = "portal"
				return p
			},
			want: []string{`team "team-1": host "portal" and attacker "portal" would both be the container "cordillera-ex-team-1-portal": rename one`},
		},
		{
			name: "every capability",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Hosts[1].Capabilities = []string{"ALL"}
				return p
			},
			want: []string{`host "plc": capability "ALL" is not allowed: ALL would give back every capability that Cordillera drops`},
		},
		{
			// Docker would read CAP_SYS_ADMIN as SYS_ADMIN, and the host's
			// clock is every team's.
			name: "capabilities off the allow-list",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Hosts[1].Capabilities = []string{"CAP_SYS_ADMIN"}
				p[0].Attackers[0].Capabilities = []string{"NET_RAW", "SYS_TIME", "net_admin"}
				return p
			},
			want: []string{
				`host "plc": capability "CAP_SYS_ADMIN" is not allowed: SYS_ADMIN allows mounting file systems, making namespaces and most of what root can do on the machine, and is the usual way out of a container`,
				"attacker \"red\": capability \"SYS_TIME\" is not allowed: SYS_TIME sets the clock of the machine, which containers share: it would change the time of every team, of the scorebot and of the score ledger\n" +
					`capability "net_admin" is not allowed: a container spec names a capability as the kernel does, "NET_ADMIN"`,
			},
		},
		{
			name: "host on no network",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Hosts[1].Networks = nil
				return p
			},
			want: []string{`team "team-1" host "plc" is on no network`},
		},
		{
			name: "address outside its network",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Attackers[0].Networks[0].Address = netip.MustParseAddr("10.9.9.9")
				p[0].Scorebot.Networks[0].Network = "lan"
				return p
			},
			want: []string{
				`team "team-1" attacker "red": address 10.9.9.9 is not a host address of network "dmz" (10.160.0.0/24)`,
				`team "team-1" scorebot "scorebot": network "lan" is not one of the team's`,
			},
		},
		{
			name: "network twice",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[1].Networks[1].Name = "dmz"
				return p
			},
			want: []string{`team "team-2" network "dmz" is planned twice`},
		},
		{
			name: "invalid subnet",
			change: func(p []*scenarios.TeamPlan) []*scenarios.TeamPlan {
				p[0].Networks[0].Subnet = netip.Prefix{}
				return p
			},
			want: []string{`team "team-1" network "dmz": subnet invalid Prefix with gateway 10.160.0.1 is not an IPv4 range holding its gateway`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := orchestrator.NewDesired(tt.change(teamPlans()), orchestrator.Options{})
			if err == nil {
				t.Fatalf("no error; desired %+v", d)
			}
			got := err.Error()
			for _, w := range tt.want {
				if strings.Count(got, w) != 1 {
					t.Errorf("error:\n%s\nwant once: %s", got, w)
				}
			}
		})
	}
}
