package scenarios_test

import (
	"fmt"

	"github.com/cordillera-range/cordillera/scenarios"
)

// A scenario is loaded and validated in one call, then planned for the teams
// of an exercise: each team gets its own subnets and addresses.
func Example() {
	loader := scenarios.NewLoader()
	sc, diags := loader.LoadScenario("testdata/valid/minimal")
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	plans, _ := scenarios.Plan(sc, scenarios.SampleExercise(2))
	for _, p := range plans {
		web := p.Hosts[0]
		fmt.Printf("%s (%s): %s at %s, checked %s %s\n", p.Team.ID, p.Team.Country, web.Name,
			web.Address(), web.Services[0].Check.Type, web.Services[0].Check.HTTP.Path)
	}
	// Output:
	// team-1 (CL): web at 10.160.0.10, checked http /health
	// team-2 (CO): web at 10.160.16.10, checked http /health
}
