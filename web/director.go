package web

import (
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
)

// held are the exercises whose plans this server knows: the director's,
// with their engines, else the plans the configuration gave.
type held struct {
	director heldDirector // nil without a director
	given    map[string][]*scenarios.TeamPlan
}

// heldDirector is what held reads of the director.
type heldDirector interface {
	Plans(exercise string) []*scenarios.TeamPlan
	Engine(exercise string) (*engine.Engine, bool)
	Exercise(name string) (*director.Exercise, bool)
}

// newHeld is what a director holds, if there is one, and the plans given.
func newHeld(d *director.Director, given map[string][]*scenarios.TeamPlan) held {
	h := held{given: given}
	if d != nil { // a nil *Director in the interface would not be nil
		h.director = d
	}
	return h
}

// plans are an exercise's teams' plans: the director's, else the ones the
// configuration gave, else nil.
func (h held) plans(exercise string) []*scenarios.TeamPlan {
	if h.director != nil {
		if p := h.director.Plans(exercise); p != nil {
			return p
		}
	}
	return h.given[exercise]
}

// teamPlan is a team's plan, nil when none is known.
func (h held) teamPlan(exercise, team string) *scenarios.TeamPlan {
	for _, p := range h.plans(exercise) {
		if p.Team.ID == team {
			return p
		}
	}
	return nil
}

// engine is the engine of an exercise this server's director holds.
func (h held) engine(exercise string) (*engine.Engine, bool) {
	if h.director == nil {
		return nil, false
	}
	return h.director.Engine(exercise)
}

// exerciseOf is the director's exercise of that name.
func (h held) exerciseOf(exercise string) (*director.Exercise, bool) {
	if h.director == nil {
		return nil, false
	}
	return h.director.Exercise(exercise)
}
