package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// debianXtermModules is where Debian's node-xterm installs its modules.
const debianXtermModules = "/usr/share/nodejs/xterm/lib"

// writeTree writes files, by slash-separated path, under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeXterm makes a node-xterm-like package: lib (its modules) with
// relative requires of every kind, a cycle, test modules, source maps and
// symbolic links in and out of the folder; and addons (libjs-xterm's) that
// lib/addons links to. It returns lib and libjs.
func fakeXterm(t *testing.T) (lib, libjs string) {
	t.Helper()
	root := t.TempDir()
	lib = filepath.Join(root, "nodejs", "xterm", "lib")
	libjs = filepath.Join(root, "javascript", "xterm")
	writeTree(t, root, map[string]string{
		"nodejs/xterm/package.json": `{"name": "xterm", "version": "3.8.1-fake"}`,
		// The public API, as xterm 3.x's: ../ and no .js.
		"nodejs/xterm/lib/public/Terminal.js": `"use strict";
var core = require("../Terminal");
var Terminal = (function () {
    function Terminal(options) { this._core = new core.Core(options); }
    Terminal.prototype.write = function (s) { this._core.write(s); };
    Terminal.applyAddon = function (addon) { addon.apply(Terminal); };
    Terminal.report = core.report;
    Terminal.bad = function (name) { try { require(name); return "loaded"; } catch (e) { return e.message; } };
    return Terminal;
}());
exports.Terminal = Terminal;
//# sourceMappingURL=Terminal.js.map`,
		// A folder's index.js, a name with .js, ./ and a cycle.
		"nodejs/xterm/lib/Terminal.js": `"use strict";
var common = require("./common");
var a = require("./common/a.js");
function Core(options) { this.options = options; this.written = ""; }
Core.prototype.write = function (s) { this.written += s; };
exports.Core = Core;
exports.report = function () { return [common.name, a.name, a.seenB, a.bSawA, require("./inside").name].join(" "); };
//# sourceMappingURL=Terminal.js.map
`,
		"nodejs/xterm/lib/common/index.js": `exports.name = "index";`,
		// a requires b, which requires a back and sees a's exports so far.
		"nodejs/xterm/lib/common/a.js": `exports.name = "a";
var b = require("./b");
exports.seenB = b.name;
exports.bSawA = b.sawA;`,
		"nodejs/xterm/lib/common/b.js": `var a = require("./a");
exports.name = "b";
exports.sawA = a.name + "/" + (a.seenB === undefined ? "partial" : "whole");`,
		"nodejs/xterm/lib/common/a.test.js":     `require("chai"); throw new Error("a test module was bundled");`,
		"nodejs/xterm/lib/common/a.js.map":      `{"version":3}`,
		"nodejs/xterm/lib/Terminal.js.map":      `{"version":3}`,
		"nodejs/xterm/lib/xterm.css":            `.xterm { /* node-xterm's */ }`,
		"nodejs/xterm/lib/xterm.js":             `module.exports = require("./public/Terminal").Terminal;`,
		"javascript/xterm/xterm.js":             `var Terminal_1 = require("./public/Terminal");`,
		"javascript/xterm/xterm.css":            `.xterm { /* libjs-xterm's */ }`,
		"javascript/xterm/addons/fit/fit.js":    `exports.apply = function (T) { T.prototype.fit = function () { this.fitted = true; }; };`,
		"javascript/xterm/addons/fit/fit.css":   `.nothing {}`,
		"javascript/xterm/addons/zz/zz.test.js": `throw new Error("an addon's test was bundled");`,
		"secret.js":                             `exports.secret = "out of the folder";`,
	})
	for link, target := range map[string]string{
		"addons":         "../../../javascript/xterm/addons", // as Debian's
		"escape.js":      "../../../secret.js",
		"inside.js":      "common/index.js",
		"loop":           ".",
		"dangling.js":    "nowhere.js",
		"common/abs.js":  filepath.Join(root, "secret.js"),
		"common/up":      "..",
		"common/nomap.x": "a.js.map",
	} {
		if err := os.Symlink(target, filepath.Join(lib, filepath.FromSlash(link))); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	return lib, libjs
}

func TestXtermBundleStructure(t *testing.T) {
	lib, libjs := fakeXterm(t)
	b, err := bundleXterm(lib, filepath.Join(libjs, "addons"), filepath.Join(libjs, "xterm.css"))
	if err != nil {
		t.Fatal(err)
	}
	wantModules := []string{
		"Terminal.js", "addons/fit/fit.js", "common/a.js", "common/b.js", "common/index.js",
		"inside.js", "public/Terminal.js", "xterm.js",
	}
	if !slices.Equal(b.Modules, wantModules) {
		t.Errorf("modules %q, want %q", b.Modules, wantModules)
	}
	wantRefused := []string{"addons", "common/abs.js", "common/up", "dangling.js", "escape.js", "loop"}
	if !slices.Equal(b.Refused, wantRefused) {
		t.Errorf("refused links %q, want %q", b.Refused, wantRefused)
	}
	if b.Entry != "public/Terminal.js" || !b.Fit || b.Version != "3.8.1-fake" {
		t.Errorf("entry %q, fit %v, version %q; want public/Terminal.js, true, 3.8.1-fake", b.Entry, b.Fit, b.Version)
	}
	if string(b.CSS) != `.xterm { /* libjs-xterm's */ }` {
		t.Errorf("css %q, want libjs-xterm's", b.CSS)
	}
	js := string(b.JS)
	for _, name := range wantModules {
		if !strings.Contains(js, fmt.Sprintf("\n%q: function (require, module, exports, __filename, __dirname) {\n", name)) {
			t.Errorf("the bundle lacks module %s", name)
		}
	}
	for _, bad := range []string{"a test module", "an addon's test", "out of the folder", "sourceMappingURL", `"version":3`, "nothing {}"} {
		if strings.Contains(js, bad) {
			t.Errorf("the bundle has %q", bad)
		}
	}
	for _, want := range []string{`var main = load("public/Terminal.js");`, `window.fit = load("addons/fit/fit.js");`, "window.Terminal = "} {
		if !strings.Contains(js, want) {
			t.Errorf("the bundle lacks %q", want)
		}
	}
	if len(b.ETag) != 34 || b.ETag[0] != '"' {
		t.Errorf("ETag %s, want a quoted hash", b.ETag)
	}

	// Deterministic: the same files make the same bytes, wherever they are.
	again, err := bundleXterm(lib, filepath.Join(libjs, "addons"), filepath.Join(libjs, "xterm.css"))
	if err != nil || !bytes.Equal(again.JS, b.JS) || again.ETag != b.ETag {
		t.Errorf("a second build differs (%v)", err)
	}
	pkg := filepath.Join(t.TempDir(), "xterm")
	if err := exec.Command("cp", "-a", filepath.Dir(lib), pkg).Run(); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(pkg, "lib")
	os.Remove(filepath.Join(copied, "addons"))
	other, err := bundleXterm(copied, filepath.Join(libjs, "addons"), filepath.Join(libjs, "xterm.css"))
	if err != nil || !bytes.Equal(other.JS, b.JS) {
		t.Errorf("a copy elsewhere bundles differently (%v)", err)
	}

	// lib's own addons come before the addons folder's; lib's css is the
	// fallback.
	writeTree(t, copied, map[string]string{"addons/fit/fit.js": `exports.apply = function () {}; // lib's own`})
	own, err := bundleXterm(copied, filepath.Join(libjs, "addons"), filepath.Join(libjs, "missing.css"))
	if err != nil || !strings.Contains(string(own.JS), "lib's own") || string(own.CSS) != `.xterm { /* node-xterm's */ }` {
		t.Errorf("lib's own addon or css not used (%v)", err)
	}
	// Without addons, there is no fit.
	nofit, err := bundleXterm(lib, "", "")
	if err != nil || nofit.Fit || strings.Contains(string(nofit.JS), "window.fit") {
		t.Errorf("without addons: fit %v (%v), want none", nofit != nil && nofit.Fit, err)
	}
}

func TestXtermBundleRefuses(t *testing.T) {
	if _, err := bundleXterm(filepath.Join(t.TempDir(), "missing"), "", ""); err == nil {
		t.Error("a missing folder bundles")
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Other.js": "exports.x = 1;"})
	if _, err := bundleXterm(dir, "", ""); err == nil || !strings.Contains(err.Error(), "public/Terminal.js") {
		t.Errorf("a folder without the entry module: %v, want an error naming it", err)
	}
	// Too much to read.
	writeTree(t, dir, map[string]string{"public/Terminal.js": "exports.Terminal = function () {};"})
	f, err := os.Create(filepath.Join(dir, "Huge.js"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxXtermBundleBytes + 1)
	f.Close()
	if _, err := bundleXterm(dir, "", ""); err == nil || !strings.Contains(err.Error(), "8 MiB") {
		t.Errorf("a folder over the bound: %v, want an error", err)
	}
	// The folder itself may be a link (as /usr/share/nodejs/... may be).
	os.Remove(filepath.Join(dir, "Huge.js"))
	link := filepath.Join(t.TempDir(), "lib")
	os.Symlink(dir, link)
	if b, err := bundleXterm(link, "", ""); err != nil || !slices.Equal(b.Modules, []string{"Other.js", "public/Terminal.js"}) {
		t.Errorf("a linked folder: %v", err)
	}
}

func TestXtermSetup(t *testing.T) {
	lib, libjs := fakeXterm(t)
	real := t.TempDir()
	writeTree(t, real, map[string]string{"xterm.js": strings.Repeat("// xterm\n", minXtermBundle/8)})
	empty := t.TempDir()
	noEntry := t.TempDir()
	writeTree(t, noEntry, map[string]string{"Other.js": ""})
	for _, tc := range []struct {
		name   string
		dirs   AssetsDirs
		state  string
		bundle bool
	}{
		{"browser build", AssetsDirs{Xterm: real, XtermModules: lib}, xtermReady, false},
		{"stub and modules", AssetsDirs{Xterm: libjs, XtermModules: lib}, xtermReady, true},
		{"modules only", AssetsDirs{Xterm: filepath.Join(empty, "none"), XtermModules: lib}, xtermReady, true},
		{"stub only", AssetsDirs{Xterm: libjs}, xtermBroken, false},
		{"stub, modules missing", AssetsDirs{Xterm: libjs, XtermModules: filepath.Join(empty, "none")}, xtermBroken, false},
		{"modules unusable", AssetsDirs{Xterm: empty, XtermModules: noEntry}, xtermBroken, false},
		{"nothing", AssetsDirs{Xterm: empty, XtermModules: filepath.Join(empty, "none")}, xtermMissing, false},
		{"nothing configured", AssetsDirs{Xterm: empty}, xtermMissing, false},
	} {
		x := xtermFor(tc.dirs)
		if x.State != tc.state || (x.Bundle != nil) != tc.bundle {
			t.Errorf("%s: %s, bundle %v (%v); want %s, bundle %v", tc.name, x.State, x.Bundle != nil, x.Err, tc.state, tc.bundle)
		}
		if xtermFor(tc.dirs) != x {
			t.Errorf("%s: made twice", tc.name)
		}
	}
}

func TestXtermVendorRoutes(t *testing.T) {
	lib, libjs := fakeXterm(t)
	var log termLog
	f := newFixture(t, withTerminals(t, newTermRuntime(), xtermBroken, &log), func(c *Config) {
		c.AssetsDirs.Xterm, c.AssetsDirs.XtermModules = libjs, lib
	})
	c := f.client()
	res := c.get("/vendor/xterm/xterm.js")
	expect(t, res, http.StatusOK, `var main = load("public/Terminal.js");`)
	etag := res.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || res.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("xterm.js headers: %v", res.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/vendor/xterm/xterm.js", nil)
	req.Header.Set("If-None-Match", etag)
	if res := c.do(req); res.StatusCode != http.StatusNotModified {
		t.Errorf("with its ETag: %d, want 304", res.StatusCode)
	}
	expect(t, c.get("/vendor/xterm/addons/fit/fit.js"), http.StatusOK, "part of /vendor/xterm/xterm.js")
	expect(t, c.get("/vendor/xterm/xterm.css"), http.StatusOK, "libjs-xterm's")
	expect(t, c.get("/vendor/xterm/addons/fit/fit.css"), http.StatusOK, ".nothing") // the folder's other files
	expect(t, c.get("/vendor/xterm/"), http.StatusNotFound)

	page := f.signedIn("ana").get("/terminal/ex/cl1/portal")
	expect(t, page, http.StatusOK, `data-xterm="ready"`, `src="/vendor/xterm/xterm.js"`)
	if strings.Contains(page.body, "term-xterm-note") {
		t.Error("the page says xterm.js is not usable")
	}
	if !strings.Contains(log.String(), `msg="web terminals use xterm.js bundled from node-xterm's modules"`) ||
		!strings.Contains(log.String(), "version=3.8.1-fake modules=8") {
		t.Errorf("the log does not say the bundle is used:\n%s", log.String())
	}
}

func TestXtermStateMessages(t *testing.T) {
	for state, want := range map[string]string{
		xtermMissing: "apt-get install libjs-xterm node-xterm",
		xtermBroken:  "apt-get install libjs-xterm node-xterm",
	} {
		var log termLog
		f := newFixture(t, withTerminals(t, newTermRuntime(), state, &log))
		expect(t, f.signedIn("ana").get("/terminal/ex/cl1/portal"), http.StatusOK, want, `id="term-xterm-note"`)
		if !strings.Contains(log.String(), `install="`+want+`"`) {
			t.Errorf("%s: the log lacks %q:\n%s", state, want, log.String())
		}
	}
}

// needBrowserTest returns Chromium's path and node-xterm's folder, or
// skips the test without them; under CI=true it fails instead.
func needBrowserTest(t *testing.T) (chromium, modules string) {
	t.Helper()
	chromium = os.Getenv("CORDILLERA_CHROMIUM")
	if chromium == "" {
		for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
			if _, err := os.Stat(p); err == nil {
				chromium = p
				break
			}
		}
	}
	var missing []string
	if chromium == "" {
		missing = append(missing, "chromium")
	}
	if _, err := os.Stat(filepath.Join(debianXtermModules, "public", "Terminal.js")); err != nil {
		missing = append(missing, "node-xterm libjs-xterm")
	}
	if len(missing) > 0 {
		msg := "this test needs Chromium and Debian's xterm.js: apt-get install " + strings.Join(missing, " ")
		if os.Getenv("CI") == "true" || os.Getenv("CORDILLERA_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + " (in CI the test may not skip)")
		}
		t.Skip(msg)
	}
	return chromium, debianXtermModules
}

// newChromium starts a headless Chromium with the flags web/browser's
// harness uses.
func newChromium(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1000, 700),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

// browserErrors collects the page's uncaught exceptions, console errors
// and warnings (a Content-Security-Policy refusal is one).
func browserErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(errs)
	}
}

// xtermTestPage is a page that loads a bundle and the CSS.
const xtermTestPage = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/xterm.css"><script src="/xterm.js"></script></head>
<body><div id="t" style="width: 800px; height: 400px"></div></body></html>`

// serveBundle serves a bundle and xtermTestPage.
func serveBundle(t *testing.T, b *xtermBundle) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/xterm.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(b.JS)
	})
	mux.HandleFunc("/xterm.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write(b.CSS)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, xtermTestPage)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestXtermBrowser runs bundles in Chromium: the fake package's, to check
// the loader's resolution and cycles, and Debian's real one, to check
// that a Terminal opens, takes output and renders it.
func TestXtermBrowser(t *testing.T) {
	chromium, modules := needBrowserTest(t)
	start := time.Now()
	browser := newChromium(t, chromium)
	t.Logf("Chromium started in %s", time.Since(start).Round(time.Millisecond))
	t.Run("bundle", func(t *testing.T) { testXtermBundleInBrowser(t, browser, modules) })
	t.Run("terminal page", func(t *testing.T) { testXtermTerminalPage(t, browser, modules) })
}

// newTab opens a tab with a profile of its own.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

func testXtermBundleInBrowser(t *testing.T, browser context.Context, modules string) {
	ctx := newTab(t, browser)
	errs := browserErrors(ctx)

	lib, libjs := fakeXterm(t)
	fake, err := bundleXterm(lib, filepath.Join(libjs, "addons"), "")
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(serveBundle(t, fake))); err != nil {
		t.Fatal(err)
	}
	fitted, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(function () {
		Terminal.applyAddon(window.fit);
		var t = new Terminal({});
		t.fit();
		return t.fitted === true;
	})()`))
	if err != nil {
		t.Fatalf("the fake bundle: %v; errors %q", err, errs())
	}
	report, err := chromedp.Run(tctx, chromedp.Evaluate[string](`Terminal.report()`))
	// ./common is common/index.js; ./common/a.js requires ./b, which
	// requires ./a back and sees a's exports so far; inside.js is a link
	// within the folder, a module of its own.
	if want := "index a b a/partial index"; err != nil || report != want || !fitted {
		t.Errorf("the fake bundle: report %q (%v), fit applied %v; want %q, true", report, err, fitted, want)
	}
	// A require of what is not bundled says so, and so does one out of
	// the bundle; a test module is not there.
	bad, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](
		`["./nowhere", "../../Terminal", "chai", "../common/a.test"].map(Terminal.bad)`))
	want := []string{
		`xterm.js bundle: public/Terminal.js requires "./nowhere", which is not bundled`,
		`xterm.js bundle: public/Terminal.js requires "../../Terminal", out of the bundle`,
		`xterm.js bundle: public/Terminal.js requires "chai", which is not bundled`,
		`xterm.js bundle: public/Terminal.js requires "../common/a.test", which is not bundled`,
	}
	if err != nil || !slices.Equal(bad, want) {
		t.Errorf("bad requires: %q (%v), want %q", bad, err, want)
	}

	real, err := bundleXterm(modules, "/usr/share/javascript/xterm/addons", "/usr/share/javascript/xterm/xterm.css")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Debian's xterm.js %s: %d modules, %d bytes, fit %v, refused links %q", real.Version, len(real.Modules), len(real.JS), real.Fit, real.Refused)
	err = chromedp.Do(tctx,
		chromedp.Navigate(serveBundle(t, real)),
		chromedp.Evaluate[chromedp.Void](`(function () {
			Terminal.applyAddon(window.fit);
			var t = new Terminal({ rendererType: 'dom' });
			t.open(document.getElementById('t'));
			t.fit();
			t.write('hello\r\n\x1b[1;32mworld\x1b[0m');
			window.term = t;
		})()`),
	)
	if err != nil {
		t.Fatalf("Debian's xterm.js in Chromium: %v; errors: %q", err, errs())
	}
	rows, err := chromedp.Run(tctx, chromedp.Poll[string](`(function () {
		var r = document.querySelector('.xterm-rows');
		return r && r.textContent.indexOf('world') >= 0 ? r.innerText : null;
	})()`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("Debian's xterm.js in Chromium: %v; errors: %q", err, errs())
	}
	lines := strings.Split(strings.TrimSpace(rows), "\n")
	if len(lines) < 2 || strings.TrimSpace(lines[0]) != "hello" || strings.TrimSpace(lines[1]) != "world" {
		t.Errorf("rendered rows %q, want hello and world", rows)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the page reported errors: %q", e)
	}
}

// xtermCapture, run before a page's scripts, keeps every Terminal the page
// makes in window.__terms, so that a test can read its buffer: the canvas
// renderer, which the page uses, draws text that the DOM does not hold.
const xtermCapture = `(function () {
  var T;
  window.__terms = [];
  Object.defineProperty(window, 'Terminal', {
    configurable: true,
    get: function () { return T; },
    set: function (v) {
      T = function (options) { var t = new v(options); window.__terms.push(t); return t; };
      T.applyAddon = v.applyAddon;
      T.prototype = v.prototype;
    }
  });
})();`

// xtermScreen is the visible text of the page's first terminal, by rows.
const xtermScreen = `(function () {
  var t = window.__terms && window.__terms[0];
  if (!t) { return null; }
  var b = t._core.buffer, out = [];
  for (var i = 0; i < t.rows; i++) { out.push(b.translateBufferLineToString(b.ydisp + i, true)); }
  return out.join("\n");
})()`

// testXtermTerminalPage runs the terminal page against a fake shell: keys
// typed in xterm.js reach the shell, and its output shows in the terminal.
func testXtermTerminalPage(t *testing.T, browser context.Context, modules string) {
	rt := newTermRuntime()
	var log termLog
	f := newFixture(t, withTerminals(t, rt, xtermMissing, &log), func(c *Config) {
		c.AssetsDirs.Xterm, c.AssetsDirs.XtermModules = "/usr/share/javascript/xterm", modules
	})
	if x := xtermFor(f.srv.cfg.AssetsDirs); x.State != xtermReady {
		t.Fatalf("xterm.js: %s (%v)", x.State, x.Err)
	}
	ana := f.signedIn("ana")
	u, _ := url.Parse(f.http.URL)
	var cookies []*network.CookieParam
	for _, c := range ana.c.Jar.Cookies(u) {
		cookies = append(cookies, &network.CookieParam{Name: c.Name, Value: c.Value, URL: f.http.URL, HTTPOnly: true})
	}

	ctx := newTab(t, browser)
	errs := browserErrors(ctx)
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := chromedp.Do(tctx,
		chromedp.EmulateViewport(1000, 640),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.SetCookies, network.SetCookiesParams{Cookies: cookies}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: xtermCapture})
			return err
		}),
		chromedp.Navigate(f.http.URL+"/terminal/ex/cl1/portal"),
	)
	if err != nil {
		t.Fatal(err)
	}
	var sess *termSession
	select {
	case sess = <-rt.sessions:
	case <-time.After(10 * time.Second):
		t.Fatalf("the page opened no session; browser errors %q", errs())
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.getElementById('term-state').dataset.state === 'connected' && document.querySelector('#terminal .xterm canvas') !== null`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the page did not connect with xterm.js: %v; browser errors %q", err, errs())
	}
	// The fit addon sized the terminal to its box, and the shell was told.
	size, err := chromedp.Run(tctx, chromedp.Evaluate[[]int](`[window.__terms[0].cols, window.__terms[0].rows]`))
	if err != nil || len(size) != 2 {
		t.Fatalf("the terminal's size: %v %v", size, err)
	}
	got := sess.size
	select {
	case got = <-sess.resized:
	default:
	}
	if int(got.Cols) != size[0] || int(got.Rows) != size[1] || (size[0] == 80 && size[1] == 24) {
		t.Errorf("the shell's size %+v, the browser's %v; want the same, fitted (not 80x24)", got, size)
	}

	if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS("#terminal .xterm-helper-textarea"), "echo hello from xterm"), pressEnter); err != nil {
		t.Fatal(err)
	}
	screen, err := chromedp.Run(tctx, chromedp.Poll[string](`(function () {
		var s = `+xtermScreen+`;
		return s && s.indexOf("\nhello from xterm\n$") >= 0 ? s : null;
	})()`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		s, _ := chromedp.Run(tctx, chromedp.Evaluate[string](xtermScreen))
		t.Fatalf("the shell's output is not on the screen: %v; screen %q; browser errors %q", err, s, errs())
	}
	if !strings.HasPrefix(screen, "echo hello from xterm\nhello from xterm\n$\n\n") {
		t.Errorf("screen %q, want the echoed command, its output and a prompt", screen)
	}
	// The canvas renderer painted it: the text layer is not blank.
	painted, err := chromedp.Run(tctx, chromedp.Evaluate[int](`(function () {
		var c = document.querySelector('#terminal .xterm-text-layer');
		var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
		for (var i = 3; i < d.length; i += 4) { if (d[i] !== 0) { n++; } }
		return n;
	})()`))
	if err != nil || painted < 100 {
		t.Errorf("the text layer has %d painted pixels (%v), want text", painted, err)
	}
	if shot := os.Getenv("CORDILLERA_XTERM_SCREENSHOT"); shot != "" {
		png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(shot, png, 0o644)
		}
		if err != nil {
			t.Errorf("screenshot: %v", err)
		}
		t.Logf("screenshot: %s", shot)
	}

	// The shell exits; the page says so.
	if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS("#terminal .xterm-helper-textarea"), "exit 3"), pressEnter); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(tctx, chromedp.Poll[string](`(function () {
		var s = document.getElementById('term-state');
		return s.dataset.state === 'exited' ? s.textContent : null;
	})()`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || state != "Disconnected (exit code 3)" {
		t.Errorf("after exit 3: %q (%v)", state, err)
	}
	// xterm.css applies: xterm's input textarea is hidden.
	if o, err := chromedp.Run(tctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#terminal .xterm-helper-textarea')).opacity`)); err != nil || o != "0" {
		t.Errorf("xterm.css does not apply: the textarea's opacity is %q (%v)", o, err)
	}
	for _, e := range errs() {
		// The page has no favicon; nothing else may fail.
		if e != "error: Failed to load resource: the server responded with a status of 404 (Not Found)" {
			t.Errorf("browser console: %s", e)
		}
	}
}

// pressEnter presses Enter as a keyboard does: one keydown that carries
// its text, whose keypress the browser drops when the page cancels the
// keydown, as xterm.js does. (chromedp.SendKeys sends the keypress as an
// event of its own, which xterm.js 3.x would take as a second Enter.)
var pressEnter = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		ev := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
		if typ == input.DispatchKeyEventTypeKeyDown {
			ev.Text, ev.UnmodifiedText = "\r", "\r"
		}
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, ev); err != nil {
			return err
		}
	}
	return nil
})
