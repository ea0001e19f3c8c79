package scenarios

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

var hostSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "image"},
		{Name: "hostname"},
		{Name: "description"},
		{Name: "networks", Required: true},
		{Name: "memory"},
		{Name: "cpus"},
		{Name: "pids"},
		{Name: "capabilities"},
		{Name: "shell"},
		{Name: "env"},
		{Name: "command"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "build"},
		{Type: "service", LabelNames: []string{"name"}},
	},
}

var attackerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "image"},
		{Name: "networks", Required: true},
		{Name: "capabilities"},
		{Name: "env"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "build"}},
}

var buildSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "context", Required: true},
		{Name: "dockerfile"},
		{Name: "args"},
	},
}

var serviceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "port", Required: true},
		{Name: "protocol"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "check", LabelNames: []string{"type"}}},
}

// checkSchemas gives each check type its attributes. A new check type is a
// new entry here, in checkPlan's evaluation, and in the scorebot.
var checkSchemas = map[string]*hcl.BodySchema{
	CheckHTTP: {Attributes: []hcl.AttributeSchema{
		{Name: "timeout"}, {Name: "path"}, {Name: "method"}, {Name: "scheme"},
		{Name: "host_header"}, {Name: "expect_status"}, {Name: "body_matches"},
	}},
	CheckTCP: {Attributes: []hcl.AttributeSchema{
		{Name: "timeout"}, {Name: "send"}, {Name: "expect"},
	}},
	CheckDNS: {Attributes: []hcl.AttributeSchema{
		{Name: "timeout"}, {Name: "name", Required: true}, {Name: "type"}, {Name: "expect"},
	}},
	CheckCommand: {Attributes: []hcl.AttributeSchema{
		{Name: "timeout"}, {Name: "run", Required: true}, {Name: "expect_exit"}, {Name: "output_matches"},
	}},
}

func decodeHost(b *hcl.Block, ctx *hcl.EvalContext) (*Host, hcl.Diagnostics) {
	h := &Host{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(hostSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "image":
			h.Image, d = decodeString(attr, ctx)
		case "hostname":
			h.Hostname, d = decodeString(attr, ctx)
			if !d.HasErrors() && !hostnamePattern.MatchString(h.Hostname) {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid hostname",
					fmt.Sprintf("%q is not a hostname. Use letters, digits and dashes, at most 63 characters.", h.Hostname))}
			}
		case "description":
			h.Description, d = decodeString(attr, ctx)
		case "networks":
			h.Networks, d = decodeRefs(attr, "network")
		case "memory":
			h.Memory, d = decodeSize(attr, ctx)
			if !d.HasErrors() && h.Memory < 6<<20 {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Memory too small",
					"A container needs at least 6MiB; most services want 64MiB or more.")}
			}
		case "cpus":
			h.CPUs, d = decodeFloat(attr, ctx)
			if !d.HasErrors() && (h.CPUs <= 0 || h.CPUs > 64) {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid CPU limit",
					"cpus is a share of CPUs greater than 0, such as 0.5 for half a CPU, at most 64.")}
			}
		case "pids":
			h.Pids, d = decodeInt(attr, ctx, 16, 1<<22)
		case "capabilities":
			h.Capabilities, d = decodeCapabilities(attr, ctx)
		case "shell":
			h.Shell, d = decodeString(attr, ctx)
		case "env":
			h.Env = attr.Expr
		case "command":
			h.Command = attr.Expr
		}
		diags = append(diags, d...)
	}
	if h.Hostname == "" {
		h.Hostname = h.Name
	}
	if h.Shell == "" {
		h.Shell = "/bin/bash"
	}

	diags = append(diags, decodeHostBlocks(h, content.Blocks, ctx)...)
	diags = append(diags, imageOrBuild(b, h.Image, h.Build)...)
	return h, diags
}

// decodeHostBlocks decodes a host's build block, of which it has at most
// one, and its services, each named once.
func decodeHostBlocks(h *Host, blocks hcl.Blocks, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	for _, blk := range blocks {
		switch blk.Type {
		case "build":
			if h.Build != nil {
				diags = append(diags, errorAt(blk.DefRange, "Duplicate build block", "A host has one build block."))
				continue
			}
			var d hcl.Diagnostics
			h.Build, d = decodeBuild(blk, ctx)
			diags = append(diags, d...)
		case "service":
			if d := checkName(blk); d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			name := blk.Labels[0]
			if prev, dup := seen[name]; dup {
				diags = append(diags, errorAt(blk.LabelRanges[0], "Duplicate service",
					fmt.Sprintf("Host %q already has a service %q at %s. Give each service of a host its own name.", h.Name, name, where(prev))))
				continue
			}
			seen[name] = blk.DefRange
			s, d := decodeService(blk, ctx)
			diags = append(diags, d...)
			h.Services = append(h.Services, s)
		}
	}
	return diags
}

var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// decodeCapabilities decodes a list of capability names into their
// canonical form, refusing those that are no capability and those that
// would let a container out (see CheckCapability), each at its element.
func decodeCapabilities(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, hcl.Diagnostics) {
	caps, diags := decodeStrings(attr, ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	elems, d := hcl.ExprList(attr.Expr)
	if d.HasErrors() || len(elems) != len(caps) {
		elems = nil // computed: the diagnostics point at the whole list
	}
	out := make([]string, 0, len(caps))
	for i, c := range caps {
		rng := attr.Expr.Range()
		if elems != nil {
			rng = elems[i].Range()
		}
		name, err := CheckCapability(c)
		var ce *CapabilityError
		switch {
		case err == nil:
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		case errors.As(err, &ce) && ce.Reason != "":
			diags = append(diags, errorAt(rng, "Capability not allowed",
				fmt.Sprintf("%s. Give the container only what its exercise needs, such as NET_ADMIN for a firewall.", upperFirst(ce.Reason))))
		default:
			detail := fmt.Sprintf("%q is not a Linux capability.", c)
			if strings.HasPrefix(CanonicalCapability(c), "CAP_") {
				detail = fmt.Sprintf("%q has the CAP_ prefix twice; write it once or not at all.", c)
			} else if ce != nil && ce.Suggestion != "" {
				detail += fmt.Sprintf(" Did you mean %q?", ce.Suggestion)
			}
			diags = append(diags, errorAt(rng, "Unknown capability",
				fmt.Sprintf("%s A container may have %s.", detail, strings.Join(AllowedCapabilities(), ", "))))
		}
	}
	return out, diags
}

func imageOrBuild(b *hcl.Block, image string, build *Build) hcl.Diagnostics {
	switch {
	case image == "" && build == nil:
		return hcl.Diagnostics{errorAt(b.DefRange, "Missing image",
			fmt.Sprintf("The %s %q needs an image = \"cordillera/NAME:TAG\" or a build { context = \"...\" } block.", b.Type, b.Labels[0]))}
	case image != "" && build != nil:
		return hcl.Diagnostics{errorAt(build.DeclRange, "Both image and build",
			fmt.Sprintf("The %s %q names an image and a build block. Keep one: image to use a built image, build to build it from a Dockerfile.", b.Type, b.Labels[0]))}
	}
	return nil
}

func decodeBuild(b *hcl.Block, ctx *hcl.EvalContext) (*Build, hcl.Diagnostics) {
	bd := &Build{Dockerfile: "Dockerfile", DeclRange: b.DefRange, DockerfileRange: b.DefRange}
	content, diags := b.Body.Content(buildSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "context":
			bd.ContextRange = attr.Expr.Range()
			bd.Context, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = cleanBuildPath(&bd.Context, attr, "build context", "the scenario's folder", "images/portal")
			}
		case "dockerfile":
			bd.DockerfileRange = attr.Expr.Range()
			bd.Dockerfile, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = cleanBuildPath(&bd.Dockerfile, attr, "Dockerfile path", "the build context", "Dockerfile.portal")
			}
		case "args":
			bd.Args, d = decodeStringMap(attr, ctx)
		}
		diags = append(diags, d...)
	}
	return bd, diags
}

// cleanBuildPath keeps a build's path inside the folder it is relative to:
// the build context inside the scenario's folder, so that a scenario builds
// only from its own files, and the Dockerfile inside the context, which is
// all the engine sees. what names the path in messages ("build context").
func cleanBuildPath(p *string, attr *hcl.Attribute, what, folder, example string) hcl.Diagnostics {
	clean, err := cleanRelative(*p)
	if err == nil {
		*p = clean
		return nil
	}
	fix := fmt.Sprintf("Write the path relative to %s, such as %q.", folder, example)
	switch {
	case *p == "":
		return hcl.Diagnostics{errorAt(attr.Expr.Range(), "Empty "+what, fix)}
	case path.IsAbs(filepath.ToSlash(*p)) || filepath.IsAbs(*p):
		return hcl.Diagnostics{errorAt(attr.Expr.Range(), "Absolute "+what, fix)}
	}
	return hcl.Diagnostics{errorAt(attr.Expr.Range(), fmt.Sprintf("%s outside %s", upperFirst(what), folder),
		fmt.Sprintf("%q leads out of %s. Keep what the image is built from inside it, and name it relative to it, such as %q.", *p, folder, example))}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func decodeService(b *hcl.Block, ctx *hcl.EvalContext) (*Service, hcl.Diagnostics) {
	s := &Service{Name: b.Labels[0], Protocol: "tcp", DeclRange: b.DefRange}
	content, diags := b.Body.Content(serviceSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "port":
			var p int64
			p, d = decodeInt(attr, ctx, 1, 65535)
			s.Port = int(p)
		case "protocol":
			s.Protocol, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = oneOf(attr, s.Protocol, "tcp", "udp")
			}
		}
		diags = append(diags, d...)
	}
	for _, blk := range content.Blocks {
		if s.hasCheckBlock {
			diags = append(diags, errorAt(blk.DefRange, "Duplicate check",
				fmt.Sprintf("Service %q already has a check. A service has one check; to check another port, add another service.", s.Name)))
			continue
		}
		c, d := decodeCheck(blk, ctx)
		diags = append(diags, d...)
		s.Check = c
		s.hasCheckBlock = true
	}
	return s, diags
}

func decodeCheck(b *hcl.Block, ctx *hcl.EvalContext) (*Check, hcl.Diagnostics) {
	c := &Check{Type: b.Labels[0], Timeout: DefaultCheckTimeout, DeclRange: b.DefRange}
	schema, ok := checkSchemas[c.Type]
	if !ok {
		detail := fmt.Sprintf("Cordillera knows the check types %s.", quoteList(CheckTypes))
		if s := suggest(c.Type, CheckTypes); s != "" {
			detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
		}
		return nil, hcl.Diagnostics{errorAt(b.LabelRanges[0], fmt.Sprintf("Unknown check type %q", c.Type), detail)}
	}
	content, diags := b.Body.Content(schema)
	c.Attrs = content.Attributes
	if attr, ok := c.Attrs["timeout"]; ok {
		d, dd := decodeDuration(attr, ctx)
		diags = append(diags, dd...)
		if !dd.HasErrors() {
			if d == 0 {
				diags = append(diags, errorAt(attr.Expr.Range(), "Invalid timeout", "A check's timeout must be longer than zero, such as \"5s\"."))
			}
			c.Timeout = d
		}
	}
	return c, diags
}

func decodeAttacker(b *hcl.Block, ctx *hcl.EvalContext) (*Attacker, hcl.Diagnostics) {
	a := &Attacker{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(attackerSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "image":
			a.Image, d = decodeString(attr, ctx)
		case "networks":
			a.Networks, d = decodeRefs(attr, "network")
		case "capabilities":
			a.Capabilities, d = decodeCapabilities(attr, ctx)
		case "env":
			a.Env = attr.Expr
		}
		diags = append(diags, d...)
	}
	for _, blk := range content.Blocks {
		if a.Build != nil {
			diags = append(diags, errorAt(blk.DefRange, "Duplicate build block", "An attacker has one build block."))
			continue
		}
		var d hcl.Diagnostics
		a.Build, d = decodeBuild(blk, ctx)
		diags = append(diags, d...)
	}
	diags = append(diags, imageOrBuild(b, a.Image, a.Build)...)
	return a, diags
}
