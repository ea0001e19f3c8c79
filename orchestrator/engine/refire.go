package engine

import "github.com/cordillera-range/cordillera/scoreboard"

// Ran says whether an attack execution ran, runs or is to run: every one
// but those skipped and those the exercise's end missed. Firing an attack
// again after one of these is a re-fire, and the team is scored again.
func Ran(x scoreboard.Execution) bool {
	return x.State != scoreboard.ExecSkipped && x.State != scoreboard.ExecMissed
}

// Runs counts the executions of a team's attack that Ran.
func Runs(execs []scoreboard.Execution, team, attack string) int {
	n := 0
	for _, x := range execs {
		if x.Team == team && x.Attack == attack && Ran(x) {
			n++
		}
	}
	return n
}
