package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxFileSize bounds what the loader reads from one file, so a mistaken path
// to a large file gives an error rather than exhausting memory.
const maxFileSize = 4 << 20

// Loader parses scenario and exercise files. It remembers every file it
// parsed, so diagnostics can be rendered with source snippets.
type Loader struct {
	parser *hclparse.Parser
}

// NewLoader returns a loader with no files parsed yet.
func NewLoader() *Loader {
	return &Loader{parser: hclparse.NewParser()}
}

// Files returns every file parsed so far, by the name diagnostics use.
func (l *Loader) Files() map[string]*hcl.File {
	return l.parser.Files()
}

// source is a scenario folder: the file system its files are read from and
// the name under which the user knows the folder.
type source struct {
	fsys    fs.FS
	display string
}

func (s source) name(file string) string {
	if s.display == "" || s.display == "." {
		return file
	}
	return filepath.ToSlash(filepath.Join(s.display, file))
}

// topSchema lists every block a file may hold.
var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "scenario", LabelNames: []string{"name"}},
		{Type: "network", LabelNames: []string{"name"}},
		{Type: "host", LabelNames: []string{"name"}},
		{Type: "attacker", LabelNames: []string{"name"}},
		{Type: "attack", LabelNames: []string{"name"}},
		{Type: "inject", LabelNames: []string{"name"}},
		{Type: "challenge", LabelNames: []string{"name"}},
		{Type: "scorebot"},
		{Type: "scoring"},
		{Type: "exercise", LabelNames: []string{"name"}},
	},
}

// LoadScenario loads the scenario at path: a folder of .hcl files, or a
// single .hcl file, which stands for the scenario in its folder. Exercise
// files in the folder are not part of the scenario.
//
// The scenario comes back even when there are errors, with what could be
// decoded, so that callers can report every mistake at once.
func (l *Loader) LoadScenario(p string) (*Scenario, hcl.Diagnostics) {
	dir := p
	if info, err := os.Stat(p); err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Scenario not found",
			Detail:   fmt.Sprintf("Cannot read %s: %v. Give the path to a scenario folder or to one of its .hcl files.", p, unwrapPathError(err)),
		}}
	} else if !info.IsDir() {
		dir = filepath.Dir(p)
	}
	fsys, err := dirFS(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot open scenario folder", Detail: err.Error()}}
	}
	return l.loadScenario(source{fsys: fsys, display: dir})
}

// LoadScenarioFS loads the scenario in the folder dir of fsys; display is the
// name diagnostics give that folder.
func (l *Loader) LoadScenarioFS(fsys fs.FS, dir, display string) (*Scenario, hcl.Diagnostics) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Scenario not found", Detail: err.Error()}}
	}
	return l.loadScenario(source{fsys: sub, display: display})
}

func (l *Loader) loadScenario(src source) (*Scenario, hcl.Diagnostics) {
	names, err := hclFiles(src.fsys)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read scenario folder",
			Detail:   fmt.Sprintf("Reading %s: %v.", src.display, err),
		}}
	}
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No scenario files",
			Detail:   fmt.Sprintf("The folder %s holds no .hcl files. A scenario is a folder of files ending in .hcl.", src.display),
		}}
	}

	var diags hcl.Diagnostics
	var contents []*hcl.BodyContent
	refused := false
	for _, name := range names {
		content, d := l.parseFile(src, name)
		diags = append(diags, d...)
		refused = refused || (content == nil && d.HasErrors())
		if content == nil || isExerciseFile(content) {
			continue
		}
		contents = append(contents, content)
	}
	if refused {
		// Without a file's blocks the rest would only report what they
		// would have declared as missing.
		return nil, diags
	}

	sc, d := decodeScenario(contents, src)
	diags = append(diags, d...)
	if sc == nil {
		return nil, diags
	}
	diags = append(diags, validate(sc)...)
	sc.budget = nil
	return sc, dedupe(diags)
}

// parseFile parses one file and checks it against the top-level schema.
func (l *Loader) parseFile(src source, name string) (*hcl.BodyContent, hcl.Diagnostics) {
	display := src.name(name)
	data, err := readLimited(src.fsys, name)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read file",
			Detail:   fmt.Sprintf("Reading %s: %v.", display, unwrapPathError(err)),
		}}
	}
	if d := CheckNesting(data, display); d.HasErrors() {
		return nil, d
	}
	f, diags := l.parser.ParseHCL(data, display)
	if f == nil || f.Body == nil {
		return nil, diags
	}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		// A file the guard refuses is not evaluated at all: what it refuses
		// would take minutes to evaluate.
		if d := guardExpressions(body); d.HasErrors() {
			return nil, append(diags, d...)
		}
	}
	content, d := f.Body.Content(topSchema)
	diags = append(diags, d...)
	if isExerciseFile(content) && len(content.Blocks) != countBlocks(content, "exercise") {
		diags = append(diags, errorAt(content.Blocks[0].DefRange, "Exercise mixed with a scenario",
			"An exercise block must be in a file of its own, apart from the scenario's blocks. Move it to a new .hcl file."))
	}
	return content, diags
}

func isExerciseFile(c *hcl.BodyContent) bool {
	return countBlocks(c, "exercise") > 0
}

func countBlocks(c *hcl.BodyContent, typ string) int {
	n := 0
	for _, b := range c.Blocks {
		if b.Type == typ {
			n++
		}
	}
	return n
}

// hclFiles lists the .hcl files directly in the root of fsys, sorted so that
// diagnostics come in a stable order.
func hclFiles(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", name)
	}
	if info.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is %d bytes; files of over %d bytes are refused", name, info.Size(), maxFileSize)
	}
	return fs.ReadFile(fsys, name)
}

// dirFS opens a folder as a file system that no path or symbolic link can
// leave.
func dirFS(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return root.FS(), nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ScenarioDirs returns the scenario folders at or below root: every folder
// that directly holds a .hcl file that is not only exercise blocks. It is how
// `cordillera validate scenarios/library` finds every bundled drill.
func ScenarioDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		names, err := hclFiles(os.DirFS(p))
		if err != nil {
			return err
		}
		if len(names) > 0 {
			dirs = append(dirs, p)
		}
		return nil
	})
	return dirs, err
}

// cleanRelative resolves name relative to a scenario folder and refuses any
// path that leaves it.
func cleanRelative(name string) (string, error) {
	if name == "" {
		return "", errors.New("the path is empty")
	}
	slashed := filepath.ToSlash(name)
	if path.IsAbs(slashed) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("%q is an absolute path; write a path relative to the scenario's folder, such as \"injects/press.md\"", name)
	}
	clean := path.Clean(slashed)
	if clean == ".." || strings.HasPrefix(clean, "../") || !fs.ValidPath(clean) {
		return "", fmt.Errorf("%q leaves the scenario's folder; keep the file inside the folder and name it relative to it", name)
	}
	return clean, nil
}

// IsExerciseFile reports whether the file at path holds an exercise block.
// A file that cannot be read or parsed is not one; loading it as a scenario
// file reports why.
func IsExerciseFile(p string) bool {
	data, err := os.ReadFile(p)
	if err != nil || len(data) > maxFileSize || CheckNesting(data, p).HasErrors() {
		return false
	}
	f, diags := hclparse.NewParser().ParseHCL(data, p)
	if diags.HasErrors() {
		return false
	}
	content, _, _ := f.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "exercise", LabelNames: []string{"name"}}}})
	return len(content.Blocks) > 0
}
