package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func encode(t *testing.T, ms ...Message) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, m := range ms {
		if err := WriteMessage(&b, m); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestServeRefusesWhatIsNotTheProtocol(t *testing.T) {
	hello := Message{Kind: KindHello, Hello: &Hello{Protocol: ProtocolVersion, Version: "engine"}}
	tests := []struct {
		name  string
		in    []byte
		is    error // nil: Serve returns nil
		words string
	}{
		{"nothing at all", nil, nil, ""},
		{"text instead of frames", []byte("ls -la\n"), ErrFrameTooLarge, "reading the engine's hello"},
		{"no hello first", encode(t, Message{Kind: KindCheck, ID: 1}), ErrBadFrame, `the first message is "check"`},
		{"another protocol", encode(t, Message{Kind: KindHello, Hello: &Hello{Protocol: ProtocolVersion + 1}}), nil, "the engine speaks protocol 2"},
		{"garbage after hello", append(encode(t, hello), 0, 0, 0, 3, 'a', 'b', 'c'), ErrBadFrame, "reading a request"},
		{"a frame cut short", append(encode(t, hello), 0, 0, 1, 0, '{'), ErrBadFrame, "inside a 256-byte frame"},
		{"hello then EOF", encode(t, hello), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := (&Server{Version: "agent"}).Serve(context.Background(), bytes.NewReader(tt.in), &out)
			switch {
			case tt.words == "" && err != nil:
				t.Errorf("Serve = %v, want nil", err)
			case tt.words != "" && (err == nil || !strings.Contains(err.Error(), tt.words)):
				t.Errorf("Serve = %v, want an error saying %q", err, tt.words)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Errorf("Serve = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestServeAnswersHelloAndRefusesOversizedBatches(t *testing.T) {
	in := encode(t,
		Message{Kind: KindHello, Hello: &Hello{Protocol: ProtocolVersion, Version: "engine"}},
		Message{Kind: KindCheck, ID: 9, Checks: make([]Check, MaxBatch+1)},
		Message{Kind: "reset", ID: 10},
	)
	var out bytes.Buffer
	if err := (&Server{Version: "agent-1"}).Serve(context.Background(), bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var got []Message
	for {
		m, err := ReadMessage(&out)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 3 || got[0].Hello == nil || got[0].Hello.Version != "agent-1" ||
		got[1].Kind != KindError || got[1].ID != 9 || !strings.Contains(got[1].Error, "1 to 512 checks, not 513") ||
		got[2].Kind != KindError || got[2].ID != 10 || !strings.Contains(got[2].Error, `does not know "reset"`) {
		t.Errorf("the agent wrote %+v", got)
	}
}
