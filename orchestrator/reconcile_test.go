package orchestrator_test

import (
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

func desired(t *testing.T, plans []*scenarios.TeamPlan) *orchestrator.Desired {
	t.Helper()
	d, err := orchestrator.NewDesired(plans, orchestrator.Options{})
	if err != nil {
		t.Fatalf("NewDesired: %v", err)
	}
	return d
}

// observedAs is what an engine would list after d was deployed.
func observedAs(d *orchestrator.Desired) *orchestrator.Observed {
	o := &orchestrator.Observed{Exercise: d.Exercise}
	for _, n := range d.Networks {
		o.Networks = append(o.Networks, orchestrator.Network{ID: "id-" + n.Name, Name: n.Name, Labels: maps.Clone(n.Labels), Subnet: n.Subnet})
	}
	for _, c := range d.Containers {
		addrs := map[string]netip.Addr{}
		for _, a := range c.Networks {
			addrs[a.Network] = a.Address
		}
		o.Containers = append(o.Containers, orchestrator.Container{
			ID: "id-" + c.Name, Name: c.Name, Image: c.Image, Labels: maps.Clone(c.Labels),
			State: "running", Running: true, Addresses: addrs,
		})
	}
	return o
}

func owned(exercise, team string, role orchestrator.Role, name string) map[string]string {
	return map[string]string{
		orchestrator.LabelExercise:   exercise,
		orchestrator.LabelTeam:       team,
		orchestrator.LabelRole:       string(role),
		orchestrator.LabelName:       name,
		orchestrator.LabelConfigHash: "0123456789abcdef",
	}
}

func comparePlan(t *testing.T, got orchestrator.Plan, want string) {
	t.Helper()
	want = strings.TrimLeft(want, "\n")
	if got.String() != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if got.Empty() != (want == "") {
		t.Errorf("Empty() = %v for plan:\n%s", got.Empty(), got)
	}
}

func TestReconcileFreshDeploy(t *testing.T) {
	d := desired(t, teamPlans())
	comparePlan(t, orchestrator.Reconcile(d, &orchestrator.Observed{Exercise: "ex"}), `
create network cordillera-ex-team-1-dmz 10.160.0.0/24
create network cordillera-ex-team-1-ot 10.160.1.0/24
create network cordillera-ex-team-2-dmz 10.160.16.0/24
create network cordillera-ex-team-2-ot 10.160.17.0/24
create host cordillera-ex-team-1-portal 10.160.0.10 cordillera/target-web:1
create host cordillera-ex-team-1-plc 10.160.1.10 cordillera/plc:1
create attacker cordillera-ex-team-1-red 10.160.0.100 cordillera/attacker:1
create scorebot cordillera-ex-team-1-scorebot 10.160.0.200 10.160.1.200 cordillera/scorebot:1
create host cordillera-ex-team-2-portal 10.160.16.10 cordillera/target-web:1
create host cordillera-ex-team-2-plc 10.160.17.10 cordillera/plc:1
create attacker cordillera-ex-team-2-red 10.160.16.100 cordillera/attacker:1
create scorebot cordillera-ex-team-2-scorebot 10.160.16.200 10.160.17.200 cordillera/scorebot:1
`)
}

func TestReconcileUpToDate(t *testing.T) {
	d := desired(t, teamPlans())
	comparePlan(t, orchestrator.Reconcile(d, observedAs(d)), "")
	// A plan worked out again from the same input is the same.
	comparePlan(t, orchestrator.Reconcile(desired(t, teamPlans()), observedAs(d)), "")
}

func TestReconcileChangedHost(t *testing.T) {
	before := desired(t, teamPlans())
	plans := teamPlans()
	plans[0].Hosts[0].Env["ADMIN_PASSWORD"] = "changed"
	comparePlan(t, orchestrator.Reconcile(desired(t, plans), observedAs(before)), `
remove host cordillera-ex-team-1-portal (changed)
create host cordillera-ex-team-1-portal 10.160.0.10 cordillera/target-web:1
`)
}

func TestReconcileChangedNetworkRecreatesItsContainers(t *testing.T) {
	before := desired(t, teamPlans())
	plans := teamPlans()
	plans[1].Networks[1].Internet = true
	comparePlan(t, orchestrator.Reconcile(desired(t, plans), observedAs(before)), `
remove host cordillera-ex-team-2-plc (changed)
remove scorebot cordillera-ex-team-2-scorebot (changed)
remove network cordillera-ex-team-2-ot (changed)
create network cordillera-ex-team-2-ot 10.160.17.0/24 internet
create host cordillera-ex-team-2-plc 10.160.17.10 cordillera/plc:1
create scorebot cordillera-ex-team-2-scorebot 10.160.16.200 10.160.17.200 cordillera/scorebot:1
`)
}

func TestReconcileRemovesWhatIsNotPlanned(t *testing.T) {
	d := desired(t, teamPlans())
	o := observedAs(d)
	o.Networks = append(o.Networks, orchestrator.Network{ID: "n9", Name: "cordillera-ex-team-1-old", Labels: owned("ex", "team-1", orchestrator.RoleNetwork, "old")})
	o.Containers = append(o.Containers,
		orchestrator.Container{ID: "c9", Name: "cordillera-ex-team-1-old", Labels: owned("ex", "team-1", orchestrator.RoleHost, "old"), Running: true},
		orchestrator.Container{ID: "c8", Name: "cordillera-ex-team-3-red", Labels: owned("ex", "team-3", orchestrator.RoleAttacker, "red"), Running: true},
		// Labelled with the exercise and nothing else, as by hand.
		orchestrator.Container{ID: "c7", Name: "debug", Labels: map[string]string{orchestrator.LabelExercise: "ex"}, Running: true},
	)
	comparePlan(t, orchestrator.Reconcile(d, o), `
remove container debug (not in the plan)
remove host cordillera-ex-team-1-old (not in the plan)
remove attacker cordillera-ex-team-3-red (not in the plan)
remove network cordillera-ex-team-1-old (not in the plan)
`)
}

func TestReconcileLeavesOtherExercisesAlone(t *testing.T) {
	d := desired(t, teamPlans())
	o := observedAs(d)
	// Observed lists by label, but Reconcile must not rely on it.
	o.Networks = append(o.Networks, orchestrator.Network{ID: "n9", Name: "cordillera-other-team-1-dmz", Labels: owned("other", "team-1", orchestrator.RoleNetwork, "dmz")})
	o.Containers = append(o.Containers, orchestrator.Container{ID: "c9", Name: "cordillera-other-team-1-portal", Labels: owned("other", "team-1", orchestrator.RoleHost, "portal")})
	comparePlan(t, orchestrator.Reconcile(d, o), "")
}

func TestReconcileRecreatesStoppedAndDuplicateContainers(t *testing.T) {
	d := desired(t, teamPlans())
	o := observedAs(d)
	o.Containers[0].Running = false
	o.Containers[0].State = "exited"
	dup := o.Containers[1]
	dup.ID, dup.Name = "id-dup", "cordillera-ex-team-1-plc-copy"
	o.Containers = append(o.Containers, dup)
	comparePlan(t, orchestrator.Reconcile(d, o), `
remove host cordillera-ex-team-1-plc-copy (duplicate)
remove host cordillera-ex-team-1-portal (not running)
create host cordillera-ex-team-1-portal 10.160.0.10 cordillera/target-web:1
`)
}

func TestReconcileNothingDesiredRemovesAll(t *testing.T) {
	o := observedAs(desired(t, teamPlans()[:1]))
	comparePlan(t, orchestrator.Reconcile(&orchestrator.Desired{Exercise: "ex"}, o), `
remove host cordillera-ex-team-1-plc (not in the plan)
remove host cordillera-ex-team-1-portal (not in the plan)
remove attacker cordillera-ex-team-1-red (not in the plan)
remove scorebot cordillera-ex-team-1-scorebot (not in the plan)
remove network cordillera-ex-team-1-dmz (not in the plan)
remove network cordillera-ex-team-1-ot (not in the plan)
`)
}

func TestReconcileWithoutInput(t *testing.T) {
	comparePlan(t, orchestrator.Reconcile(nil, observedAs(desired(t, teamPlans()))), "")
	comparePlan(t, orchestrator.Reconcile(desired(t, teamPlans()[:1]), nil), `
create network cordillera-ex-team-1-dmz 10.160.0.0/24
create network cordillera-ex-team-1-ot 10.160.1.0/24
create host cordillera-ex-team-1-portal 10.160.0.10 cordillera/target-web:1
create host cordillera-ex-team-1-plc 10.160.1.10 cordillera/plc:1
create attacker cordillera-ex-team-1-red 10.160.0.100 cordillera/attacker:1
create scorebot cordillera-ex-team-1-scorebot 10.160.0.200 10.160.1.200 cordillera/scorebot:1
`)
}
