package deploy_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing/fstest"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// teamPlans is a two-team exercise "ex": network lan, host web (checked on
// tcp 80, built from a Dockerfile when built is true), attacker red and the
// scorebot.
func teamPlans(built bool) []*scenarios.TeamPlan {
	var plans []*scenarios.TeamPlan
	for i := range 2 {
		addr := func(host byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 160, byte(16 * i), host}) }
		web := scenarios.HostPlan{
			Name: "web", Hostname: "web", Image: "cordillera/target-web:1",
			Networks: []scenarios.Attachment{{Network: "lan", Address: addr(10)}},
			Services: []scenarios.ServicePlan{{Name: "http", Port: 80, Protocol: "tcp",
				Check: &scenarios.CheckPlan{Type: "tcp", Host: "web", Service: "http", Address: addr(10), Port: 80, TCP: &scenarios.TCPCheck{}}}},
		}
		if built {
			web.Image = ""
			web.Build = &scenarios.Build{Context: "images/web", Dockerfile: "Dockerfile", Files: fstest.MapFS{
				"Dockerfile": {Data: []byte("FROM debian:bookworm-slim\n")},
			}}
		}
		plans = append(plans, &scenarios.TeamPlan{
			Exercise: "ex",
			Scenario: "water",
			Team:     scenarios.TeamInfo{ID: fmt.Sprintf("team-%d", i+1), Name: fmt.Sprintf("Team %d", i+1), Index: i + 1, Country: "CL"},
			Networks: []scenarios.NetworkPlan{{Name: "lan", Subnet: netip.PrefixFrom(addr(0), 24), Gateway: addr(1)}},
			Hosts:    []scenarios.HostPlan{web},
			Attackers: []scenarios.AttackerPlan{
				{Name: "red", Image: "cordillera/attacker:1", Networks: []scenarios.Attachment{{Network: "lan", Address: addr(100)}}},
			},
			Scorebot: scenarios.ScorebotPlan{Networks: []scenarios.Attachment{{Network: "lan", Address: addr(200)}}},
		})
	}
	return plans
}

// fake is the in-memory engine of orchestratortest, recording its image
// checks too, that also builds images and places teams on nodes.
type fake struct {
	*orchestratortest.Runtime
}

func newFake(images ...string) *fake {
	f := &fake{orchestratortest.New(images...)}
	f.RecordImageChecks()
	return f
}

func (f *fake) BuildImage(_ context.Context, b orchestrator.ImageBuild, progress func(string)) error {
	f.Record("build image " + b.Tags[0])
	progress("Step 1/1 : FROM debian:bookworm-slim")
	f.AddImages(b.Tags...)
	return nil
}

func (f *fake) ImageLabel(_ context.Context, ref, _ string) (string, bool, error) {
	return "", f.HasImage(ref), nil
}

// The fake as a cluster: every container it creates from Pin on runs on
// the node pinned.

func (f *fake) Place(context.Context, []orchestrator.ContainerSpec) error { return nil }
func (f *fake) Unplace(context.Context, string) error                     { return nil }
func (f *fake) Nodes(context.Context) ([]orchestrator.Node, error)        { return nil, nil }

func (f *fake) Pin(_ context.Context, _, team, node string) (string, error) {
	f.Record("pin " + team + " on " + node)
	f.SetNode(node)
	return node, nil
}
