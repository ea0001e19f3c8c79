package web

import (
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
)

// plans are an exercise's teams' plans: the director's, else the ones the
// configuration gave, else nil.
func (s *Server) plans(exercise string) []*scenarios.TeamPlan {
	if s.cfg.Director != nil {
		if p := s.cfg.Director.Plans(exercise); p != nil {
			return p
		}
	}
	return s.cfg.Plans[exercise]
}

// engine is the engine of an exercise this server's director holds.
func (s *Server) engine(exercise string) (*engine.Engine, bool) {
	if s.cfg.Director == nil {
		return nil, false
	}
	return s.cfg.Director.Engine(exercise)
}

// exerciseOf is the director's exercise of that name.
func (s *Server) exerciseOf(exercise string) (*director.Exercise, bool) {
	if s.cfg.Director == nil {
		return nil, false
	}
	return s.cfg.Director.Exercise(exercise)
}
