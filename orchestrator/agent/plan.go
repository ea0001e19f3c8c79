package agent

import (
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

// FromPlan is the agent's copy of a check: what it needs to run it, and no
// more. A zero timeout becomes scenarios.DefaultCheckTimeout, as
// orchestrator.RunCheck does.
func FromPlan(p scenarios.CheckPlan) probe.Check {
	c := probe.Check{Type: p.Type, Address: p.Address.String(), Port: p.Port, Timeout: time.Duration(p.Timeout)}
	if c.Timeout <= 0 {
		c.Timeout = scenarios.DefaultCheckTimeout
	}
	if h := p.HTTP; h != nil {
		c.HTTP = &probe.HTTPCheck{Scheme: h.Scheme, Method: h.Method, Path: h.Path, HostHeader: h.HostHeader, ExpectStatus: h.ExpectStatus, BodyMatches: h.BodyMatches}
	}
	if t := p.TCP; t != nil {
		c.TCP = &probe.TCPCheck{Send: t.Send, Expect: t.Expect}
	}
	if d := p.DNS; d != nil {
		c.DNS = &probe.DNSCheck{Name: d.Name, Type: d.Type, Expect: d.Expect}
	}
	if cmd := p.Command; cmd != nil {
		c.Command = &probe.CommandCheck{Run: append([]string(nil), cmd.Run...), ExpectExit: cmd.ExpectExit, OutputMatches: cmd.OutputMatches}
	}
	return c
}
