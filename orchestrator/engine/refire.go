package engine

import "github.com/cordillera-range/cordillera/scoreboard"

// Ran says whether an attack execution ran, runs or is to run; the rule is
// the store's (scoreboard.Execution.Ran), which refuses a re-fire by it.
func Ran(x scoreboard.Execution) bool { return x.Ran() }
