package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Labels on every object the orchestrator creates. They, not names, say
// what an object is and who owns it.
const (
	LabelExercise   = "cordillera.exercise"
	LabelTeam       = "cordillera.team"
	LabelRole       = "cordillera.role"
	LabelName       = "cordillera.name"
	LabelConfigHash = "cordillera.config-hash"
	// LabelPool is on the networks of an exercise that writes no
	// address_pool: the block of addresses Cordillera chose for it (see
	// [ChoosePool]). It is not part of the config hash.
	LabelPool = "cordillera.pool"
)

// Role is what an object is for.
type Role string

// Roles, in the order plans list them.
const (
	RoleNetwork  Role = "network"
	RoleHost     Role = "host"
	RoleAttacker Role = "attacker"
	RoleScorebot Role = "scorebot"
)

func (r Role) order() int {
	switch r {
	case RoleNetwork:
		return 0
	case RoleHost:
		return 1
	case RoleAttacker:
		return 2
	case RoleScorebot:
		return 3
	}
	return 4
}

// Key identifies an object within an exercise: a team's host, attacker,
// scorebot or network, by its name in the plan.
type Key struct {
	Team string
	Role Role
	Name string
}

// KeyOf reads an object's key from its labels.
func KeyOf(labels map[string]string) Key {
	return Key{Team: labels[LabelTeam], Role: Role(labels[LabelRole]), Name: labels[LabelName]}
}

func (k Key) less(o Key) bool {
	if k.Team != o.Team {
		return k.Team < o.Team
	}
	if k.Role.order() != o.Role.order() {
		return k.Role.order() < o.Role.order()
	}
	return k.Name < o.Name
}

// maxNameLen keeps names valid as DNS labels: the engine's DNS resolves
// container names.
const maxNameLen = 63

// objectName is the runtime name of a team's container or network:
// cordillera-<exercise>-<team>-<name>. Names only need to be readable and
// unique; characters a runtime refuses become dashes, and a name that had to
// change or is too long ends in a hash of what it would have been, so that
// two objects do not end up with the same name.
func objectName(exercise, team, name string) string {
	raw := strings.Join([]string{"cordillera", exercise, team, name}, "-")
	clean := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '-'
	}, raw)
	if clean == raw && len(raw) <= maxNameLen {
		return raw
	}
	sum := sha256.Sum256([]byte(raw))
	suffix := "-" + hex.EncodeToString(sum[:4])
	if len(clean) > maxNameLen-len(suffix) {
		clean = clean[:maxNameLen-len(suffix)]
	}
	return clean + suffix
}
