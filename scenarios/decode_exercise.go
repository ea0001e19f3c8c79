package scenarios

import (
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

var exerciseSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"},
		{Name: "scenario", Required: true},
		{Name: "speed"},
		{Name: "seed"},
		{Name: "address_pool"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "team", LabelNames: []string{"id"}}},
}

var teamSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "name", Required: true},
		{Name: "country", Required: true},
	},
}

// DefaultAddressPool is where teams' subnets come from when an exercise does
// not say and nothing chose another block for it (plan and validate plan
// with it; a deployment takes a free block, starting here). It avoids
// Docker's own default pools (172.17.0.0/16 and up, 192.168.0.0/16).
const DefaultAddressPool = "10.160.0.0/12"

// MaxSpeed is the fastest an exercise's clock may run.
const MaxSpeed = 1000

// LoadExercise loads an exercise file and the scenario it names. The
// scenario is looked for as a path relative to the exercise file, then as a
// folder of that name beside it, then in the bundled library.
func (l *Loader) LoadExercise(p string) (*Exercise, *Scenario, hcl.Diagnostics) {
	dir := filepath.Dir(p)
	fsys, err := dirFS(dir)
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read exercise file", Detail: err.Error()}}
	}
	ex, diags := l.parseExercise(source{fsys: fsys, display: dir}, filepath.Base(p), p)
	if ex == nil || ex.Scenario == "" {
		return ex, nil, diags
	}
	sc, d := l.resolveScenario(ex, dir)
	diags = append(diags, d...)
	return ex, sc, diags
}

// ParseExercise decodes an exercise file held in memory, such as one the
// web interface stored, without loading its scenario; display names it in
// diagnostics.
func (l *Loader) ParseExercise(display string, src []byte) (*Exercise, hcl.Diagnostics) {
	dir, name := path.Split(filepath.ToSlash(display))
	fsys := fstest.MapFS{name: &fstest.MapFile{Data: src, Mode: 0o444}}
	return l.parseExercise(source{fsys: fsys, display: strings.TrimSuffix(dir, "/")}, name, display)
}

// parseExercise decodes the exercise in the file name of src; p is its path
// as the user knows it.
func (l *Loader) parseExercise(src source, name, p string) (*Exercise, hcl.Diagnostics) {
	content, diags := l.parseFile(src, name)
	if content == nil {
		return nil, diags
	}
	fsys := src.fsys
	var ex *Exercise
	for _, b := range content.Blocks {
		if b.Type != "exercise" {
			continue
		}
		if ex != nil {
			diags = append(diags, errorAt(b.DefRange, "Duplicate exercise block",
				fmt.Sprintf("An exercise file holds one exercise; another is at %s. Put each in a file of its own.", where(ex.DeclRange))))
			continue
		}
		var d hcl.Diagnostics
		ex, d = decodeExercise(b, staticContext(fsys, newBudget()))
		diags = append(diags, dedupe(d)...)
	}
	if ex == nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No exercise block",
			Detail:   fmt.Sprintf("%s holds no exercise block. An exercise file names a scenario and its teams: exercise \"NAME\" { scenario = \"...\" team \"ID\" { name = \"...\" country = \"CL\" } }.", p),
			Subject:  content.MissingItemRange.Ptr(),
		})
		return nil, diags
	}
	ex.File = p
	return ex, diags
}

func (l *Loader) resolveScenario(ex *Exercise, dir string) (*Scenario, hcl.Diagnostics) {
	if ex.Scenario != "" {
		candidate := filepath.FromSlash(ex.Scenario)
		if !filepath.IsAbs(candidate) {
			candidate = filepath.Join(dir, candidate)
		}
		if _, err := os.Stat(candidate); err == nil {
			return l.LoadScenario(candidate)
		}
	}
	if !strings.ContainsAny(ex.Scenario, `/\`) && LibraryHas(ex.Scenario) {
		return l.LoadScenarioFS(Library(), ex.Scenario, "library/"+ex.Scenario)
	}
	return nil, hcl.Diagnostics{errorAt(ex.ScenarioRange, "Scenario not found",
		fmt.Sprintf("No scenario %q beside the exercise file (%s) nor in the bundled library (%s). Write the path of a scenario folder, relative to the exercise file, or the name of a bundled scenario.",
			ex.Scenario, dir, strings.Join(LibraryNames(), ", ")))}
}

func decodeExercise(b *hcl.Block, ctx *hcl.EvalContext) (*Exercise, hcl.Diagnostics) {
	ex := &Exercise{Name: b.Labels[0], Speed: 1, AddressPool: DefaultAddressPool, DeclRange: b.DefRange}
	diags := checkName(b)
	content, d := b.Body.Content(exerciseSchema)
	diags = append(diags, d...)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "title":
			ex.Title, d = decodeString(attr, ctx)
		case "scenario":
			ex.Scenario, d = decodeString(attr, ctx)
			ex.ScenarioRange = attr.Expr.Range()
		case "speed":
			ex.Speed, d = decodeFloat(attr, ctx)
			if !d.HasErrors() && (ex.Speed <= 0 || ex.Speed > MaxSpeed) {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid speed",
					fmt.Sprintf("speed makes the clock run faster than real time: a number above 0 and at most %d, such as 1 for a real drill or 10 to rehearse.", MaxSpeed))}
			}
		case "seed":
			ex.Seed, d = decodeString(attr, ctx)
		case "address_pool":
			ex.AddressPool, d = decodeString(attr, ctx)
			if !d.HasErrors() {
				d = checkPool(attr, ex.AddressPool)
			}
			ex.AddressPoolSet = true
		}
		diags = append(diags, d...)
	}

	seen := map[string]*Team{}
	for _, blk := range content.Blocks {
		if d := checkName(blk); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		t, d := decodeTeam(blk, ctx)
		diags = append(diags, d...)
		if prev, dup := seen[t.ID]; dup {
			diags = append(diags, errorAt(blk.LabelRanges[0], "Duplicate team",
				fmt.Sprintf("A team %q is already declared at %s. Give each team its own id.", t.ID, where(prev.DeclRange))))
			continue
		}
		seen[t.ID] = t
		ex.Teams = append(ex.Teams, t)
	}
	if len(content.Blocks) == 0 {
		diags = append(diags, errorAt(b.DefRange, "No teams",
			"An exercise needs at least one team: team \"cl-csirt\" { name = \"CSIRT Chile\" country = \"CL\" }."))
	}
	return ex, diags
}

func checkPool(attr *hcl.Attribute, pool string) hcl.Diagnostics {
	p, err := netip.ParsePrefix(pool)
	if err != nil || !p.Addr().Is4() || p.Masked() != p || p.Bits() > 20 {
		return hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid address pool",
			fmt.Sprintf("%q is not a usable pool. Write an IPv4 range of /20 or wider, starting at its first address, such as %q.", pool, DefaultAddressPool))}
	}
	return nil
}

func decodeTeam(b *hcl.Block, ctx *hcl.EvalContext) (*Team, hcl.Diagnostics) {
	t := &Team{ID: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(teamSchema)
	for _, attr := range content.Attributes {
		var d hcl.Diagnostics
		switch attr.Name {
		case "name":
			t.Name, d = decodeString(attr, ctx)
		case "country":
			var c string
			c, d = decodeString(attr, ctx)
			t.Country = strings.ToUpper(strings.TrimSpace(c))
			if !d.HasErrors() && !IsCountryCode(t.Country) {
				d = hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid country",
					fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code. Use codes such as \"CL\" for Chile or \"CO\" for Colombia.", c))}
			}
		}
		diags = append(diags, d...)
	}
	return t, diags
}
