// Package probe is the part of Cordillera's agent that runs inside the
// range: the wire protocol, the native checks and their judging, and the
// loop that serves checks over one byte stream. It uses the standard
// library only, so the agent binary stays small and static; the engine's
// side, which speaks scenarios.CheckPlan, is the parent package agent.
package probe

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ProtocolVersion changes whenever a message changes meaning; both ends
// refuse to talk across versions.
const ProtocolVersion = 1

// MaxFrame bounds one frame's payload. A frame is read whole into memory,
// so a peer (or garbage on the stream) must not be able to ask for more.
const MaxFrame = 1 << 20

// MaxBatch bounds the checks in one request, so that its results (each
// detail at most MaxDetail) always fit in one frame.
const MaxBatch = 512

// MaxDetail bounds a result's detail text.
const MaxDetail = 1024

// Errors of the framing, for errors.Is.
var (
	ErrFrameTooLarge = errors.New("frame too large")
	ErrBadFrame      = errors.New("malformed frame")
)

// Message kinds.
const (
	KindHello  = "hello"
	KindCheck  = "check"
	KindResult = "result"
	KindCancel = "cancel"
	KindError  = "error"
)

// Message is one frame's content. ID pairs a result (or error) with its
// request; many requests travel at once, answered in any order.
type Message struct {
	Kind    string   `json:"kind"`
	ID      uint64   `json:"id,omitempty"`
	Hello   *Hello   `json:"hello,omitempty"`
	Checks  []Check  `json:"checks,omitempty"`
	Results []Result `json:"results,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Hello opens a stream, first from the engine, then from the agent.
type Hello struct {
	Protocol int    `json:"protocol"`
	Version  string `json:"version"`
	// Sum is the SHA-256 of the agent's own program, in hex, so that the
	// engine knows the agent it talks to is the program it put there.
	Sum string `json:"sum,omitempty"`
}

// Check is one check for the agent to run: the agent's own copy of what
// a scenarios.CheckPlan says, without the names it does not need.
type Check struct {
	Type    string `json:"type"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	// Timeout bounds the whole check, in nanoseconds on the wire.
	Timeout time.Duration `json:"timeout"`

	HTTP    *HTTPCheck    `json:"http,omitempty"`
	TCP     *TCPCheck     `json:"tcp,omitempty"`
	DNS     *DNSCheck     `json:"dns,omitempty"`
	Command *CommandCheck `json:"command,omitempty"`
}

// HTTPCheck mirrors scenarios.HTTPCheck.
type HTTPCheck struct {
	Scheme       string `json:"scheme"`
	Method       string `json:"method"`
	Path         string `json:"path"`
	HostHeader   string `json:"host_header,omitempty"`
	ExpectStatus int    `json:"expect_status"`
	BodyMatches  string `json:"body_matches,omitempty"`
}

// TCPCheck mirrors scenarios.TCPCheck.
type TCPCheck struct {
	Send   string `json:"send,omitempty"`
	Expect string `json:"expect,omitempty"`
}

// DNSCheck mirrors scenarios.DNSCheck.
type DNSCheck struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Expect string `json:"expect,omitempty"`
}

// CommandCheck mirrors scenarios.CommandCheck.
type CommandCheck struct {
	Run           []string `json:"run"`
	ExpectExit    int      `json:"expect_exit"`
	OutputMatches string   `json:"output_matches,omitempty"`
}

// Result is one check's verdict.
type Result struct {
	Up     bool   `json:"up"`
	Detail string `json:"detail"`
	// Took is how long the check ran, in nanoseconds on the wire.
	Took time.Duration `json:"took"`
}

// ReadFrame reads one frame: a 4-byte big-endian length, then that many
// bytes. io.EOF means the stream ended cleanly between frames.
func ReadFrame(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: the stream ended inside a frame's length", ErrBadFrame)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	switch {
	case n == 0:
		return nil, fmt.Errorf("%w: empty frame", ErrBadFrame)
	case n > MaxFrame:
		return nil, fmt.Errorf("%w: %d bytes, at most %d (is something else writing to the stream?)", ErrFrameTooLarge, n, MaxFrame)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: the stream ended inside a %d-byte frame: %v", ErrBadFrame, n, err)
	}
	return b, nil
}

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) == 0 || len(payload) > MaxFrame {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrFrameTooLarge, len(payload), MaxFrame)
	}
	b := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	copy(b[4:], payload)
	_, err := w.Write(b)
	return err
}

// ReadMessage reads and decodes one frame.
func ReadMessage(r io.Reader) (Message, error) {
	b, err := ReadFrame(r)
	if err != nil {
		return Message{}, err
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("%w: %d bytes that are not a message: %v", ErrBadFrame, len(b), err)
	}
	if m.Kind == "" {
		return Message{}, fmt.Errorf("%w: a message without a kind", ErrBadFrame)
	}
	return m, nil
}

// EncodeMessage renders a message as a frame's payload, refusing one too
// large to send.
func EncodeMessage(m Message) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFrame {
		return nil, fmt.Errorf("%w: a %s message of %d bytes, at most %d", ErrFrameTooLarge, m.Kind, len(b), MaxFrame)
	}
	return b, nil
}

// WriteMessage encodes and writes one message, flushing a buffered writer.
func WriteMessage(w io.Writer, m Message) error {
	b, err := EncodeMessage(m)
	if err != nil {
		return err
	}
	if err := WriteFrame(w, b); err != nil {
		return err
	}
	if bw, ok := w.(*bufio.Writer); ok {
		return bw.Flush()
	}
	return nil
}
