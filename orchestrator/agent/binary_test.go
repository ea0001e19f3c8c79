package agent_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator/agent"
)

func TestFindProgramFromTheEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cordillera-agent")
	if err := os.WriteFile(path, []byte("an agent"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(agent.ProgramEnv, path)
	p, err := agent.FindProgramNow()
	sum := sha256.Sum256([]byte("an agent"))
	if err != nil || string(p.Data) != "an agent" || p.Sum != hex.EncodeToString(sum[:]) || p.From != path {
		t.Errorf("FindProgram = %+v, %v", p, err)
	}
	t.Setenv(agent.ProgramEnv, path+".missing")
	if _, err := agent.FindProgramNow(); err == nil || !strings.Contains(err.Error(), "$"+agent.ProgramEnv) {
		t.Errorf("a missing program: %v, want an error naming $%s", err, agent.ProgramEnv)
	}
}
