package agent

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ProgramEnv names a file holding the agent program to use instead of the
// one Cordillera carries.
const ProgramEnv = "CORDILLERA_AGENT"

// programName is the agent program's file name, embedded and on disk.
const programName = "cordillera-agent"

// The agent program, when `make agent` built it before Cordillera was
// built. The folder also holds a README, so that it is never empty.
//
//go:embed embedded
var embedded embed.FS

// Program is the agent program as it is put into containers.
type Program struct {
	Data []byte
	// Sum is the SHA-256 of Data in hex, which the agent says in its hello.
	Sum string
	// From says where it was found, for messages.
	From string
}

var (
	programOnce sync.Once
	program     Program
	programErr  error
)

// FindProgram returns the agent program Cordillera puts into containers:
// the file $CORDILLERA_AGENT names, else the one embedded in this binary,
// else cordillera-agent beside this binary. It is read once.
func FindProgram() (Program, error) {
	programOnce.Do(func() { program, programErr = findProgram() })
	return program, programErr
}

func findProgram() (Program, error) {
	if path := os.Getenv(ProgramEnv); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Program{}, fmt.Errorf("the agent program $%s names: %w", ProgramEnv, err)
		}
		return newProgram(data, path), nil
	}
	if data, err := fs.ReadFile(embedded, "embedded/"+programName); err == nil {
		return newProgram(data, "embedded in this binary"), nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		path := filepath.Join(filepath.Dir(exe), programName)
		data, err := os.ReadFile(path)
		if err == nil {
			return newProgram(data, path), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return Program{}, fmt.Errorf("the agent program: %w", err)
		}
		tried = append(tried, path)
	}
	return Program{}, fmt.Errorf("this Cordillera was built without its agent, the program that runs checks in each team's scorebot, and none is at %v: build Cordillera with `make build`, or build the agent (`make agent`) and set %s to its path", tried, ProgramEnv)
}

func newProgram(data []byte, from string) Program {
	sum := sha256.Sum256(data)
	return Program{Data: data, Sum: hex.EncodeToString(sum[:]), From: from}
}
