package web

// xterm.js for the browser, from Debian's packages.
//
// Debian 12's libjs-xterm (3.8.1) installs /usr/share/javascript/xterm/
// xterm.js as a 288-byte CommonJS stub, require("./public/Terminal"), that
// no browser can run; the library itself is node-xterm's folder of CommonJS
// modules compiled from TypeScript, /usr/share/nodejs/xterm/lib, whose
// addons folder is a symbolic link to libjs-xterm's addons. When the
// vendored xterm.js is not a browser build, the server bundles those
// modules once, at start and in memory, with a small CommonJS loader of its
// own: no npm, nothing copied into the repository.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Bounds of a bundle: what one is read from may not make the server read
// without end.
const (
	maxXtermBundleBytes = 8 << 20 // every file read, in all
	maxXtermModules     = 2000
)

// xtermEntries are the modules that make window.Terminal, the first
// present: xterm 3.x's public API, else a package whose xterm.js is its
// entry point.
var xtermEntries = []string{"public/Terminal.js", "xterm.js"}

// xtermFitModule is xterm 3.x's fit addon; the bundle exposes it as
// window.fit, as the addon's browser build does.
const xtermFitModule = "addons/fit/fit.js"

// xtermBundle is xterm.js for the browser, built of CommonJS modules.
type xtermBundle struct {
	// JS is the script; ETag its strong entity tag.
	JS   []byte
	ETag string
	// CSS is xterm.css; nil when neither folder has it.
	CSS []byte
	// Modules are the bundled modules' names, sorted.
	Modules []string
	// Entry is the module that makes window.Terminal.
	Entry string
	// Fit says whether the fit addon is in the bundle.
	Fit bool
	// Refused are the symbolic links not followed because they lead out
	// of their folder (or to a folder), relative to it.
	Refused []string
	// Version is the package's, when its package.json says.
	Version string
}

// xtermRoot is a folder of modules, named prefix+its path in the bundle.
type xtermRoot struct{ prefix, dir string }

// bundleXterm bundles the CommonJS modules of node-xterm's lib folder and
// of addons, a folder of addons (libjs-xterm's) named addons/... in the
// bundle unless lib has its own. css is the xterm.css to serve with it;
// lib's own is the fallback. Test modules (*.test.js) are left out, and so
// is everything that is not a .js file. The output depends only on the
// files read.
func bundleXterm(lib, addons, css string) (*xtermBundle, error) {
	if lib == "" {
		return nil, errors.New("no node-xterm folder configured")
	}
	b := &xtermBundle{}
	sources := map[string][]byte{}
	budget := int64(maxXtermBundleBytes)
	roots := []xtermRoot{{"", lib}}
	if addons != "" {
		roots = append(roots, xtermRoot{"addons/", addons})
	}
	for i, r := range roots {
		err := readXtermModules(r, sources, &budget, &b.Refused)
		if err != nil && (i == 0 || !errors.Is(err, fs.ErrNotExist)) {
			return nil, err
		}
	}
	for _, e := range xtermEntries {
		if _, ok := sources[e]; ok {
			b.Entry = e
			break
		}
	}
	if b.Entry == "" {
		return nil, fmt.Errorf("%s has neither %s", lib, strings.Join(xtermEntries, " nor "))
	}
	_, b.Fit = sources[xtermFitModule]
	for name := range sources {
		b.Modules = append(b.Modules, name)
	}
	slices.Sort(b.Modules)
	slices.Sort(b.Refused)

	for _, f := range []string{css, filepath.Join(lib, "xterm.css")} {
		if f == "" {
			continue
		}
		if c, err := readBounded(f, &budget); err == nil {
			b.CSS = c
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if p, err := readBounded(filepath.Join(filepath.Dir(lib), "package.json"), &budget); err == nil {
		var pkg struct{ Version string }
		if json.Unmarshal(p, &pkg) == nil {
			b.Version = pkg.Version
		}
	}

	b.JS = writeXtermBundle(b, sources)
	sum := sha256.Sum256(b.JS)
	b.ETag = `"` + hex.EncodeToString(sum[:16]) + `"`
	return b, nil
}

// readXtermModules reads the .js files of a folder into sources, by name.
// Symbolic links are followed only to files within the folder.
func readXtermModules(r xtermRoot, sources map[string][]byte, budget *int64, refused *[]string) error {
	root, err := filepath.EvalSymlinks(r.dir)
	if err != nil {
		return err
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	if st, err := os.Stat(root); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", r.dir)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := r.prefix + filepath.ToSlash(rel)
		file := p
		if d.Type()&fs.ModeSymlink != 0 {
			// Followed only to a file within the folder: never out of it,
			// nor to a folder (which could make a loop).
			target, err := filepath.EvalSymlinks(p)
			var st fs.FileInfo
			if err == nil {
				st, err = os.Stat(target)
			}
			if err != nil || !within(root, target) || !st.Mode().IsRegular() {
				*refused = append(*refused, name)
				return nil
			}
			file = target
		} else if !d.Type().IsRegular() {
			return nil
		}
		if !isXtermModule(name) {
			return nil
		}
		if _, dup := sources[name]; dup {
			return nil // the lib folder's own addon comes first
		}
		if len(sources) >= maxXtermModules {
			return fmt.Errorf("%s: more than %d modules", r.dir, maxXtermModules)
		}
		src, err := readBounded(file, budget)
		if err != nil {
			return err
		}
		sources[name] = src
		return nil
	})
}

// isXtermModule says whether a file is one of the library's modules.
func isXtermModule(name string) bool {
	return strings.HasSuffix(name, ".js") && !strings.HasSuffix(name, ".test.js")
}

// within says whether p is root or in it; both are resolved paths.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// readBounded reads a file, taking its size off budget; it fails when the
// budget would go below zero.
func readBounded(file string, budget *int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, *budget+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > *budget {
		return nil, fmt.Errorf("the xterm.js modules are larger than %d MiB in all (at %s)", maxXtermBundleBytes>>20, file)
	}
	*budget -= int64(len(b))
	return b, nil
}

// xtermLoader is the bundle's CommonJS loader: require resolves ./ and
// ../ paths, with or without .js, and folder/index.js, as Node does for
// relative paths; a module's exports are cached before it runs, so that
// cycles see the partial exports, as in Node. It closes over `modules`.
const xtermLoader = `var has = Object.prototype.hasOwnProperty;
var cache = {};
function resolve(from, name) {
  if (name.charAt(0) !== '.') {
    throw new Error('xterm.js bundle: ' + from + ' requires "' + name + '", which is not bundled');
  }
  var parts = from.split('/');
  parts.pop();
  var segs = name.split('/');
  for (var i = 0; i < segs.length; i++) {
    if (segs[i] === '..') {
      if (!parts.length) { throw new Error('xterm.js bundle: ' + from + ' requires "' + name + '", out of the bundle'); }
      parts.pop();
    } else if (segs[i] !== '.' && segs[i] !== '') {
      parts.push(segs[i]);
    }
  }
  var base = parts.join('/');
  var tries = base ? [base, base + '.js', base + '/index.js'] : ['index.js'];
  for (var j = 0; j < tries.length; j++) {
    if (has.call(modules, tries[j])) { return tries[j]; }
  }
  throw new Error('xterm.js bundle: ' + from + ' requires "' + name + '", which is not bundled');
}
function load(id) {
  if (has.call(cache, id)) { return cache[id].exports; }
  var module = { id: id, exports: {}, loaded: false };
  cache[id] = module;
  var slash = id.lastIndexOf('/');
  try {
    modules[id].call(module.exports, function (name) { return load(resolve(id, name)); },
      module, module.exports, id, slash < 0 ? '' : id.slice(0, slash));
  } catch (e) {
    delete cache[id];
    throw e;
  }
  module.loaded = true;
  return module.exports;
}
`

// writeXtermBundle writes the script: the module table, the loader and
// the globals xterm 3.x's browser build makes (window.Terminal, and
// window.fit for its fit addon).
func writeXtermBundle(b *xtermBundle, sources map[string][]byte) []byte {
	var w bytes.Buffer
	version := ""
	if b.Version != "" {
		version = " " + b.Version
	}
	fmt.Fprintf(&w, "/* xterm.js%s for the browser: %d CommonJS modules of Debian's node-xterm and libjs-xterm, bundled by Cordillera. MIT licence: see /usr/share/doc/node-xterm/copyright. */\n", version, len(b.Modules))
	// The table is not strict mode: each module keeps its own "use strict".
	w.WriteString("(function () {\nvar modules = {\n")
	for i, name := range b.Modules {
		key, _ := json.Marshal(name)
		w.Write(key)
		w.WriteString(": function (require, module, exports, __filename, __dirname) {\n")
		w.Write(stripSourceMaps(sources[name]))
		w.WriteString("\n}")
		if i < len(b.Modules)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("};\n")
	w.WriteString(xtermLoader)
	entry, _ := json.Marshal(b.Entry)
	fmt.Fprintf(&w, "var main = load(%s);\n", entry)
	w.WriteString("window.Terminal = typeof main === 'function' ? main : (main.Terminal || main['default']);\n")
	if b.Fit {
		fit, _ := json.Marshal(xtermFitModule)
		fmt.Fprintf(&w, "window.fit = load(%s);\n", fit)
	}
	w.WriteString("})();\n")
	return w.Bytes()
}

// stripSourceMaps drops sourceMappingURL comments: the maps are not
// served, and a browser's tools would ask for them.
func stripSourceMaps(src []byte) []byte {
	if !bytes.Contains(src, []byte("//# sourceMappingURL=")) {
		return src
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	out := make([]byte, 0, len(src))
	for _, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("//# sourceMappingURL=")) {
			continue
		}
		out = append(out, l...)
	}
	return out
}

// xtermSetup is how a server's pages get xterm.js.
type xtermSetup struct {
	// State is xtermReady, xtermMissing or xtermBroken.
	State string
	// Bundle is the bundle built of node-xterm's modules; nil when the
	// vendored xterm.js is a browser build, or none could be built.
	Bundle *xtermBundle
	// Err says why no bundle could be built.
	Err error
	// Built is how long building the bundle took.
	Built time.Duration
}

// xtermSetups are the setups made so far, by folders: each is made once,
// however many servers (tests make many) use the same folders.
var xtermSetups struct {
	sync.Mutex
	m map[[2]string]*xtermSetup
}

// xtermFor decides how the pages get xterm.js with these folders: the
// vendored xterm.js if it is a browser build, else a bundle of
// node-xterm's modules.
func xtermFor(dirs AssetsDirs) *xtermSetup {
	key := [2]string{dirs.Xterm, dirs.XtermModules}
	xtermSetups.Lock()
	defer xtermSetups.Unlock()
	if x, ok := xtermSetups.m[key]; ok {
		return x
	}
	x := &xtermSetup{}
	st, statErr := os.Stat(filepath.Join(dirs.Xterm, "xterm.js"))
	switch {
	case statErr == nil && st.Size() >= minXtermBundle:
		x.State = xtermReady
	case dirs.XtermModules == "":
		x.State = xtermMissing
		if statErr == nil {
			x.State = xtermBroken
		}
	default:
		start := time.Now()
		x.Bundle, x.Err = bundleXterm(dirs.XtermModules, filepath.Join(dirs.Xterm, "addons"), filepath.Join(dirs.Xterm, "xterm.css"))
		x.Built = time.Since(start)
		switch {
		case x.Err == nil:
			x.State = xtermReady
		case statErr == nil || !errors.Is(x.Err, fs.ErrNotExist):
			x.State = xtermBroken
		default:
			x.State = xtermMissing
		}
	}
	if xtermSetups.m == nil {
		xtermSetups.m = map[[2]string]*xtermSetup{}
	}
	xtermSetups.m[key] = x
	return x
}

// xtermFitShim is served as /vendor/xterm/addons/fit/fit.js with a bundle:
// the page loads the addon as it would with xterm's browser build.
var xtermFitShim = []byte("/* The fit addon is part of /vendor/xterm/xterm.js, bundled from node-xterm. */\n")

// serveXtermBundle serves the bundle's files under /vendor/xterm/, before
// the vendored folder's: the bundle replaces the CommonJS stub, and its
// fit addon the folder's CommonJS one.
func serveXtermBundle(e *echo.Echo, b *xtermBundle) {
	files := []struct {
		name, typ string
		body      []byte
	}{
		{"xterm.js", "text/javascript; charset=utf-8", b.JS},
		{"addons/fit/fit.js", "text/javascript; charset=utf-8", xtermFitShim},
	}
	if b.CSS != nil {
		files = append(files, struct {
			name, typ string
			body      []byte
		}{"xterm.css", "text/css; charset=utf-8", b.CSS})
	}
	modTime := time.Now()
	for _, f := range files {
		etag := b.ETag
		if f.name != "xterm.js" {
			sum := sha256.Sum256(f.body)
			etag = `"` + hex.EncodeToString(sum[:16]) + `"`
		}
		e.GET(path.Join("/vendor/xterm", f.name), func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Type", f.typ)
			h.Set("ETag", etag)
			h.Set("Cache-Control", "public, max-age=3600")
			http.ServeContent(c.Response(), c.Request(), f.name, modTime, bytes.NewReader(f.body))
			return nil
		})
	}
}
