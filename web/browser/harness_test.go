package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
	"github.com/cordillera-range/cordillera/web"
)

// required reports whether a missing browser fails the tests rather than
// skipping them: in CI, or when asked.
func required() bool {
	ci := strings.ToLower(os.Getenv("CI"))
	return (ci != "" && ci != "false" && ci != "0") || os.Getenv("CORDILLERA_REQUIRE_BROWSER") != ""
}

// chromiumPath finds Debian's Chromium: $CORDILLERA_CHROMIUM, else chromium
// on the PATH, else /usr/bin/chromium.
func chromiumPath() string {
	if p := os.Getenv("CORDILLERA_CHROMIUM"); p != "" {
		if p, err := exec.LookPath(p); err == nil {
			return p
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	return ""
}

// needChromium returns Chromium's path or ends the test: failed in CI,
// skipped elsewhere.
func needChromium(t *testing.T) string {
	t.Helper()
	p := chromiumPath()
	if p != "" {
		return p
	}
	msg := "no Chromium found for the browser tests: install chromium (apt-get install chromium), or set CORDILLERA_CHROMIUM to its path"
	if required() {
		t.Fatal(msg + " (CI=true or CORDILLERA_REQUIRE_BROWSER is set, so the tests may not skip)")
	}
	t.Skip(msg)
	return ""
}

// rangePool is where the browser tests' ranges take their subnets: apart
// from the pools of orchestrator/docker's (10.224.0.0/12) and
// cmd/cordillera's (10.240.0.0/12) tests, as they may run at the same time.
var rangePool = netip.MustParsePrefix("10.208.0.0/12")

// needDocker connects to the Docker engine, builds the test images the
// range needs (the range host image, and the Debian base image as
// `cordillera images bootstrap` makes it) and picks a free address pool.
// It fails the test when the engine cannot be reached; with
// CORDILLERA_NO_DOCKER=1 it returns nil, and the journeys that need a range
// skip.
func needDocker(t *testing.T) (*docker.Runtime, netip.Prefix) {
	t.Helper()
	if os.Getenv("CORDILLERA_NO_DOCKER") == "1" {
		t.Log("CORDILLERA_NO_DOCKER=1: the journeys that need a range will skip")
		return nil, netip.Prefix{}
	}
	fail := func(err error) {
		t.Helper()
		t.Fatalf("%v\nThe browser tests deploy a range on a Docker engine; set CORDILLERA_NO_DOCKER=1 to skip the journeys that need one.", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	engine, err := dockertest.Client()
	if err != nil {
		fail(err)
	}
	defer engine.Close()
	if _, err := engine.Ping(ctx); err != nil {
		fail(err)
	}
	if _, err := dockertest.BuildImage(ctx, engine); err != nil {
		fail(err)
	}
	pool, err := dockertest.FreePool(ctx, engine, rangePool)
	if err != nil {
		fail(err)
	}
	rt, err := docker.New(ctx)
	if err != nil {
		fail(err)
	}
	t.Cleanup(func() { rt.Close() })
	start := time.Now()
	built, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{}, func(string) {})
	if err != nil {
		fail(fmt.Errorf("the terminal journey runs Debian's shell: %w", err))
	}
	if built {
		t.Logf("built the Debian base image in %s", time.Since(start).Round(time.Second))
	}
	return rt, pool
}

// artifactsDir is where screenshots go: $CORDILLERA_ARTIFACTS/screenshots,
// else .artifacts/screenshots at the top of the repository.
func artifactsDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CORDILLERA_ARTIFACTS")
	if base == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		base = filepath.Join(root, ".artifacts")
	}
	dir := filepath.Join(base, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Last run's pictures would pass for this run's; this run's other
	// tests' stay.
	clearShots.Do(func() {
		old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		for _, f := range old {
			os.Remove(f)
		}
	})
	return dir
}

var clearShots sync.Once

// harness is one server, one director and one browser, shared by every
// journey.
type harness struct {
	t     *testing.T
	store *scoreboard.Store
	rt    orchestrator.Runtime // nil without Docker
	pool  netip.Prefix
	dir   *director.Director
	url   string
	shots string
	log   string // the server's log file

	browser context.Context

	mu        sync.Mutex
	passwords map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	chromium := needChromium(t)
	rt, pool := needDocker(t)
	if rt == nil {
		return startHarness(t, chromium, nil, pool)
	}
	return startHarness(t, chromium, rt, pool)
}

// startHarness starts the server and the browser on a runtime: an engine,
// a swarm, or nil for none.
func startHarness(t *testing.T, chromium string, rt orchestrator.Runtime, pool netip.Prefix) *harness {
	t.Helper()
	h := &harness{t: t, passwords: map[string]string{}, rt: rt, pool: pool}
	h.shots = artifactsDir(t)
	ctx := context.Background()

	store, err := scoreboard.Open(ctx, filepath.Join(t.TempDir(), "cordillera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h.store = store

	h.log = filepath.Join(filepath.Dir(h.shots), "server-"+t.Name()+".log")
	logFile, err := os.Create(h.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))

	var rtErr error
	if rt == nil {
		rtErr = errors.New("CORDILLERA_NO_DOCKER=1")
	}
	h.dir = director.New(store, rt, rtErr, director.Options{
		ScorebotImage: dockertest.Image, Wait: 2 * time.Minute, Logger: logger,
	})
	t.Cleanup(h.dir.Close)

	srv, err := web.New(web.Config{Store: store, Director: h.dir, Logger: logger, Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("server: %v", err)
		}
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	start := time.Now()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	t.Logf("Chromium (%s) started in %s; server at %s, logging to %s; screenshots in %s",
		chromium, time.Since(start).Round(time.Millisecond), h.url, h.log, h.shots)
	h.browser = browser
	return h
}

// user makes an account with a fresh password.
func (h *harness) user(t *testing.T, u scoreboard.User) {
	t.Helper()
	pw := randomHex(6)
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = string(hash)
	if err := h.store.Accounts().CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.passwords[u.Name] = pw
	h.mu.Unlock()
}

func (h *harness) password(name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.passwords[name]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// testExercise is an exercise of the range in testdata/range with two
// teams, cl-1 (CSIRT Chile) and co-1 (colCERT), held by the director, not
// deployed. Its containers and networks are removed when the test ends.
type testExercise struct {
	Name  string
	Teams []scoreboard.Team
}

const (
	teamA, teamAName = "cl-1", "CSIRT Chile"
	teamB, teamBName = "co-1", "colCERT"
)

func (h *harness) rangeExercise(t *testing.T) testExercise {
	t.Helper()
	ctx := context.Background()
	scenarioDir, err := filepath.Abs(filepath.Join("testdata", "range"))
	if err != nil {
		t.Fatal(err)
	}
	name := "web-" + randomHex(4)
	pool := h.pool
	if !pool.IsValid() {
		pool = netip.MustParsePrefix(scenarios.DefaultAddressPool)
	}
	src := fmt.Sprintf(`exercise %q {
  title        = "Andes browser drill"
  scenario     = %q
  seed         = "browser-test"
  address_pool = %q
  team %q {
    name    = %q
    country = "CL"
  }
  team %q {
    name    = %q
    country = "CO"
  }
}
`, name, scenarioDir, pool, teamA, teamAName, teamB, teamBName)
	_, diags, err := h.dir.Adopt(ctx, []byte(src), scenarioDir, "browser test")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		if d.Severity == "error" {
			t.Fatalf("exercise: %s: %s: %s", d.Severity, d.Summary, d.Detail)
		}
	}
	if h.rt != nil {
		t.Cleanup(func() {
			h.dir.Close() // its engine stops before the range goes
			h.down(name)
		})
	}
	teams, err := h.store.Teams(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return testExercise{Name: name, Teams: teams}
}

// down removes what an exercise left on the engine, and says what is left.
func (h *harness) down(exercise string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := orchestrator.Down(ctx, h.rt, exercise, nil); err != nil {
		h.t.Errorf("down %s: %v", exercise, err)
		return
	}
	o, err := orchestrator.Observe(ctx, h.rt, exercise)
	if err != nil {
		h.t.Error(err)
		return
	}
	for _, c := range o.Containers {
		h.t.Errorf("container %s of exercise %s is left", c.Name, exercise)
	}
	for _, n := range o.Networks {
		h.t.Errorf("network %s of exercise %s is left", n.Name, exercise)
	}
}

// teamOf returns a team of an exercise by id.
func (x testExercise) team(t *testing.T, id string) scoreboard.Team {
	t.Helper()
	for _, tm := range x.Teams {
		if tm.ID == id {
			return tm
		}
	}
	t.Fatalf("exercise %s has no team %s", x.Name, id)
	return scoreboard.Team{}
}

// person is one user at their own browser: a tab in a browser context of
// its own, so that cookies are not shared.
type person struct {
	h    *harness
	t    *testing.T
	name string
	ctx  context.Context
	born time.Time

	mu      sync.Mutex
	console []string
}

// newPerson opens a fresh browser profile with a window of the given size,
// sending lang as Accept-Language. It closes when the test ends.
func (h *harness) newPerson(t *testing.T, name, lang string, width, height int64) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{h: h, t: t, name: name, ctx: ctx, born: time.Now()}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab for %s: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				p.mu.Lock()
				p.console = append(p.console, m.String())
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(p.checkConsole)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": lang},
			})
			return err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkConsole fails the test on what the pages' scripts reported: a
// Content-Security-Policy refusal or an uncaught exception is a broken
// page. Other messages are logged.
func (p *person) checkConsole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.console {
		switch {
		case strings.Contains(m, "Content Security Policy"), strings.HasPrefix(m, string(chromedp.ConsoleException)):
			p.t.Errorf("%s's browser console: %s", p.name, m)
		case strings.Contains(m, "Failed to load resource: the server responded with a status of"),
			strings.Contains(m, "Error during WebSocket handshake: Unexpected response code: 403"):
			// The refusals the journeys ask for, and the missing favicon.
		default:
			p.t.Logf("%s's browser console: %s", p.name, m)
		}
	}
}

// timeout is how long one step may take.
const timeout = 30 * time.Second

func (p *person) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, timeout)
}

// do runs actions, failing the test with what.
func (p *person) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail("%s: %v", what, err)
	}
}

// fail saves a screenshot of what the person sees, then fails the test.
func (p *person) fail(format string, args ...any) {
	p.t.Helper()
	name := "FAILED-" + strings.NewReplacer("/", "-", " ", "_").Replace(p.t.Name()) + "-" + p.name
	if file, err := p.save(name); err == nil {
		args = append(args, file)
		format += "\nscreenshot: %s"
	}
	if u, err := run(p, chromedp.Location()); err == nil {
		args = append(args, u)
		format += "\npage: %s"
	}
	p.t.Fatalf(format, args...)
}

func run[T any](p *person, a chromedp.Action[T]) (T, error) {
	ctx, cancel := p.step()
	defer cancel()
	return chromedp.Run(ctx, a)
}

// visit opens a page and returns its HTTP status.
func (p *person) visit(path string) int {
	p.t.Helper()
	resp, err := run(p, chromedp.NavigateResponse(p.h.url+path))
	if err != nil {
		p.fail("GET %s: %v", path, err)
	}
	return int(resp.Status)
}

// submit clicks a button that sends a form, waits for the page that
// answers and returns its status.
func (p *person) submit(sel string) int {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.fail("submitting with %s: %v", sel, err)
	}
	return int(resp.Status)
}

// fill types into form fields by CSS selector, after clearing them.
func (p *person) fill(fields ...string) {
	p.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		// Not chromedp.Clear, which fails on an empty textarea, nor
		// SetValue(""), which fails on any empty string.
		clear := fmt.Sprintf(`document.querySelector(%q).value = ""`, fields[i])
		steps = append(steps, chromedp.WaitReady(chromedp.CSS(fields[i])), chromedp.Evaluate[chromedp.Void](clear),
			chromedp.SendKeys(chromedp.CSS(fields[i]), fields[i+1]))
	}
	p.do("filling in the form", steps...)
}

// text is the text of the first element matching a CSS selector.
func (p *person) text(sel string) string {
	p.t.Helper()
	s, err := run(p, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		p.fail("reading %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *person, expr string) T {
	p.t.Helper()
	v, err := run(p, chromedp.Evaluate[T](expr))
	if err != nil {
		p.fail("evaluating %s: %v", expr, err)
	}
	return v
}

// has reports whether an element matches a CSS selector now.
func (p *person) has(sel string) bool {
	p.t.Helper()
	return eval[bool](p, fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

// waitJS waits until a JavaScript expression is true. (chromedp's Poll
// builds its predicate with new Function, which the pages' CSP refuses.)
func (p *person) waitJS(what, expr string, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := run(p, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.fail("waited %s for %s (%s): %v", limit, what, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves a full-page screenshot as NAME.png among the artifacts.
func (p *person) shot(name string) {
	p.t.Helper()
	file, err := p.save(name)
	if err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p.t.Logf("screenshot %s (%s into the journey)", file, time.Since(p.born).Round(time.Millisecond))
}

func (p *person) save(name string) (string, error) {
	png, err := run(p, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	file := filepath.Join(p.h.shots, name+".png")
	return file, os.WriteFile(file, png, 0o644)
}

// signIn signs in from the sign-in page and returns where it landed.
func (p *person) signIn(name string) string {
	p.t.Helper()
	if st := p.visit("/login"); st != http.StatusOK {
		p.fail("GET /login: %d", st)
	}
	p.fill("#name", name, "#password", p.h.password(name))
	if st := p.submit(`form[action="/login"] button[type=submit]`); st != http.StatusOK {
		p.fail("signing in as %s: %d: %s", name, st, p.text("main"))
	}
	return p.path()
}

// path is the path of the page shown.
func (p *person) path() string {
	p.t.Helper()
	return eval[string](p, "location.pathname")
}

// needRange skips a journey that needs the exercise's range deployed and
// its clock running, when it is not: without Docker, or when the
// instructor's journey, which deploys and starts it, failed.
func (h *harness) needRange(t *testing.T, x testExercise) {
	t.Helper()
	if h.rt == nil {
		t.Skip("no Docker engine (CORDILLERA_NO_DOCKER=1): no range to work on")
	}
	op, ok := h.dir.Operation(x.Name)
	clock, err := h.store.Clock(context.Background(), x.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || op.Running() || op.Err != "" || clock.State != scoreboard.ClockRunning {
		t.Skipf("the range of %s is not deployed and running (operation held %v, error %q; clock %s): see the instructor's journey", x.Name, ok, op.Err, clock.State)
	}
}

// terminalHook runs before every script of a page: it keeps each xterm.js
// Terminal the page makes in window.cordilleraTerminals, so that the test
// can read what the terminal holds. xterm 3.x draws on a canvas, with no
// text in the DOM; the terminal page's own plain terminal, its fallback,
// is text in the DOM.
const terminalHook = `(function () {
  var T;
  window.cordilleraTerminals = [];
  Object.defineProperty(window, "Terminal", {
    configurable: true,
    get: function () { return T; },
    set: function (v) {
      if (typeof v !== "function") { T = v; return; }
      var W = function (options) { var t = new v(options); window.cordilleraTerminals.push(t); return t; };
      W.prototype = v.prototype;
      Object.setPrototypeOf(W, v); // applyAddon and the other statics
      T = W;
    }
  });
})();`

// screenJS is the text the page's terminal shows: xterm's buffer, through
// its public API (xterm 4 and later, 3.14 and later) or its core (3.x),
// else the plain terminal's text.
const screenJS = `(function () {
  var ts = window.cordilleraTerminals || [];
  var t = ts[ts.length - 1];
  if (!t) return document.querySelector("#terminal").textContent;
  var lines = [], i, b;
  if (t.buffer && t.buffer.active) b = t.buffer.active; else if (t.buffer && t.buffer.getLine) b = t.buffer;
  if (b) {
    for (i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
  } else {
    b = t._core.buffer;
    for (i = 0; i < b.lines.length; i++) lines.push(b.translateBufferLineToString(i, true));
  }
  return lines.join("\n");
})()`

// watchTerminals installs terminalHook in the person's pages from the
// next one on.
func (p *person) watchTerminals() {
	p.t.Helper()
	p.do("installing the terminal hook", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: terminalHook})
		return err
	}))
}

// enter presses Enter as a person does: keydown and keyup, with no char
// event. SendKeys's "\n" adds a char event, which xterm.js takes for a
// second Enter (a browser sends none when keydown's default is prevented).
var enter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return err
		}
	}
	return nil
})
