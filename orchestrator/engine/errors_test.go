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

func TestTechniquesAreNormalisedOrRefused(t *testing.T) {
	got, err := Techniques([]string{" t1110 ", "", "T1059.001"})
	if err != nil || len(got) != 2 || got[0] != "T1110" || got[1] != "T1059.001" {
		t.Errorf("Techniques = %v, %v", got, err)
	}
	_, err = Techniques([]string{"T1110", "bruteforce"})
	var te *TechniqueError
	if !errors.As(err, &te) || te.Technique != "BRUTEFORCE" || !errors.Is(err, ErrInvalid) {
		t.Errorf("Techniques(bruteforce) = %v", err)
	}
}
