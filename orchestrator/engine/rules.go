package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The rules of play a team's submission must keep: what it must say, how
// long it may be, what it may name. The engine checks them before it
// records a submission; a broken one is a *PlayError.

// Limits of what a team may write in one submission, in characters.
const (
	MaxResponse    = 20000 // an inject's response
	MaxSummary     = 4000  // an incident report's summary
	MaxValue       = 2048  // a shared indicator's value
	MaxDescription = 2000  // a shared indicator's description
	MaxAnswer      = 500   // a challenge's answer
)

// IndicatorKinds are the kinds of indicator a team may share, in the order
// forms list them.
var IndicatorKinds = []string{scoreboard.IndicatorIPv4, scoreboard.IndicatorIPv6, scoreboard.IndicatorDomain, scoreboard.IndicatorURL, scoreboard.IndicatorSHA256}

// The rules a submission's field may break, the Rule of a *PlayError.
var (
	ErrRequired      = fmt.Errorf("is required: %w", ErrInvalid)
	ErrTooLong       = fmt.Errorf("is too long: %w", ErrInvalid)
	ErrNoInject      = fmt.Errorf("names no inject delivered to the team: %w", ErrInvalid)
	ErrNoAnswerAsked = fmt.Errorf("names an inject that asks for no answer: %w", ErrInvalid)
	ErrAnswered      = fmt.Errorf("names an inject the team answered already: %w", scoreboard.ErrDuplicate)
	ErrNoHost        = fmt.Errorf("names no host of the team: %w", ErrInvalid)
	ErrTechnique     = fmt.Errorf("is not an ATT&CK technique id (T1234 or T1234.567): %w", ErrInvalid)
	ErrAddress       = fmt.Errorf("is not an IP address: %w", ErrInvalid)
	ErrKind          = fmt.Errorf("is not a kind of indicator: %w", ErrInvalid)
	ErrNoAttack      = fmt.Errorf("names no attack of the exercise: %w", ErrInvalid)
)

// PlayError is a submission's field that breaks a rule of play. Arg is
// what the rule names: the limit of ErrTooLong, the kinds of ErrKind, the
// value at fault of the others that name one, nil for the rest.
type PlayError struct {
	Field string
	Rule  error
	Arg   any
}

func (e *PlayError) Error() string {
	if e.Arg != nil {
		return fmt.Sprintf("%s %v (%v)", e.Field, e.Rule, e.Arg)
	}
	return fmt.Sprintf("%s %v", e.Field, e.Rule)
}

func (e *PlayError) Unwrap() error { return e.Rule }

func broke(field string, rule error, arg any) *PlayError {
	return &PlayError{Field: field, Rule: rule, Arg: arg}
}

// text checks a field a team wrote: trimmed, said when required, at most
// max characters.
func text(field, value string, required bool, max int) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "" && required:
		return value, broke(field, ErrRequired, nil)
	case utf8.RuneCountInString(value) > max:
		return value, broke(field, ErrTooLong, max)
	}
	return value, nil
}

// checkResponse is the rule of an inject's response: to an inject
// delivered to the team that asks for one, once, said, at most
// MaxResponse long.
func checkResponse(items []scoreboard.InboxItem, inject, body string) (string, error) {
	i := slices.IndexFunc(items, func(it scoreboard.InboxItem) bool { return it.Inject == inject })
	switch {
	case i < 0:
		return body, broke("inject", ErrNoInject, nil)
	case !items[i].Expects:
		return body, broke("inject", ErrNoAnswerAsked, nil)
	case items[i].Response != nil:
		return body, broke("body", ErrAnswered, nil)
	}
	return text("body", body, true, MaxResponse)
}

// checkReport is the rule of an incident report: on a host of the team's
// (when the engine knows its plan), with ATT&CK techniques, an IP address
// for a source if any, and a summary at most MaxSummary long.
func checkReport(plan *scenarios.TeamPlan, r scoreboard.IncidentReport) (scoreboard.IncidentReport, error) {
	r.Target, r.Source, r.Summary = strings.TrimSpace(r.Target), strings.TrimSpace(r.Source), strings.TrimSpace(r.Summary)
	if r.Target == "" {
		return r, broke("target", ErrRequired, nil)
	}
	if plan != nil && !slices.ContainsFunc(plan.Hosts, func(h scenarios.HostPlan) bool { return h.Name == r.Target }) {
		return r, broke("target", ErrNoHost, r.Target)
	}
	ts, err := fieldTechniques(r.Techniques)
	if err != nil {
		return r, err
	}
	r.Techniques = ts
	if r.Source != "" {
		if _, err := netip.ParseAddr(r.Source); err != nil {
			return r, broke("source", ErrAddress, r.Source)
		}
	}
	r.Summary, err = text("summary", r.Summary, true, MaxSummary)
	return r, err
}

// checkIndicator is the rule of a shared indicator: of a known kind, a
// value at most MaxValue long, an attack of the team's (when the engine
// knows its plan) if any, ATT&CK techniques and a description at most
// MaxDescription long.
func checkIndicator(plan *scenarios.TeamPlan, ind scoreboard.SharedIndicator) (scoreboard.SharedIndicator, error) {
	ind.Kind, ind.Value, ind.Attack, ind.Description = strings.TrimSpace(ind.Kind), strings.TrimSpace(ind.Value), strings.TrimSpace(ind.Attack), strings.TrimSpace(ind.Description)
	switch {
	case ind.Kind == "":
		return ind, broke("kind", ErrRequired, nil)
	case !slices.Contains(IndicatorKinds, ind.Kind):
		return ind, broke("kind", ErrKind, strings.Join(IndicatorKinds, ", "))
	}
	var err error
	if ind.Value, err = text("value", ind.Value, true, MaxValue); err != nil {
		return ind, err
	}
	if ind.Attack != "" && plan != nil && !slices.ContainsFunc(plan.Attacks, func(a scenarios.AttackPlan) bool { return a.Name == ind.Attack }) {
		return ind, broke("attack", ErrNoAttack, ind.Attack)
	}
	if ind.Techniques, err = fieldTechniques(ind.Techniques); err != nil {
		return ind, err
	}
	ind.Description, err = text("description", ind.Description, false, MaxDescription)
	return ind, err
}

// fieldTechniques are Techniques, the one that is not an id a *PlayError
// of the techniques field.
func fieldTechniques(ts []string) ([]string, error) {
	out, err := Techniques(ts)
	var te *TechniqueError
	if errors.As(err, &te) {
		return nil, broke("techniques", ErrTechnique, te.Technique)
	}
	return out, err
}

// TechniquePattern is an ATT&CK technique id, T1234, or sub-technique id,
// T1234.567, as Techniques writes them.
var TechniquePattern = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// TechniqueError names a technique a team wrote that is not one.
type TechniqueError struct{ Technique string }

func (e *TechniqueError) Error() string {
	return fmt.Sprintf("%q is not an ATT&CK technique id (T1234 or T1234.567)", e.Technique)
}

func (e *TechniqueError) Unwrap() error { return ErrTechnique }

// Techniques normalises technique ids as teams write them: trimmed, in
// capitals, the empty ones left out. The first that is not an id is a
// *TechniqueError.
func Techniques(ts []string) ([]string, error) {
	var out []string
	for _, t := range ts {
		t = strings.ToUpper(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if !TechniquePattern.MatchString(t) {
			return nil, &TechniqueError{Technique: t}
		}
		out = append(out, t)
	}
	return out, nil
}

// Playing is the exercise's clock if teams may submit now: from the start
// to the end, paused or not. Otherwise ErrNotStarted or ErrEnded.
func (e *Engine) Playing(ctx context.Context) (scoreboard.Clock, error) {
	c, err := e.store.Clock(ctx, e.exercise.Name)
	if err != nil {
		return c, err
	}
	switch c.State {
	case scoreboard.ClockCreated:
		return c, refuse(ErrNotStarted, "exercise %q has not started yet", e.exercise.Name)
	case scoreboard.ClockEnded:
		return c, refuse(ErrEnded, "exercise %q has ended", e.exercise.Name)
	}
	return c, nil
}

// Challenge is a team's challenge of that name; ErrUnknown when the team
// has none.
func (e *Engine) Challenge(team, name string) (scenarios.ChallengePlan, error) {
	if p, ok := e.byTeam[team]; ok {
		for _, ch := range p.Challenges {
			if ch.Name == name {
				return ch, nil
			}
		}
	}
	return scenarios.ChallengePlan{}, refuse(ErrUnknown, "no challenge %q in exercise %q", name, e.exercise.Name)
}
