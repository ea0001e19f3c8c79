package engine

import (
	"errors"
	"fmt"
)

// The engine's refusals, for callers to tell apart with errors.Is. The
// error's text says what was refused and why; the sentinel says of which
// kind the refusal is.
var (
	// ErrState means the exercise's state does not allow the act now: it
	// has not started or has ended, the kill switch is on, the attack is
	// no longer waiting for approval.
	ErrState = errors.New("not allowed in the exercise's state")
	// ErrUnknown means the exercise has no team, attack, inject or
	// challenge of that name.
	ErrUnknown = errors.New("not in the exercise")
	// ErrInvalid means what a team submitted is not what it should be.
	ErrInvalid = errors.New("not valid")

	// ErrNotStarted and ErrEnded are the ErrStates of a team's submission
	// before the exercise starts and after it ends.
	ErrNotStarted = fmt.Errorf("the exercise has not started: %w", ErrState)
	ErrEnded      = fmt.Errorf("the exercise has ended: %w", ErrState)
)

// refusal is an error whose text is its own sentence and whose kind is one
// of the sentinels above.
type refusal struct {
	kind error
	text string
}

func (r *refusal) Error() string { return r.text }
func (r *refusal) Unwrap() error { return r.kind }

// refuse words a refusal of the given kind.
func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, text: fmt.Sprintf(format, args...)}
}
