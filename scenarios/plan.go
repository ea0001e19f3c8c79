package scenarios

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// TeamPlan is everything one team gets, with every per-team value worked
// out: subnets, addresses, secrets, commands. The orchestrator deploys it and
// the engine runs its timeline.
type TeamPlan struct {
	Exercise string   `json:"exercise"`
	Scenario string   `json:"scenario"`
	Team     TeamInfo `json:"team"`

	Networks   []NetworkPlan   `json:"networks"`
	Hosts      []HostPlan      `json:"hosts"`
	Attackers  []AttackerPlan  `json:"attackers"`
	Scorebot   ScorebotPlan    `json:"scorebot"`
	Attacks    []AttackPlan    `json:"attacks"`
	Injects    []InjectPlan    `json:"injects"`
	Challenges []ChallengePlan `json:"challenges"`

	// AddressPool is the block of addresses the team's assigned subnets
	// come from when the exercise writes no address_pool; not valid when
	// it writes one, or when the scenario writes every subnet.
	// Deployments label the team's networks with it, so that the next
	// one keeps the exercise's addresses where they are.
	AddressPool netip.Prefix `json:"-"`
}

// TeamInfo identifies a team in a plan. Index counts from 1 in the order
// the exercise lists its teams.
type TeamInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Index   int    `json:"index"`
	Country string `json:"country"`
}

// NetworkPlan is one of a team's networks.
type NetworkPlan struct {
	Name     string       `json:"name"`
	Subnet   netip.Prefix `json:"subnet"`
	Gateway  netip.Addr   `json:"gateway"`
	Internet bool         `json:"internet"`
}

// Attachment is a container's place on one network.
type Attachment struct {
	Network string     `json:"network"`
	Address netip.Addr `json:"address"`
}

// HostPlan is one of a team's hosts, ready to run.
type HostPlan struct {
	Name         string            `json:"name"`
	Hostname     string            `json:"hostname"`
	Description  string            `json:"description,omitempty"`
	Image        string            `json:"image,omitempty"`
	Build        *Build            `json:"build,omitempty"`
	Networks     []Attachment      `json:"networks"`
	Memory       int64             `json:"memory_bytes"`
	CPUs         float64           `json:"cpus"`
	Pids         int64             `json:"pids"`
	Capabilities []string          `json:"capabilities"`
	Shell        string            `json:"shell"`
	Env          map[string]string `json:"env,omitempty"`
	Command      []string          `json:"command,omitempty"`
	Services     []ServicePlan     `json:"services"`
}

// Address is the host's address on its first network.
func (h HostPlan) Address() netip.Addr { return h.Networks[0].Address }

// Default limits of a range container, for hosts that name none.
const (
	DefaultMemory = 256 << 20
	DefaultCPUs   = 0.5
	DefaultPids   = 256
)

// ServicePlan is a port a host offers and how it is checked.
type ServicePlan struct {
	Name     string     `json:"name"`
	Port     int        `json:"port"`
	Protocol string     `json:"protocol"`
	Check    *CheckPlan `json:"check,omitempty"`
}

// CheckPlan is one check the scorebot runs every round.
type CheckPlan struct {
	Type    string     `json:"type"`
	Host    string     `json:"host"`
	Service string     `json:"service"`
	Address netip.Addr `json:"address"`
	Port    int        `json:"port"`
	Timeout Duration   `json:"timeout"`

	HTTP    *HTTPCheck    `json:"http,omitempty"`
	TCP     *TCPCheck     `json:"tcp,omitempty"`
	DNS     *DNSCheck     `json:"dns,omitempty"`
	Command *CommandCheck `json:"command,omitempty"`
}

// HTTPCheck passes when the service answers with ExpectStatus and, if set, a
// body matching BodyMatches.
type HTTPCheck struct {
	Scheme       string `json:"scheme"`
	Method       string `json:"method"`
	Path         string `json:"path"`
	HostHeader   string `json:"host_header,omitempty"`
	ExpectStatus int    `json:"expect_status"`
	BodyMatches  string `json:"body_matches,omitempty"`
}

// TCPCheck passes when a connection opens and, if Expect is set, what the
// service says (after Send, if set) matches it.
type TCPCheck struct {
	Send   string `json:"send,omitempty"`
	Expect string `json:"expect,omitempty"`
}

// DNSCheck passes when the server answers a query for Name of Type, and if
// Expect is set, an answer matches it.
type DNSCheck struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Expect string `json:"expect,omitempty"`
}

// CommandCheck runs a command in the scorebot; it passes when the command
// exits with ExpectExit and, if set, its output matches OutputMatches.
type CommandCheck struct {
	Run           []string `json:"run"`
	ExpectExit    int      `json:"expect_exit"`
	OutputMatches string   `json:"output_matches,omitempty"`
}

// AttackerPlan is a team's attacker container.
type AttackerPlan struct {
	Name         string            `json:"name"`
	Image        string            `json:"image,omitempty"`
	Build        *Build            `json:"build,omitempty"`
	Networks     []Attachment      `json:"networks"`
	Capabilities []string          `json:"capabilities"`
	Env          map[string]string `json:"env,omitempty"`
}

// Address is the attacker's address on its first network.
func (a AttackerPlan) Address() netip.Addr { return a.Networks[0].Address }

// ScorebotPlan is a team's scorebot container.
type ScorebotPlan struct {
	Networks []Attachment `json:"networks"`
	Round    Duration     `json:"round"`
	Jitter   Duration     `json:"jitter"`
}

// Placeholders in an attack's plan for values known only when it runs; see
// [AttackPlan.ForRun].
const (
	RunIDPlaceholder    = "{{run.id}}"
	RunNoncePlaceholder = "{{run.nonce}}"
)

// AttackPlan is one attack against a team, with its commands worked out.
type AttackPlan struct {
	Name      string   `json:"name"`
	Title     string   `json:"title"`
	Technique []string `json:"technique,omitempty"`

	// At is the offset from the exercise's start, for attacks that do not
	// wait on another.
	At    Duration `json:"at"`
	After string   `json:"after,omitempty"`
	When  string   `json:"when,omitempty"`
	Delay Duration `json:"delay,omitempty"`

	From          string       `json:"from"`
	Target        string       `json:"target"`
	TargetAddress netip.Addr   `json:"target_address"`
	Timeout       Duration     `json:"timeout"`
	Run           []string     `json:"run"`
	Cleanup       []string     `json:"cleanup,omitempty"`
	Success       *SuccessPlan `json:"success,omitempty"`
}

// SuccessPlan is an attack's evidence criteria for one team.
type SuccessPlan struct {
	Mode           string          `json:"mode"`
	OutputMatches  string          `json:"output_matches,omitempty"`
	OutputExcludes string          `json:"output_excludes,omitempty"`
	Probes         []ProbePlan     `json:"probes,omitempty"`
	Callbacks      []CallbackPlan  `json:"callbacks,omitempty"`
	HTTP           []HTTPProbePlan `json:"http,omitempty"`
}

// ProbePlan is a command run on the target after the attack.
type ProbePlan struct {
	Command       []string `json:"command"`
	ExpectExit    int      `json:"expect_exit"`
	OutputMatches string   `json:"output_matches,omitempty"`
}

// CallbackPlan is a connection the target must make back to the attacker.
type CallbackPlan struct {
	Port   int      `json:"port"`
	Within Duration `json:"within"`
}

// HTTPProbePlan is a request made from the attacker after the attack.
type HTTPProbePlan struct {
	URL          string `json:"url"`
	Method       string `json:"method"`
	ExpectStatus int    `json:"expect_status"`
	BodyMatches  string `json:"body_matches,omitempty"`
}

// ForRun returns the attack with the run's correlation id and nonce in
// place of their placeholders.
func (a AttackPlan) ForRun(id, nonce string) AttackPlan {
	r := strings.NewReplacer(RunIDPlaceholder, id, RunNoncePlaceholder, nonce)
	each := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = r.Replace(s)
		}
		return out
	}
	a.Run = each(a.Run)
	a.Cleanup = each(a.Cleanup)
	if a.Success != nil {
		s := *a.Success
		s.OutputMatches = r.Replace(s.OutputMatches)
		s.OutputExcludes = r.Replace(s.OutputExcludes)
		s.Probes = append([]ProbePlan(nil), s.Probes...)
		for i := range s.Probes {
			s.Probes[i].Command = each(s.Probes[i].Command)
			s.Probes[i].OutputMatches = r.Replace(s.Probes[i].OutputMatches)
		}
		s.HTTP = append([]HTTPProbePlan(nil), s.HTTP...)
		for i := range s.HTTP {
			s.HTTP[i].URL = r.Replace(s.HTTP[i].URL)
			s.HTTP[i].BodyMatches = r.Replace(s.HTTP[i].BodyMatches)
		}
		a.Success = &s
	}
	return a
}

// InjectPlan is a storyline message for one team.
type InjectPlan struct {
	Name     string        `json:"name"`
	At       Duration      `json:"at"`
	From     string        `json:"from,omitempty"`
	Subject  string        `json:"subject"`
	Body     string        `json:"body"`
	Response *ResponsePlan `json:"response,omitempty"`
}

// ResponsePlan is the answer an inject asks for.
type ResponsePlan struct {
	Due    Duration `json:"due"`
	Points int      `json:"points"`
}

// ChallengePlan is a question with the team's own accepted answers.
type ChallengePlan struct {
	Name     string     `json:"name"`
	Question string     `json:"question"`
	Answers  []string   `json:"answers"`
	Points   int        `json:"points"`
	Match    string     `json:"match"`
	Hints    []HintPlan `json:"hints,omitempty"`
}

// HintPlan is a hint with its cost worked out.
type HintPlan struct {
	Text string `json:"text"`
	Cost int    `json:"cost"`
}

// Duration is a time.Duration that JSON renders as people write it: "10m",
// "1h30m".
type Duration time.Duration

func (d Duration) String() string { return Human(time.Duration(d)) }

// MarshalJSON renders the duration as a string such as "1h30m".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(d.String())), nil
}

// UnmarshalJSON reads a duration written as a string such as "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("duration %s: want a string such as \"10m\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// TimelineEvent is one entry of a team's timeline.
type TimelineEvent struct {
	// At is when the event happens; for an attack that waits on another, the
	// earliest it can.
	At     Duration `json:"at"`
	Kind   string   `json:"kind"` // "attack" or "inject"
	Name   string   `json:"name"`
	Title  string   `json:"title"`
	Detail string   `json:"detail,omitempty"`
}

// Checks returns the team's checks, host by host, service by service: what
// its scorebot runs every round.
func (p *TeamPlan) Checks() []CheckPlan {
	var checks []CheckPlan
	for _, h := range p.Hosts {
		for _, s := range h.Services {
			if s.Check != nil {
				checks = append(checks, *s.Check)
			}
		}
	}
	return checks
}

// Timeline returns the team's attacks and injects in time order. An attack
// that waits on another is placed at the earliest it can run: when its
// parent starts, plus its delay.
func (p *TeamPlan) Timeline() []TimelineEvent {
	attacks := map[string]AttackPlan{}
	for _, a := range p.Attacks {
		attacks[a.Name] = a
	}
	var earliest func(a AttackPlan, depth int) Duration
	earliest = func(a AttackPlan, depth int) Duration {
		parent, ok := attacks[a.After]
		if a.After == "" || !ok || depth > len(attacks) {
			return a.At
		}
		return earliest(parent, depth+1) + a.Delay
	}
	var events []TimelineEvent
	for _, a := range p.Attacks {
		detail := fmt.Sprintf("%s → %s (%s)", a.From, a.Target, a.TargetAddress)
		if a.After != "" {
			detail = fmt.Sprintf("after %s %s, %s", a.After, a.When, detail)
		}
		if len(a.Technique) > 0 {
			detail += " " + strings.Join(a.Technique, ",")
		}
		events = append(events, TimelineEvent{At: earliest(a, 0), Kind: "attack", Name: a.Name, Title: a.Title, Detail: detail})
	}
	for _, in := range p.Injects {
		detail := ""
		if in.Response != nil {
			detail = fmt.Sprintf("response due in %s, %d points", in.Response.Due, in.Response.Points)
		}
		events = append(events, TimelineEvent{At: in.At, Kind: "inject", Name: in.Name, Title: in.Subject, Detail: detail})
	}
	sortTimeline(events)
	return events
}
