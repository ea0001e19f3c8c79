package orchestrator_test

import (
	"fmt"
	"net/netip"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// Reconcile needs no engine: given what the plans want and what exists, it
// says what to do. Here one web server is wanted and nothing exists yet.
func ExampleReconcile() {
	plan := &scenarios.TeamPlan{
		Exercise: "andes",
		Team:     scenarios.TeamInfo{ID: "cl-csirt", Index: 1},
		Networks: []scenarios.NetworkPlan{{
			Name: "lan", Subnet: netip.MustParsePrefix("10.160.0.0/24"), Gateway: netip.MustParseAddr("10.160.0.1"),
		}},
		Hosts: []scenarios.HostPlan{{
			Name: "web", Image: "cordillera/target-web:1",
			Networks: []scenarios.Attachment{{Network: "lan", Address: netip.MustParseAddr("10.160.0.10")}},
		}},
		Scorebot: scenarios.ScorebotPlan{Networks: []scenarios.Attachment{{Network: "lan", Address: netip.MustParseAddr("10.160.0.200")}}},
	}
	desired, err := orchestrator.NewDesired([]*scenarios.TeamPlan{plan}, orchestrator.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(orchestrator.Reconcile(desired, &orchestrator.Observed{Exercise: "andes"}))
	// Output:
	// create network cordillera-andes-cl-csirt-lan 10.160.0.0/24
	// create host cordillera-andes-cl-csirt-web 10.160.0.10 cordillera/target-web:1
	// create scorebot cordillera-andes-cl-csirt-scorebot 10.160.0.200 cordillera/scorebot:1
}
