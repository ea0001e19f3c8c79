package engine

import (
	"errors"
	"testing"
)

func TestARefusalKeepsItsWordsAndItsKind(t *testing.T) {
	err := refuse(ErrState, "the kill switch is on: release it before firing an attack")
	if err.Error() != "the kill switch is on: release it before firing an attack" {
		t.Errorf("text = %q", err)
	}
	if !errors.Is(err, ErrState) || errors.Is(err, ErrUnknown) {
		t.Errorf("kind of %q is not ErrState alone", err)
	}
}
