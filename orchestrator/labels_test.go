package orchestrator

import (
	"regexp"
	"testing"
)

func TestObjectName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)
	tests := []struct {
		exercise, team, name string
		want                 string
	}{
		{"andes-2026", "cl-csirt", "portal", "cordillera-andes-2026-cl-csirt-portal"},
		{"ex", "team-1", "web", "cordillera-ex-team-1-web"},
		// Changed or shortened names end in a hash of the name they stand
		// for, so that they differ from the name above.
		{"ex", "team 1", "web", "cordillera-ex-team-1-web-e516ebae"},
		{"ex", "équipe", "web", "cordillera-ex--quipe-web-21bb84ec"},
		{"a-very-long-exercise-name-for-a-long-drill", "team-number-one", "portal", "cordillera-a-very-long-exercise-name-for-a-long-drill--8269b930"},
	}
	for _, tt := range tests {
		got := objectName(tt.exercise, tt.team, tt.name)
		if got != tt.want {
			t.Errorf("objectName(%q, %q, %q) = %q, want %q", tt.exercise, tt.team, tt.name, got, tt.want)
		}
		if !valid.MatchString(got) {
			t.Errorf("objectName(%q, %q, %q) = %q: not a valid name", tt.exercise, tt.team, tt.name, got)
		}
	}
}
