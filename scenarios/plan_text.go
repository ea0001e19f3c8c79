package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// String renders the plan for people: networks, containers with their
// addresses and limits, checks, and the timeline. Tests compare it with
// golden files, so its layout changes only on purpose.
func (p *TeamPlan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Team %s %q (%s), index %d\n", p.Team.ID, p.Team.Name, p.Team.Country, p.Team.Index)

	b.WriteString("  Networks\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, n := range p.Networks {
		reach := "sealed"
		if n.Internet {
			reach = "internet"
		}
		fmt.Fprintf(tw, "    %s\t%s\tgateway %s\t%s\n", n.Name, n.Subnet, n.Gateway, reach)
	}
	tw.Flush()

	b.WriteString("  Containers\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, h := range p.Hosts {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", h.Name, attachments(h.Networks), imageOf(h.Image, h.Build), limits(h))
	}
	for _, a := range p.Attackers {
		caps := ""
		if len(a.Capabilities) > 0 {
			caps = "\t+" + strings.Join(a.Capabilities, " +")
		}
		fmt.Fprintf(tw, "    %s (attacker)\t%s\t%s%s\n", a.Name, attachments(a.Networks), imageOf(a.Image, a.Build), caps)
	}
	round := "round " + Human(time.Duration(p.Scorebot.Round))
	if p.Scorebot.Jitter > 0 {
		round += " ±" + Human(time.Duration(p.Scorebot.Jitter))
	}
	fmt.Fprintf(tw, "    scorebot\t%s\t%s\n", attachments(p.Scorebot.Networks), round)
	tw.Flush()

	b.WriteString("  Services\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, h := range p.Hosts {
		for _, s := range h.Services {
			fmt.Fprintf(tw, "    %s/%s\t%d/%s\t%s\n", h.Name, s.Name, s.Port, s.Protocol, describeCheck(s.Check))
		}
	}
	tw.Flush()

	if env := envLines(p); len(env) > 0 {
		b.WriteString("  Environment\n")
		for _, l := range env {
			b.WriteString("    " + l + "\n")
		}
	}

	b.WriteString("  Timeline\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, e := range p.Timeline() {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", Clock(time.Duration(e.At)), e.Kind, e.Name, e.Title)
		if e.Detail != "" {
			fmt.Fprintf(tw, "    \t\t\t%s\n", e.Detail)
		}
	}
	tw.Flush()

	if len(p.Challenges) > 0 {
		b.WriteString("  Challenges\n")
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, c := range p.Challenges {
			fmt.Fprintf(tw, "    %s\t%d points\tanswer %s (%s)\n", c.Name, c.Points, strings.Join(quoteAll(c.Answers), " or "), c.Match)
		}
		tw.Flush()
	}
	return b.String()
}

// Human renders a duration as people write it: "20m", "1h30m", "90s".
func Human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Clock renders an offset from the exercise's start as hh:mm:ss.
func Clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

func attachments(att []Attachment) string {
	parts := make([]string, len(att))
	for i, a := range att {
		parts[i] = fmt.Sprintf("%s (%s)", a.Address, a.Network)
	}
	return strings.Join(parts, ", ")
}

func imageOf(image string, b *Build) string {
	if b != nil {
		return "build " + b.Context
	}
	return image
}

func limits(h HostPlan) string {
	s := fmt.Sprintf("%s, %g CPU, %d pids", bytesString(h.Memory), h.CPUs, h.Pids)
	if len(h.Capabilities) > 0 {
		s += ", +" + strings.Join(h.Capabilities, " +")
	}
	return s
}

func bytesString(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dB", n)
}

func describeCheck(c *CheckPlan) string {
	if c == nil {
		return "not checked"
	}
	switch {
	case c.HTTP != nil:
		s := fmt.Sprintf("check http %s %s://%s:%d%s → %d", c.HTTP.Method, c.HTTP.Scheme, c.Address, c.Port, c.HTTP.Path, c.HTTP.ExpectStatus)
		if c.HTTP.BodyMatches != "" {
			s += fmt.Sprintf(" body ~ %q", c.HTTP.BodyMatches)
		}
		return s
	case c.TCP != nil:
		s := fmt.Sprintf("check tcp %s:%d", c.Address, c.Port)
		if c.TCP.Expect != "" {
			s += fmt.Sprintf(" expect %q", c.TCP.Expect)
		}
		return s
	case c.DNS != nil:
		return fmt.Sprintf("check dns %s %s @%s:%d", c.DNS.Type, c.DNS.Name, c.Address, c.Port)
	case c.Command != nil:
		return fmt.Sprintf("check command %s → exit %d", strings.Join(c.Command.Run, " "), c.Command.ExpectExit)
	}
	return "check " + c.Type
}

func envLines(p *TeamPlan) []string {
	var lines []string
	add := func(owner string, env map[string]string) {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			// A multi-line value, such as a script, stays under its name.
			value := strings.ReplaceAll(strings.TrimRight(env[k], "\n"), "\n", "\n      | ")
			lines = append(lines, fmt.Sprintf("%s: %s=%s", owner, k, value))
		}
	}
	for _, h := range p.Hosts {
		add(h.Name, h.Env)
	}
	for _, a := range p.Attackers {
		add(a.Name, a.Env)
	}
	return lines
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// TimelineByTeam renders every team's timeline side by side, for the
// instructor who must know when each attack and inject falls for whom.
// Teams whose timelines are the same share a column, named after their
// country when they are all of its teams (a campaign that reaches Chile
// first and Colombia later shows a CL and a CO column), else after the
// teams. An attack that waits on another is at its earliest (≥); a dash
// says the team does not get that inject.
func TimelineByTeam(plans []*TeamPlan) string {
	if len(plans) == 0 {
		return ""
	}
	type group struct {
		key   string
		teams []TeamInfo
		at    map[string]string // kind/name → time
	}
	type row struct {
		kind, name, title string
		first             Duration
	}
	var groups []*group
	rows := map[string]*row{}
	var order []string
	for _, p := range plans {
		after := map[string]bool{}
		for _, a := range p.Attacks {
			after[a.Name] = a.After != ""
		}
		at := map[string]string{}
		var key strings.Builder
		for _, e := range p.Timeline() {
			id := e.Kind + "/" + e.Name
			s := Clock(time.Duration(e.At))
			if e.Kind == "attack" && after[e.Name] {
				s = "≥" + s
			}
			at[id] = s
			fmt.Fprintf(&key, "%s=%s;", id, s)
			r, ok := rows[id]
			if !ok {
				r = &row{kind: e.Kind, name: e.Name, title: e.Title, first: e.At}
				rows[id] = r
				order = append(order, id)
			}
			r.first = min(r.first, e.At)
		}
		var g *group
		for _, x := range groups {
			if x.key == key.String() {
				g = x
			}
		}
		if g == nil {
			g = &group{key: key.String(), at: at}
			groups = append(groups, g)
		}
		g.teams = append(g.teams, p.Team)
	}
	sort.SliceStable(order, func(i, j int) bool { return rows[order[i]].first < rows[order[j]].first })

	// A column is named after its country when it holds all of that
	// country's teams and only them.
	byCountry := map[string]int{}
	for _, p := range plans {
		byCountry[p.Team.Country]++
	}
	label := func(g *group) string {
		if len(groups) == 1 {
			return "every team"
		}
		c := g.teams[0].Country
		same := true
		for _, t := range g.teams {
			same = same && t.Country == c
		}
		if same && byCountry[c] == len(g.teams) {
			return c
		}
		ids := make([]string, len(g.teams))
		for i, t := range g.teams {
			ids[i] = t.ID
		}
		if len(ids) > 3 {
			return fmt.Sprintf("%s +%d", ids[0], len(ids)-1)
		}
		return strings.Join(ids, ",")
	}

	var b strings.Builder
	if len(groups) == 1 {
		switch len(plans) {
		case 1:
			b.WriteString("Timeline by team: one team\n")
		case 2:
			b.WriteString("Timeline by team: the same for both teams\n")
		default:
			fmt.Fprintf(&b, "Timeline by team: the same for all %d teams\n", len(plans))
		}
	} else {
		fmt.Fprintf(&b, "Timeline by team: it differs between teams\n")
	}
	if len(groups) > 1 {
		var cols []string
		for _, g := range groups {
			ids := make([]string, len(g.teams))
			for i, t := range g.teams {
				ids[i] = t.ID
			}
			cols = append(cols, fmt.Sprintf("%s = %s", label(g), strings.Join(ids, ", ")))
		}
		fmt.Fprintf(&b, "  columns: %s\n", strings.Join(cols, "; "))
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "  \t")
	for _, g := range groups {
		fmt.Fprintf(tw, "\t%s", label(g))
	}
	fmt.Fprint(tw, "\t\n")
	for _, id := range order {
		r := rows[id]
		fmt.Fprintf(tw, "  %s\t%s", r.kind, r.name)
		for _, g := range groups {
			s, ok := g.at[id]
			if !ok {
				s = "—"
			}
			fmt.Fprintf(tw, "\t%s", s)
		}
		fmt.Fprintf(tw, "\t%s\n", r.title)
	}
	tw.Flush()
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
