package web

import (
	"context"
	"errors"
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

// actionError is why an instructor's action did not happen: a status, the
// field at fault if any, and either a catalog key (our own checks, in the
// user's language) or the error of the director, engine or store (their
// words, in English).
type actionError struct {
	Status int
	Field  string
	Key    string
	Args   []any
	Err    error
}

func (e *actionError) Error() string { return e.text("en") }

func (e *actionError) text(lang string) string {
	if e.Key != "" {
		return translate(lang, e.Key, e.Args...)
	}
	return e.Err.Error()
}

func instructBadField(field, key string, args ...any) *actionError {
	return &actionError{Status: http.StatusUnprocessableEntity, Field: field, Key: key, Args: args}
}

// classify maps what the director, the engine or the store said to a
// status. Errors the engine gives without a sentinel are refusals of the
// exercise's state ("the kill switch is on"), so they are conflicts.
func classifyAction(err error) *actionError {
	var ae *actionError
	var fe *director.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fe):
		return &actionError{Status: http.StatusUnprocessableEntity, Field: fe.Field, Err: errors.New(fe.Message)}
	case errors.Is(err, director.ErrNoRuntime):
		return &actionError{Status: http.StatusServiceUnavailable, Err: err}
	case errors.Is(err, director.ErrBusy), errors.Is(err, scoreboard.ErrDuplicate), errors.Is(err, scoreboard.ErrConflict):
		return &actionError{Status: http.StatusConflict, Err: err}
	case errors.Is(err, director.ErrUnknown), errors.Is(err, scoreboard.ErrNotFound):
		return &actionError{Status: http.StatusNotFound, Err: err}
	case errors.Is(err, director.ErrInvalid), errors.Is(err, scoreboard.ErrInvalid):
		return &actionError{Status: http.StatusUnprocessableEntity, Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &actionError{Status: http.StatusServiceUnavailable, Err: err}
	}
	return &actionError{Status: http.StatusConflict, Err: err}
}

// heldExercise is the director's exercise of that name, or why there is
// none.
func (s *Server) heldExercise(name string) (*director.Exercise, error) {
	if s.cfg.Director == nil {
		return nil, &actionError{Status: http.StatusServiceUnavailable, Key: "instruct.no_director"}
	}
	x, ok := s.cfg.Director.Exercise(name)
	if !ok {
		return nil, &actionError{Status: http.StatusNotFound, Key: "instruct.not_held", Args: []any{name}}
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
