package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
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
func (s *Server) heldExercise(name string) (*director.Exercise, error) {
	if s.cfg.Director == nil {
		return nil, &webError{Status: http.StatusServiceUnavailable, Key: "instruct.no_director"}
	}
	x, ok := s.cfg.Director.Exercise(name)
	if !ok {
		return nil, &webError{Status: http.StatusNotFound, Key: "instruct.not_held", Args: []any{name}}
	}
	return x, nil
}

// runtimeProblem says why the director cannot deploy, empty when it can.
func (s *Server) runtimeProblem() string {
	if s.cfg.Director == nil {
		return ""
	}
	if rt, err := s.cfg.Director.Runtime(); rt == nil {
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
