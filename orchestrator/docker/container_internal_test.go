package docker

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// The engine reads capability names leniently ("CAP_SYS_ADMIN" and
// "sys_admin" are SYS_ADMIN to Docker), so the runtime refuses any spec
// whose capabilities are not on the allow-list as written, whatever made
// the spec. No engine is needed: the refusal comes before it.
func TestContainerConfigRefusesCapabilitiesOffTheAllowList(t *testing.T) {
	spec := orchestrator.ContainerSpec{
		Name:     "cordillera-ex-team-1-web",
		Image:    "cordillera/target-web:1",
		Networks: []orchestrator.Attachment{{Network: "cordillera-ex-team-1-lan", Address: netip.MustParseAddr("10.1.0.10")}},
		Memory:   64 << 20, CPUs: 0.5, Pids: 64,
	}
	for _, caps := range [][]string{
		{"CAP_SYS_ADMIN"}, {"SYS_ADMIN"}, {"sys_admin"}, {"CAP_CAP_SYS_ADMIN"}, {"ALL"},
		{"SYS_TIME"}, {"NOT_A_CAP"}, {"NET_ADMIN", "SYS_MODULE"}, {" NET_ADMIN"}, {"net_admin"},
	} {
		s := spec
		s.CapAdd = caps
		_, _, err := containerConfig(s)
		if !errors.Is(err, scenarios.ErrCapability) {
			t.Errorf("CapAdd %q: err = %v, want a refusal wrapping scenarios.ErrCapability", caps, err)
		} else if !strings.Contains(err.Error(), spec.Name) {
			t.Errorf("CapAdd %q: %v does not name the container", caps, err)
		}
	}

	spec.CapAdd = []string{"NET_ADMIN", "NET_RAW"}
	_, host, err := containerConfig(spec)
	if err != nil {
		t.Fatalf("CapAdd %q refused: %v", spec.CapAdd, err)
	}
	if !slices.Equal(host.CapDrop, []string{"ALL"}) || !slices.Equal(host.CapAdd, spec.CapAdd) || host.Privileged {
		t.Errorf("CapDrop %q, CapAdd %q, privileged %v; want every capability dropped but %q, not privileged",
			host.CapDrop, host.CapAdd, host.Privileged, spec.CapAdd)
	}
}
