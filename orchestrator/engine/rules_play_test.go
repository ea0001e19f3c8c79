package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// broken says which field broke which rule, "" for none.
func broken(err error) string {
	var pe *PlayError
	if !errors.As(err, &pe) {
		if err != nil {
			return "not a PlayError: " + err.Error()
		}
		return ""
	}
	rule := strings.TrimSuffix(pe.Rule.Error(), ": "+ErrInvalid.Error())
	return pe.Field + " " + rule
}

func TestAResponseAnswersADeliveredInjectThatAsksOnce(t *testing.T) {
	items := []scoreboard.InboxItem{
		{InjectDelivery: scoreboard.InjectDelivery{Inject: "news", Expects: true}},
		{InjectDelivery: scoreboard.InjectDelivery{Inject: "memo"}},
		{InjectDelivery: scoreboard.InjectDelivery{Inject: "done", Expects: true}, Response: &scoreboard.InjectResponse{Body: "yes"}},
	}
	for _, tc := range []struct {
		inject, body, want string
	}{
		{"news", " We took it offline. ", ""},
		{"nope", "hi", "inject names no inject delivered to the team"},
		{"memo", "hi", "inject names an inject that asks for no answer"},
		{"done", "again", "body names an inject the team answered already: " + scoreboard.ErrDuplicate.Error()},
		{"news", "  ", "body is required"},
		{"news", strings.Repeat("é", MaxResponse+1), "body is too long"},
		{"news", strings.Repeat("é", MaxResponse), ""},
	} {
		body, err := checkResponse(items, tc.inject, tc.body)
		if got := broken(err); got != tc.want {
			t.Errorf("response %q to %s: %q, want %q", tc.body, tc.inject, got, tc.want)
		}
		if err == nil && body != strings.TrimSpace(tc.body) {
			t.Errorf("response %q kept as %q, want it trimmed", tc.body, body)
		}
	}
	if _, err := checkResponse(items, "done", "again"); !errors.Is(err, scoreboard.ErrDuplicate) {
		t.Errorf("answering twice: %v, want a scoreboard.ErrDuplicate", err)
	}
	var pe *PlayError
	if _, err := checkResponse(items, "news", strings.Repeat("x", MaxResponse+1)); !errors.As(err, &pe) || pe.Arg != MaxResponse || !errors.Is(err, ErrInvalid) {
		t.Errorf("a response too long: %#v, want ErrTooLong naming %d", err, MaxResponse)
	}
}

func TestAReportNamesATeamsHostAndSaysWhat(t *testing.T) {
	plan := &scenarios.TeamPlan{Hosts: []scenarios.HostPlan{{Name: "web"}}}
	ok := scoreboard.IncidentReport{Team: "cl", Target: " web ", Techniques: []string{" t1491 "}, Source: "10.0.0.1", Summary: " defaced "}
	for _, tc := range []struct {
		name   string
		plan   *scenarios.TeamPlan
		change func(*scoreboard.IncidentReport)
		want   string
	}{
		{"a good one", plan, func(*scoreboard.IncidentReport) {}, ""},
		{"no target", plan, func(r *scoreboard.IncidentReport) { r.Target = " " }, "target is required"},
		{"another team's host", plan, func(r *scoreboard.IncidentReport) { r.Target = "db" }, "target names no host of the team"},
		{"any host, no plan known", nil, func(r *scoreboard.IncidentReport) { r.Target = "db" }, ""},
		{"a technique that is none", plan, func(r *scoreboard.IncidentReport) { r.Techniques = []string{"defacement"} }, "techniques is not an ATT&CK technique id (T1234 or T1234.567)"},
		{"a source that is no address", plan, func(r *scoreboard.IncidentReport) { r.Source = "attacker" }, "source is not an IP address"},
		{"no summary", plan, func(r *scoreboard.IncidentReport) { r.Summary = "" }, "summary is required"},
		{"a summary too long", plan, func(r *scoreboard.IncidentReport) { r.Summary = strings.Repeat("x", MaxSummary+1) }, "summary is too long"},
	} {
		r := ok
		tc.change(&r)
		got, err := checkReport(tc.plan, r)
		if b := broken(err); b != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, b, tc.want)
		}
		if tc.name == "a good one" && (got.Target != "web" || got.Summary != "defaced" || len(got.Techniques) != 1 || got.Techniques[0] != "T1491") {
			t.Errorf("a good report kept as %+v, want it trimmed and its techniques in capitals", got)
		}
	}
}

func TestAnIndicatorIsOfAKindAndNamesTheTeamsAttacks(t *testing.T) {
	plan := &scenarios.TeamPlan{Attacks: []scenarios.AttackPlan{{Name: "deface"}}}
	ok := scoreboard.SharedIndicator{Team: "cl", Kind: " ipv4-addr ", Value: " 10.0.0.1 ", Attack: "deface", Description: "the attacker"}
	for _, tc := range []struct {
		name   string
		change func(*scoreboard.SharedIndicator)
		want   string
	}{
		{"a good one", func(*scoreboard.SharedIndicator) {}, ""},
		{"no kind", func(i *scoreboard.SharedIndicator) { i.Kind = "" }, "kind is required"},
		{"an unknown kind", func(i *scoreboard.SharedIndicator) { i.Kind = "email" }, "kind is not a kind of indicator"},
		{"no value", func(i *scoreboard.SharedIndicator) { i.Value = " " }, "value is required"},
		{"a value too long", func(i *scoreboard.SharedIndicator) { i.Value = strings.Repeat("a", MaxValue+1) }, "value is too long"},
		{"an attack of no one", func(i *scoreboard.SharedIndicator) { i.Attack = "phish" }, "attack names no attack of the exercise"},
		{"a technique that is none", func(i *scoreboard.SharedIndicator) { i.Techniques = []string{"T12"} }, "techniques is not an ATT&CK technique id (T1234 or T1234.567)"},
		{"no description", func(i *scoreboard.SharedIndicator) { i.Description = "" }, ""},
		{"a description too long", func(i *scoreboard.SharedIndicator) { i.Description = strings.Repeat("d", MaxDescription+1) }, "description is too long"},
	} {
		in := ok
		tc.change(&in)
		got, err := checkIndicator(plan, in)
		if b := broken(err); b != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, b, tc.want)
		}
		if tc.name == "a good one" && (got.Kind != scoreboard.IndicatorIPv4 || got.Value != "10.0.0.1") {
			t.Errorf("a good indicator kept as %+v, want it trimmed", got)
		}
	}
}
