package agent

// NewProgramForTest makes a Program of data, with its sum.
func NewProgramForTest(data []byte) Program { return newProgram(data, "a test") }

// FindProgramNow looks for the agent program again, not once.
var FindProgramNow = findProgram
