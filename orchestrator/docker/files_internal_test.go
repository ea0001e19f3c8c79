package docker

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFileTar(t *testing.T) {
	for _, tc := range []struct{ rel, want string }{
		{"agent", "agent 0755 5"},
		{"cordillera/bin/agent", "cordillera/ dir 0755; cordillera/bin/ dir 0755; cordillera/bin/agent 0755 5"},
	} {
		var buf bytes.Buffer
		if err := writeFileTar(&buf, tc.rel, 0o755, []byte("hello"), time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(&buf)
		var got []string
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeDir {
				got = append(got, fmt.Sprintf("%s dir %04o", h.Name, h.Mode))
				continue
			}
			body, _ := io.ReadAll(tr)
			got = append(got, fmt.Sprintf("%s %04o %d", h.Name, h.Mode, len(body)))
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("fileTar(%q) = %q, want %q", tc.rel, strings.Join(got, "; "), tc.want)
		}
	}
}
