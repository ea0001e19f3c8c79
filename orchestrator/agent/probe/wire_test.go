package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	want := Message{Kind: KindCheck, ID: 7, Checks: []Check{{Type: "tcp", Address: "127.0.0.1", Port: 22, TCP: &TCPCheck{Expect: "^SSH"}}}}
	if err := WriteMessage(&buf, want); err != nil {
		t.Fatal(err)
	}
	if err := WriteMessage(&buf, Message{Kind: KindCancel, ID: 7}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7 || len(got.Checks) != 1 || got.Checks[0].TCP.Expect != "^SSH" {
		t.Errorf("read %+v, want %+v", got, want)
	}
	if got, err := ReadMessage(&buf); err != nil || got.Kind != KindCancel {
		t.Errorf("second message %+v, %v", got, err)
	}
	if _, err := ReadMessage(&buf); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

func frame(n uint32, payload string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, n), payload...)
}

func TestBadFrames(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		is    error
		words string
	}{
		{"text on the stream", []byte("hello world\n"), ErrFrameTooLarge, "at most 1048576"},
		{"oversized", frame(MaxFrame+1, ""), ErrFrameTooLarge, "1048577 bytes"},
		{"empty", frame(0, ""), ErrBadFrame, "empty frame"},
		{"cut length", []byte{0, 0}, ErrBadFrame, "inside a frame's length"},
		{"cut payload", frame(10, "{}"), ErrBadFrame, "inside a 10-byte frame"},
		{"not json", frame(3, "abc"), ErrBadFrame, "not a message"},
		{"no kind", frame(2, "{}"), ErrBadFrame, "without a kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadMessage(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.words) {
				t.Errorf("error %v, want %v saying %q", err, tt.is, tt.words)
			}
		})
	}
	if err := WriteFrame(io.Discard, make([]byte, MaxFrame+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("writing an oversized frame: %v", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(frame(2, "{}"))
	f.Add(frame(17, `{"kind":"hello"}`))
	f.Add(frame(MaxFrame+1, "x"))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		b, err := ReadFrame(r)
		if err != nil {
			if b != nil {
				t.Fatalf("a payload with an error: %d bytes, %v", len(b), err)
			}
			return
		}
		if len(b) == 0 || len(b) > MaxFrame {
			t.Fatalf("a payload of %d bytes", len(b))
		}
		if !bytes.Equal(frame(uint32(len(b)), string(b)), in[:4+len(b)]) {
			t.Fatal("the payload is not what the frame held")
		}
		_, _ = ReadMessage(bytes.NewReader(in))
	})
}
