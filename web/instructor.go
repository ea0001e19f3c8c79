package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The instructors' workspace: pages under /instruct and the same under
// /api/v1/instruct for scripts. Every handler starts with
// requireInstructor; managers and trainees get 403.

const (
	tmplInstructHome      = "instructor_home.html"
	tmplInstructScenarios = "instructor_scenarios.html"
	tmplInstructScenario  = "instructor_scenario.html"
	tmplInstructNew       = "instructor_new.html"
	tmplInstructExercise  = "instructor_exercise.html"
)

// instructorPages are the instructors' pages and API: scenarios, making
// exercises, deploying and driving them, and what they do in one (fire,
// deliver, grade, adjust, match, move).
type instructorPages struct {
	*base
	held
	director instructorDirector // nil without a director
	store    instructorStore
	accounts traineeAccounts
}

// instructorDirector is what instructorPages ask of the director.
type instructorDirector interface {
	heldDirector
	Runtime() (orchestrator.Runtime, error)
	Scenarios(ctx context.Context) ([]director.Scenario, error)
	ScenarioSource(ctx context.Context, name string) (string, error)
	CheckScenario(name string, src []byte) ([]scenarios.Diagnostic, error)
	SaveScenario(ctx context.Context, name string, src []byte, author string) ([]scenarios.Diagnostic, bool, error)
	Create(ctx context.Context, def director.Definition, author string) (*director.Exercise, []scenarios.Diagnostic, error)
	Operation(name string) (director.Operation, bool)
	Grid(ctx context.Context, name string) (director.Grid, error)
	Deploy(ctx context.Context, name, author string) error
	TearDown(ctx context.Context, name, author string) error
	Start(ctx context.Context, name, author string, speed float64) error
	Resume(ctx context.Context, name, author string) error
	ResetHost(ctx context.Context, name, team, host, author string) error
	MoveTeam(ctx context.Context, name, team, node, author string) error
}

// instructorStore is what instructorPages read and write of the store.
type instructorStore interface {
	exerciseReader
	Exercises(ctx context.Context) ([]scoreboard.Exercise, error)
	Teams(ctx context.Context, exercise string) ([]scoreboard.Team, error)
	Executions(ctx context.Context, exercise string) ([]scoreboard.Execution, error)
	InjectDeliveries(ctx context.Context, exercise string) ([]scoreboard.InjectDelivery, error)
	InjectResponses(ctx context.Context, exercise string, ungradedOnly bool) ([]scoreboard.QueuedResponse, error)
	UnmatchedReports(ctx context.Context, exercise string) ([]scoreboard.UnmatchedReport, error)
	LastEvents(ctx context.Context, exercise string, n int) ([]scoreboard.Event, error)
	AddEvent(ctx context.Context, exercise string, ev scoreboard.Event) (scoreboard.Event, error)
	Adjust(ctx context.Context, a scoreboard.Adjustment) (scoreboard.Recorded, error)
	GradeInjectResponse(ctx context.Context, g scoreboard.InjectGrade) (scoreboard.Recorded, error)
	MatchReportByHand(ctx context.Context, exercise string, report int64, run, author, reason string) (scoreboard.Recorded, error)
}

// traineeAccounts are the trainees' accounts instructors read and move.
type traineeAccounts interface {
	UserByName(ctx context.Context, name string) (scoreboard.User, error)
	Trainees(ctx context.Context, exercise string) ([]scoreboard.User, error)
	TeamMoves(ctx context.Context, exercise string) ([]scoreboard.TeamMove, error)
	MoveTrainee(ctx context.Context, m scoreboard.TeamMove) (scoreboard.TeamMove, error)
}

// requireInstructor lets instructors in: visitors are sent to sign in,
// managers and trainees refused.
func requireInstructor(c echo.Context) (*scoreboard.User, error) {
	u, err := requireUser(c)
	if u == nil || err != nil {
		return nil, err
	}
	if u.Role != scoreboard.RoleInstructor {
		return nil, errForbidden
	}
	return u, nil
}

// instructName is the director's pattern of exercise and scenario names:
// names in paths are checked against it before they reach anything.
var instructName = director.NamePattern

// reservedNames are the paths under /instruct an exercise's name would hide.
var reservedNames = map[string]bool{"new": true, "scenarios": true}

// instructBadField is badField, by the name the instructors' pages call it.
var instructBadField = badField

// heldExercise is the director's exercise of that name, or why there is
// none.
func (ins *instructorPages) heldExercise(name string) (*director.Exercise, error) {
	if ins.director == nil {
		return nil, &webError{Status: http.StatusServiceUnavailable, Key: "instruct.no_director"}
	}
	x, ok := ins.director.Exercise(name)
	if !ok {
		return nil, &webError{Status: http.StatusNotFound, Key: "instruct.not_held", Args: []any{name}}
	}
	return x, nil
}

// runtimeProblem says why the director cannot deploy, empty when it can.
func (ins *instructorPages) runtimeProblem() string {
	if ins.director == nil {
		return ""
	}
	if rt, err := ins.director.Runtime(); rt == nil {
		if err == nil {
			return director.ErrNoRuntime.Error()
		}
		return fmt.Sprintf("%s: %v", director.ErrNoRuntime, err)
	}
	return ""
}

// lines splits a text into lines, without the final empty one.
func sourceLines(src string) []string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	out := strings.Split(src, "\n")
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
