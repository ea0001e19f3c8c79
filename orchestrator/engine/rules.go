package engine

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The rules of play the web layer checks a submission by before it asks
// the engine to record it, kept here so that there is one of each.

// TechniquePattern is an ATT&CK technique id, T1234, or sub-technique id,
// T1234.567, as Techniques writes them.
var TechniquePattern = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// TechniqueError names a technique a team wrote that is not one.
type TechniqueError struct{ Technique string }

func (e *TechniqueError) Error() string {
	return fmt.Sprintf("%q is not an ATT&CK technique id (T1234 or T1234.567)", e.Technique)
}

func (e *TechniqueError) Unwrap() error { return ErrInvalid }

// Techniques normalises technique ids as teams write them: trimmed, in
// capitals, the empty ones left out. The first that is not an id is a
// *TechniqueError.
func Techniques(ts []string) ([]string, error) {
	var out []string
	for _, t := range ts {
		t = strings.ToUpper(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if !TechniquePattern.MatchString(t) {
			return nil, &TechniqueError{Technique: t}
		}
		out = append(out, t)
	}
	return out, nil
}

// Playing is the exercise's clock if teams may submit now: from the start
// to the end, paused or not. Otherwise ErrNotStarted or ErrEnded.
func (e *Engine) Playing(ctx context.Context) (scoreboard.Clock, error) {
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return c, err
	}
	switch c.State {
	case scoreboard.ClockCreated:
		return c, refuse(ErrNotStarted, "exercise %q has not started yet", e.exercise.Name)
	case scoreboard.ClockEnded:
		return c, refuse(ErrEnded, "exercise %q has ended", e.exercise.Name)
	}
	return c, nil
}

// Challenge is a team's challenge of that name; ErrUnknown when the team
// has none.
func (e *Engine) Challenge(team, name string) (scenarios.ChallengePlan, error) {
	if p, ok := e.byTeam[team]; ok {
		for _, ch := range p.Challenges {
			if ch.Name == name {
				return ch, nil
			}
		}
	}
	return scenarios.ChallengePlan{}, refuse(ErrUnknown, "no challenge %q in exercise %q", name, e.exercise.Name)
}
