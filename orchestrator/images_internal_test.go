package orchestrator

import (
	"slices"
	"testing"
)

func TestDockerfileBases(t *testing.T) {
	tests := []struct {
		name, dockerfile string
		args             map[string]string
		want             []string
	}{
		{"plain", "FROM debian:bookworm-slim\nRUN true\n", nil, []string{"debian:bookworm-slim"}},
		{"lower case, platform, comment", "# FROM nothing\nfrom --platform=linux/amd64 cordillera/attacker:1\n", nil, []string{"cordillera/attacker:1"}},
		{"stages and scratch", "FROM cordillera/target-web:1 AS build\nFROM build AS again\nFROM scratch\nCOPY --from=again / /\n", nil, []string{"cordillera/target-web:1"}},
		{"arg default", "ARG BASE=debian:bookworm-slim\nFROM $BASE\n", nil, []string{"debian:bookworm-slim"}},
		{"arg given", "ARG BASE=debian:bookworm-slim\nFROM ${BASE}\n", map[string]string{"BASE": "cordillera/debian:bookworm"}, []string{"cordillera/debian:bookworm"}},
		{"inline default", "ARG TAG\nFROM cordillera/attacker:${TAG:-1}\n", nil, []string{"cordillera/attacker:1"}},
		{"unknown variable", "FROM ${NOWHERE}/x\n", nil, nil},
		{"ARG after FROM is the stage's", "FROM debian:bookworm-slim\nARG BASE=x\nFROM $BASE\n", nil, []string{"debian:bookworm-slim"}},
	}
	for _, tt := range tests {
		if got := dockerfileBases([]byte(tt.dockerfile), tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("%s: bases %q, want %q", tt.name, got, tt.want)
		}
	}
}
