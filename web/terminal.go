package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// tmplTerminal is the web terminal's page.
const tmplTerminal = "terminal.html"

// terminalLimits bound what web terminals may cost the server.
type terminalLimits struct {
	// MaxMessage is the largest message a browser may send, in bytes.
	MaxMessage int64
	// PerUser is how many terminals one user may have open at once.
	PerUser int
	// Idle closes a terminal that has had no input for this long.
	Idle time.Duration
	// Ping is how often the server checks that the browser is still there.
	Ping time.Duration
	// WriteTimeout is how long one message to the browser may take.
	WriteTimeout time.Duration
	// Recheck is how often an open terminal asks the store again who its
	// user is now, and closes once they may no longer open it (a trainee
	// an instructor moved out of the team, a user gone).
	Recheck time.Duration
}

// defaultTerminalLimits are the limits every server starts with; tests
// change them before making a server.
var defaultTerminalLimits = terminalLimits{
	MaxMessage:   64 << 10,
	PerUser:      4,
	Idle:         30 * time.Minute,
	Ping:         30 * time.Second,
	WriteTimeout: 10 * time.Second,
	Recheck:      5 * time.Second,
}

// attackerPrefix marks an attacker in a terminal's host parameter, as
// director.Terminal expects it.
const attackerPrefix = "attacker:"

// minXtermBundle is the size under which a vendored xterm.js is not a
// browser bundle. A real one is hundreds of KiB; Debian 12's libjs-xterm
// ships a 288-byte CommonJS stub (require("./public/Terminal")) that fails
// in a browser with "exports is not defined"; the server then bundles
// node-xterm's modules instead (xterm.go).
const minXtermBundle = 16 << 10

// Xterm states the terminal page tells the browser about.
const (
	xtermReady   = "ready"   // /vendor/xterm/xterm.js is a browser bundle, installed or built
	xtermMissing = "missing" // neither libjs-xterm nor node-xterm is installed
	xtermBroken  = "broken"  // installed, but not usable in a browser
)

// terminals are the web terminals a server has open.
type terminals struct {
	*base
	held
	director terminalDirector // nil without a director
	// users are read again while a terminal is open.
	users   userFinder
	closing <-chan struct{}
	limits  terminalLimits
	// xterm says whether the page can load xterm.js; it is decided once,
	// as the /vendor/ routes are.
	xterm string

	mu     sync.Mutex
	byUser map[string]int
}

// terminalDirector opens the shells of the director's ranges.
type terminalDirector interface {
	Terminal(ctx context.Context, name, team, host string, size orchestrator.TermSize) (orchestrator.Session, error)
}

// mayOpenTerminal says whether u may open a shell on a team's host: an
// instructor on any host or attacker, a trainee on their own team's hosts
// only (never an attacker), a program manager on none.
func mayOpenTerminal(u *scoreboard.User, exercise, team, host string) bool {
	switch u.Role {
	case scoreboard.RoleInstructor:
		return true
	case scoreboard.RoleTrainee:
		return u.Exercise == exercise && u.Team == team && !strings.HasPrefix(host, attackerPrefix)
	}
	return false
}

var (
	errNoExercises      = &webError{Status: http.StatusServiceUnavailable, Key: "terminal.no_director"}
	errTooManyTerminals = &webError{Status: http.StatusTooManyRequests, Key: "terminal.too_many"}
)

// terminalTarget is the host a terminal request names.
type terminalTarget struct {
	Exercise, Team, Host string
}

// Attacker says whether the host is the team's attacker.
func (t terminalTarget) Attacker() bool { return strings.HasPrefix(t.Host, attackerPrefix) }

// target reads and checks a terminal request: who asks, whether they may,
// and whether the exercise, team and host exist. Every refusal is logged.
func (t *terminals) target(c echo.Context, u *scoreboard.User) (terminalTarget, error) {
	host, err := url.PathUnescape(c.Param("host"))
	if err != nil {
		return terminalTarget{}, errBadInput
	}
	tt := terminalTarget{Exercise: c.Param("exercise"), Team: c.Param("team"), Host: host}
	if !mayOpenTerminal(u, tt.Exercise, tt.Team, tt.Host) {
		t.log.Info("terminal refused", "user", u.Name, "role", u.Role, "exercise", tt.Exercise, "team", tt.Team, "host", tt.Host, "ip", c.RealIP())
		return tt, errForbidden
	}
	if t.director == nil {
		return tt, errNoExercises
	}
	x, ok := t.exerciseOf(tt.Exercise)
	if !ok {
		return tt, errNotFound
	}
	for _, p := range x.Plans {
		if p.Team.ID != tt.Team {
			continue
		}
		for _, h := range p.Hosts {
			if h.Name == tt.Host {
				return tt, nil
			}
		}
		for _, a := range p.Attackers {
			if attackerPrefix+a.Name == tt.Host {
				return tt, nil
			}
		}
	}
	return tt, errNotFound
}

// terminalView is the terminal page's view model.
type terminalView struct {
	terminalTarget
	// Socket is the websocket's path; Back the team's page.
	Socket, Back string
	Xterm        string
}

func (t *terminals) page(c echo.Context) error {
	u := userOf(c)
	tt, err := t.target(c, u)
	if err != nil {
		return err
	}
	base := "/terminal/" + url.PathEscape(tt.Exercise) + "/" + url.PathEscape(tt.Team) + "/" + url.PathEscape(tt.Host)
	p := t.base.page(c, "terminal.title")
	p.Title = tt.Host + " · " + p.Title
	p.Data = terminalView{terminalTarget: tt, Socket: base + "/ws", Xterm: t.xterm,
		Back: "/team/" + url.PathEscape(tt.Exercise) + "/" + url.PathEscape(tt.Team)}
	return t.render(c, http.StatusOK, tmplTerminal, p)
}

// acquire takes one of a user's terminal slots.
func (t *terminals) acquire(user string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byUser[user] >= t.limits.PerUser {
		return false
	}
	t.byUser[user]++
	return true
}

func (t *terminals) release(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byUser[user]--; t.byUser[user] <= 0 {
		delete(t.byUser, user)
	}
}

// termControl is a text message of the terminal protocol, either way:
// the browser sends {"type":"resize","cols":C,"rows":R}; the server sends
// {"type":"exit","code":N} when the shell ends and {"type":"error",
// "message":M} when it cannot open one.
type termControl struct {
	Type    string `json:"type"`
	Cols    int    `json:"cols,omitempty"`
	Rows    int    `json:"rows,omitempty"`
	Code    *int   `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// termSize makes a terminal size of what a browser sent; it is false
// when the size is out of reason.
func termSize(cols, rows int) (orchestrator.TermSize, bool) {
	if cols < 1 || rows < 1 || cols > 1000 || rows > 1000 {
		return orchestrator.TermSize{}, false
	}
	return orchestrator.TermSize{Cols: uint16(cols), Rows: uint16(rows)}, true
}

// connect upgrades to a websocket and joins it to a shell on the host.
//
// Who may connect is decided here, before the upgrade, exactly as for the
// page. A websocket handshake is a GET and cannot carry the forms' CSRF
// token; cross-site use is prevented instead by (1) websocket.Accept's
// default check that the Origin header, which browsers always send on
// websocket handshakes and scripts cannot forge, names this same host, and
// (2) the session cookie being SameSite=Lax, so that other sites' pages do
// not send it on subresource requests. Keep both: InsecureSkipVerify or
// OriginPatterns must never be set here.
func (t *terminals) connect(c echo.Context) error {
	u := viewerOf(c).user
	if u == nil {
		return errSignIn
	}
	tt, err := t.target(c, u)
	if err != nil {
		return err
	}
	size, _ := termSize(atoiOr0(c.QueryParam("cols")), atoiOr0(c.QueryParam("rows")))
	if !t.acquire(u.Name) {
		t.log.Info("terminal refused: too many open", "user", u.Name, "limit", t.limits.PerUser)
		return errTooManyTerminals
	}
	defer t.release(u.Name)

	conn, err := websocket.Accept(c.Response(), c.Request(), nil)
	if err != nil {
		// Accept has answered already (403 for another origin).
		t.log.Info("terminal refused: websocket handshake", "user", u.Name, "origin", c.Request().Header.Get("Origin"), "err", err)
		return nil
	}
	defer conn.CloseNow()
	conn.SetReadLimit(t.limits.MaxMessage)
	t.serve(c.Request().Context(), conn, u, tt, size, viewerOf(c).lang, c.RealIP())
	return nil
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// serve runs one terminal until the shell exits, the browser goes, the
// terminal idles or the server closes, and logs its opening and closing.
//
// The connection's own reads and writes never use ctx itself: cancelling
// the context of a read or write makes the websocket library drop the
// connection without a close frame, so they use contexts of their own and
// end when serve closes the connection, which it does with a status that
// says why.
func (t *terminals) serve(ctx context.Context, conn *websocket.Conn, u *scoreboard.User, tt terminalTarget, size orchestrator.TermSize, lang, ip string) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	logger := t.log.With("user", u.Name, "role", u.Role, "exercise", tt.Exercise, "team", tt.Team, "host", tt.Host, "ip", ip)
	opened := time.Now()

	sess, err := t.director.Terminal(ctx, tt.Exercise, tt.Team, tt.Host, size)
	if err != nil {
		logger.Warn("terminal could not open", "err", err)
		msg := translate(lang, "terminal.open_failed")
		if errors.Is(err, director.ErrInvalid) || errors.Is(err, director.ErrNoRuntime) || errors.Is(err, director.ErrUnknown) {
			msg += " " + err.Error()
		}
		t.send(ctx, conn, termControl{Type: "error", Message: msg})
		conn.Close(websocket.StatusInternalError, "the terminal could not open")
		return
	}
	defer sess.Close()
	logger.Info("terminal opened")

	tc := &termConn{t: t, ctx: ctx, cancel: cancel, conn: conn, sess: sess, logger: logger, exitCode: make(chan int, 1)}
	tc.lastInput.Store(time.Now().UnixNano())
	defer tc.wg.Wait()
	defer cancel(nil)
	tc.watch(u, tt)
	tc.wg.Add(2)
	go tc.output()
	go tc.input()

	<-ctx.Done()
	reason := context.Cause(ctx)
	code, exited := -1, false
	select {
	case code = <-tc.exitCode:
		exited = true
	default:
	}
	// Close before waiting: it unblocks the reader and the writer.
	sess.Close()
	closeFor(conn, exited, reason)
	tc.wg.Wait()
	attrs := []any{"duration", time.Since(opened).Round(time.Second).String(), "reason", reasonText(reason)}
	if exited {
		attrs = append(attrs, "exit_code", code)
	}
	logger.Info("terminal closed", attrs...)
}

// termConn is one open terminal: the browser's websocket and the shell's
// session, and the goroutines between them. Cancelling ctx, with the cause,
// ends it.
type termConn struct {
	t        *terminals
	ctx      context.Context
	cancel   context.CancelCauseFunc
	conn     *websocket.Conn
	sess     orchestrator.Session
	logger   *slog.Logger
	wg       sync.WaitGroup
	exitCode chan int
	// lastInput is when the browser last sent anything, in Unix ns.
	lastInput atomic.Int64
}

// watch ends the terminal when the server closes, when the browser is gone
// or idle too long, and when who the user is no longer may have it.
func (tc *termConn) watch(u *scoreboard.User, tt terminalTarget) {
	ctx, t := tc.ctx, tc.t
	// The server closing ends every terminal: http.Server.Shutdown does
	// not wait for hijacked connections.
	tc.wg.Add(1)
	go func() {
		defer tc.wg.Done()
		select {
		case <-ctx.Done():
		case <-t.closing:
			tc.cancel(errServerClosing)
		}
	}()
	// Keepalive and idle timeout.
	every(ctx, &tc.wg, t.limits.Ping, tc.cancel, func() error {
		if time.Since(time.Unix(0, tc.lastInput.Load())) >= t.limits.Idle {
			return errTerminalIdle
		}
		pctx, pcancel := context.WithTimeout(context.WithoutCancel(ctx), t.limits.WriteTimeout)
		defer pcancel()
		if err := tc.conn.Ping(pctx); err != nil {
			return errBrowserGone
		}
		return nil
	})
	// Access: it was authorised when it opened; who the user is may
	// change while it is open.
	every(ctx, &tc.wg, t.limits.Recheck, tc.cancel, func() error {
		return recheckUser(ctx, t.users, t.log, u.Name, func(now *scoreboard.User) bool {
			return mayOpenTerminal(now, tt.Exercise, tt.Team, tt.Host)
		})
	})
}

// output sends the shell's output to the browser, then its exit code.
func (tc *termConn) output() {
	defer tc.wg.Done()
	ctx := tc.ctx
	buf := make([]byte, 32<<10)
	for {
		n, err := tc.sess.Read(buf)
		if n > 0 {
			if werr := tc.t.write(ctx, tc.conn, websocket.MessageBinary, buf[:n]); werr != nil {
				tc.cancel(errBrowserGone)
				return
			}
		}
		if err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return
	}
	wctx, wcancel := context.WithTimeout(ctx, tc.t.limits.WriteTimeout)
	code, err := tc.sess.Wait(wctx)
	wcancel()
	if err != nil {
		tc.logger.Warn("terminal: waiting for the shell's exit code", "err", err)
		code = -1
	}
	tc.exitCode <- code
	tc.t.send(ctx, tc.conn, termControl{Type: "exit", Code: &code})
	tc.cancel(errShellExited)
}

// input passes the browser's keystrokes and resizes to the shell.
func (tc *termConn) input() {
	defer tc.wg.Done()
	readCtx := context.WithoutCancel(tc.ctx)
	for {
		typ, msg, err := tc.conn.Read(readCtx)
		if err != nil {
			tc.cancel(errBrowserGone)
			return
		}
		tc.lastInput.Store(time.Now().UnixNano())
		if typ == websocket.MessageBinary {
			// A shell that is gone refuses keystrokes; its output ends
			// too, and the output side reports its exit.
			if _, err := tc.sess.Write(msg); err != nil {
				tc.logger.Debug("terminal: keystrokes not written", "err", err)
			}
			continue
		}
		var ctl termControl
		if err := json.Unmarshal(msg, &ctl); err != nil || ctl.Type != "resize" {
			tc.logger.Debug("terminal: control message ignored", "message", string(msg))
			continue
		}
		if sz, ok := termSize(ctl.Cols, ctl.Rows); ok {
			if err := tc.sess.Resize(tc.ctx, sz); err != nil && tc.ctx.Err() == nil {
				tc.logger.Debug("terminal: resize", "err", err)
			}
		}
	}
}

// closeFor closes the websocket with the status that says why the
// terminal ended.
func closeFor(conn *websocket.Conn, exited bool, reason error) {
	switch {
	case exited:
		conn.Close(websocket.StatusNormalClosure, "exited")
	case errors.Is(reason, errTerminalIdle):
		conn.Close(websocket.StatusPolicyViolation, "idle")
	case errors.Is(reason, errServerClosing):
		conn.Close(websocket.StatusGoingAway, "server closing")
	case errors.Is(reason, errAccessRevoked):
		conn.Close(websocket.StatusPolicyViolation, "access revoked")
	default:
		conn.CloseNow()
	}
}

// Why a terminal closed, for the audit log.
var (
	errShellExited   = errors.New("the shell exited")
	errBrowserGone   = errors.New("the browser went away")
	errTerminalIdle  = errors.New("no input for too long")
	errServerClosing = errors.New("the server is shutting down")
)

func reasonText(err error) string {
	if err == nil {
		return "unknown"
	}
	return err.Error()
}

// write sends one message, bounded in time so that a stalled browser
// cannot hold a shell open.
func (t *terminals) write(ctx context.Context, conn *websocket.Conn, typ websocket.MessageType, b []byte) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.limits.WriteTimeout)
	defer cancel()
	return conn.Write(ctx, typ, b)
}

// send sends a control message; a browser that is gone is not an error.
func (t *terminals) send(ctx context.Context, conn *websocket.Conn, m termControl) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	t.write(ctx, conn, websocket.MessageText, b)
}

// every runs check every d while ctx lasts, in a goroutine of wg; the
// first error it returns ends the terminal, as its cause.
func every(ctx context.Context, wg *sync.WaitGroup, d time.Duration, cancel context.CancelCauseFunc, check func() error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := check(); err != nil {
				cancel(err)
				return
			}
		}
	}()
}

// newTerminals sets the web terminals up: xterm.js as Debian installs it,
// or bundled from node-xterm's modules, or the plain fallback, and says in
// the log which, with what to install.
func newTerminals(bs *base, plays held, d *director.Director, users userFinder, closing <-chan struct{}, dirs AssetsDirs) *terminals {
	x := xtermFor(dirs) // made once, as the /vendor/ routes are
	t := &terminals{base: bs, held: plays, users: users, closing: closing, limits: defaultTerminalLimits, xterm: x.State, byUser: map[string]int{}}
	if d != nil { // a nil *Director in the interface would not be nil
		t.director = d
	}
	file := filepath.Join(dirs.Xterm, "xterm.js")
	const install = "apt-get install libjs-xterm node-xterm"
	switch {
	case x.State == xtermReady && x.Bundle != nil:
		b := x.Bundle
		bs.log.Info("web terminals use xterm.js bundled from node-xterm's modules",
			"modules_dir", dirs.XtermModules, "version", b.Version, "modules", len(b.Modules),
			"bytes", len(b.JS), "fit_addon", b.Fit, "refused_links", len(b.Refused), "took", x.Built.Round(time.Millisecond).String())
		if !b.Fit {
			bs.log.Warn("xterm.js has no fit addon: terminals will not fit their window",
				"want", filepath.Join(dirs.Xterm, "addons", "fit", "fit.js"), "install", install)
		}
	case x.State == xtermReady:
		bs.log.Info("web terminals use the installed xterm.js", "file", file)
	case x.State == xtermMissing:
		bs.log.Info("web terminals fall back to a plain text terminal until xterm.js is installed", "install", install)
	default:
		attrs := []any{"file", file, "modules_dir", dirs.XtermModules, "install", install}
		if x.Err != nil {
			attrs = append(attrs, "err", x.Err)
		}
		bs.log.Warn("web terminals fall back to a plain text terminal: the installed xterm.js is not a browser build, and none could be built from node-xterm's modules", attrs...)
	}
	return t
}
