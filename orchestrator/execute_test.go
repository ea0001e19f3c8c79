package orchestrator_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
)

func fakeWithImages(d *orchestrator.Desired) *orchestratortest.Runtime {
	f := orchestratortest.New()
	for _, c := range d.Containers {
		f.AddImages(c.Image)
	}
	return f
}

func TestUpTwice(t *testing.T) {
	ctx := context.Background()
	d := desired(t, teamPlans())
	f := fakeWithImages(d)

	var events []orchestrator.Event
	plan, err := orchestrator.Up(ctx, f, d, func(e orchestrator.Event) { events = append(events, e) })
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if len(plan.Actions) != 12 || len(events) != 12 {
		t.Fatalf("%d actions and %d events, want 12 of each", len(plan.Actions), len(events))
	}
	for i, e := range events {
		if e.Err != nil || e.Done != i+1 || e.Total != 12 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	// Every network exists before any container is created.
	lastNetwork := slices.IndexFunc(f.Calls(), func(c string) bool { return strings.HasPrefix(c, "create container") }) - 1
	if lastNetwork != 3 || slices.ContainsFunc(f.Calls()[4:], func(c string) bool { return strings.HasPrefix(c, "create network") }) {
		t.Errorf("calls out of order: %q", f.Calls())
	}

	f.ClearCalls()
	plan, err = orchestrator.Up(ctx, f, d, nil)
	if err != nil || !plan.Empty() || len(f.Calls()) != 0 {
		t.Errorf("second Up: error %v, plan:\n%s\ncalls %q", err, plan, f.Calls())
	}
}

func TestUpChecksImagesFirst(t *testing.T) {
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	f.RemoveImages("cordillera/plc:1", orchestrator.DefaultScorebotImage)

	_, err := orchestrator.Up(context.Background(), f, d, nil)
	if !errors.Is(err, orchestrator.ErrImageMissing) {
		t.Fatalf("error %v, want ErrImageMissing", err)
	}
	var missing *orchestrator.ImageMissingError
	if !errors.As(err, &missing) || missing.Image != "cordillera/plc:1" {
		t.Errorf("first missing image %+v, want cordillera/plc:1", missing)
	}
	want := "image \"cordillera/plc:1\" is not on this engine: run `cordillera images bootstrap` and `cordillera images build`, or build it yourself\n" +
		"image \"cordillera/scorebot:1\" is not on this engine: run `cordillera images bootstrap` and `cordillera images build`, or build it yourself"
	if err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("created %q with images missing", f.Calls())
	}
}

func TestExecuteSaysWhereItFailed(t *testing.T) {
	ctx := context.Background()
	d := desired(t, teamPlans())
	boom := errors.New("boom")
	f := fakeWithImages(d)
	f.Fail("cordillera-ex-team-1-portal", fmt.Errorf("start: %w", boom))
	f.Fail("cordillera-ex-team-2-red", fmt.Errorf("create: %w", &orchestrator.ImageMissingError{Image: "cordillera/attacker:1"}))

	var failed []string
	_, err := orchestrator.Up(ctx, f, d, func(e orchestrator.Event) {
		if e.Err != nil {
			failed = append(failed, e.Action.Name)
		}
	})
	for _, want := range []string{
		`team "team-1" host "portal": start: boom`,
		`team "team-2" attacker "red": create: image "cordillera/attacker:1" is not on this engine`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to say %s", err, want)
		}
	}
	if !errors.Is(err, boom) || !errors.Is(err, orchestrator.ErrImageMissing) {
		t.Errorf("error %v does not wrap both causes", err)
	}
	slices.Sort(failed)
	if !slices.Equal(failed, []string{"cordillera-ex-team-1-portal", "cordillera-ex-team-2-red"}) {
		t.Errorf("progress reported failures of %q", failed)
	}
	// The rest were created, and running Up again resumes.
	f.Fail("cordillera-ex-team-1-portal", nil)
	f.Fail("cordillera-ex-team-2-red", nil)
	plan, err := orchestrator.Up(ctx, f, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, plan, `
create host cordillera-ex-team-1-portal 10.160.0.10 cordillera/target-web:1
create attacker cordillera-ex-team-2-red 10.160.16.100 cordillera/attacker:1
`)
}

func TestExecuteStopsAfterAFailedKind(t *testing.T) {
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	f.Fail("cordillera-ex-team-2-ot", &orchestrator.SubnetTakenError{Network: "cordillera-ex-team-2-ot"})

	_, err := orchestrator.Up(context.Background(), f, d, nil)
	if !errors.Is(err, orchestrator.ErrSubnetTaken) || !strings.HasPrefix(err.Error(), `team "team-2" network "ot": subnet`) {
		t.Errorf("error %v, want team-2's subnet taken", err)
	}
	if slices.ContainsFunc(f.Calls(), func(c string) bool { return strings.HasPrefix(c, "create container") }) {
		t.Errorf("containers created though a network failed: %q", f.Calls())
	}
}

func TestExecuteBoundsConcurrency(t *testing.T) {
	f := orchestratortest.New()
	release := f.Block()
	var plan orchestrator.Plan
	for i := range 3 * orchestrator.Parallelism {
		plan.Actions = append(plan.Actions, orchestrator.Action{
			Kind: orchestrator.CreateContainer, Name: fmt.Sprint(i),
			Container: orchestrator.ContainerSpec{Name: fmt.Sprint(i)},
		})
	}
	done := make(chan error)
	go func() { done <- orchestrator.Execute(context.Background(), f, plan, nil) }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		n := f.InFlight()
		if n == orchestrator.Parallelism || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Give any action beyond the bound the time to start.
	time.Sleep(20 * time.Millisecond)
	peak := f.MaxInFlight()
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if peak != orchestrator.Parallelism {
		t.Errorf("%d actions ran at once, want %d", peak, orchestrator.Parallelism)
	}
	if len(f.Containers()) != len(plan.Actions) {
		t.Errorf("%d containers created, want %d", len(f.Containers()), len(plan.Actions))
	}
}

func TestExecuteCancelled(t *testing.T) {
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	plan := orchestrator.Reconcile(d, &orchestrator.Observed{Exercise: d.Exercise})
	if err := orchestrator.Execute(ctx, f, plan, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("a cancelled execution did %q", f.Calls())
	}
}

func TestDownRemovesTheExerciseOnly(t *testing.T) {
	ctx := context.Background()
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	if _, err := orchestrator.Up(ctx, f, d, nil); err != nil {
		t.Fatal(err)
	}
	f.AddContainer("cordillera-other-team-1-portal", owned("other", "team-1", orchestrator.RoleHost, "portal"), true)
	f.AddNetwork("cordillera-other-team-1-dmz", owned("other", "team-1", orchestrator.RoleNetwork, "dmz"), netip.Prefix{})
	// Named like the exercise's, but not labelled with it.
	f.AddContainer("cordillera-ex-team-1-notes", map[string]string{"purpose": "notes"}, true)
	// Labelled with the exercise, from an older scenario.
	f.AddContainer("cordillera-ex-team-1-oldhost", owned("ex", "team-1", orchestrator.RoleHost, "oldhost"), false)

	plan, err := orchestrator.Down(ctx, f, "ex", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Actions) != 13 {
		t.Errorf("Down planned %d actions, want 13:\n%s", len(plan.Actions), plan)
	}
	var left []string
	for _, c := range f.Containers() {
		left = append(left, c.Name)
	}
	for _, n := range f.Networks() {
		left = append(left, n.Name)
	}
	slices.Sort(left)
	if want := []string{"cordillera-ex-team-1-notes", "cordillera-other-team-1-dmz", "cordillera-other-team-1-portal"}; !slices.Equal(left, want) {
		t.Errorf("left after Down: %q, want %q", left, want)
	}
	if _, err := orchestrator.Down(ctx, f, "", nil); err == nil {
		t.Error("Down of no exercise: no error")
	}
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	d := desired(t, teamPlans())
	f := fakeWithImages(d)
	if _, err := orchestrator.Up(ctx, f, d, nil); err != nil {
		t.Fatal(err)
	}
	portal := map[string]string{orchestrator.LabelTeam: "team-2", orchestrator.LabelName: "portal"}
	before, _ := f.ListContainers(ctx, portal)

	if err := orchestrator.Reset(ctx, f, d, "team-2", "portal"); err != nil {
		t.Fatal(err)
	}
	after, _ := f.ListContainers(ctx, portal)
	if len(before) != 1 || len(after) != 1 || before[0].ID == after[0].ID {
		t.Fatalf("portal before reset %+v, after %+v: want one, recreated", before, after)
	}
	if fmt.Sprint(after[0].Addresses) != fmt.Sprint(before[0].Addresses) {
		t.Errorf("addresses %v after reset, want %v", after[0].Addresses, before[0].Addresses)
	}
	if plan, _ := orchestrator.Up(ctx, f, d, nil); !plan.Empty() {
		t.Errorf("after reset, Up plans:\n%s", plan)
	}

	f.RemoveImages("cordillera/target-web:1")
	if err := orchestrator.Reset(ctx, f, d, "team-2", "portal"); !errors.Is(err, orchestrator.ErrImageMissing) {
		t.Errorf("Reset without the image: error %v, want ErrImageMissing", err)
	}
	if still, _ := f.ListContainers(ctx, portal); len(still) != 1 || still[0].ID != after[0].ID {
		t.Errorf("Reset without the image removed the host: %+v", still)
	}

	for _, host := range []string{"red", "web"} {
		if err := orchestrator.Reset(ctx, f, d, "team-2", host); !errors.Is(err, orchestrator.ErrNotFound) {
			t.Errorf("Reset of %q: error %v, want ErrNotFound", host, err)
		}
	}
}
