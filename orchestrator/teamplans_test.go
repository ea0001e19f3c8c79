package orchestrator_test

import (
	"fmt"
	"net/netip"

	"github.com/cordillera-range/cordillera/scenarios"
)

// teamPlans is a two-team exercise "ex": networks dmz and ot, hosts portal
// (on dmz) and plc (on ot), attacker red, and the scorebot on both.
func teamPlans() []*scenarios.TeamPlan {
	var plans []*scenarios.TeamPlan
	for i, third := range []byte{0, 16} {
		addr := func(net, host byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 160, third + net, host}) }
		subnet := func(net byte) netip.Prefix { return netip.PrefixFrom(addr(net, 0), 24) }
		plans = append(plans, &scenarios.TeamPlan{
			Exercise: "ex",
			Scenario: "water",
			Team:     scenarios.TeamInfo{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Index: i + 1, Country: "CL"},
			Networks: []scenarios.NetworkPlan{
				{Name: "dmz", Subnet: subnet(0), Gateway: addr(0, 1)},
				{Name: "ot", Subnet: subnet(1), Gateway: addr(1, 1)},
			},
			Hosts: []scenarios.HostPlan{
				{
					Name: "portal", Hostname: "portal", Image: "cordillera/target-web:1",
					Networks: []scenarios.Attachment{{Network: "dmz", Address: addr(0, 10)}},
					Memory:   256 << 20, CPUs: 0.5, Pids: 256, Capabilities: []string{"NET_ADMIN"},
					Env: map[string]string{"ADMIN_PASSWORD": "Operador1"},
				},
				{
					Name: "plc", Hostname: "plc", Image: "cordillera/plc:1",
					Networks: []scenarios.Attachment{{Network: "ot", Address: addr(1, 10)}},
					Memory:   128 << 20, CPUs: 0.25, Pids: 64, Capabilities: []string{},
				},
			},
			Attackers: []scenarios.AttackerPlan{
				{Name: "red", Image: "cordillera/attacker:1", Networks: []scenarios.Attachment{{Network: "dmz", Address: addr(0, 100)}}},
			},
			Scorebot: scenarios.ScorebotPlan{Networks: []scenarios.Attachment{
				{Network: "dmz", Address: addr(0, 200)}, {Network: "ot", Address: addr(1, 200)},
			}},
		})
	}
	return plans
}
