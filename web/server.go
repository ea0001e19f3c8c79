// Package web is Cordillera's web interface: server-rendered pages for
// trainees, instructors and program managers, a JSON API for automation, and
// live updates of the scoreboard as server-sent events. Everything it shows
// is read from the scoreboard's store; it keeps nothing of its own but rate
// limits, which may be lost.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what a Server needs. Only Store is required.
type Config struct {
	Store *scoreboard.Store
	// Director runs the exercises this process drives: instructors make,
	// deploy and control them, trainees play them and open terminals on
	// their hosts. Without one the server shows the store read-only.
	Director *director.Director
	// Plans are the teams' plans of exercises whose scenario is known but
	// that the Director does not hold, by exercise name, so that a team's
	// page lists its hosts and services.
	Plans map[string][]*scenarios.TeamPlan
	// Now is the wall clock (default time.Now).
	Now func() time.Time
	// Secure marks the session cookie Secure: set it when browsers reach
	// the server over HTTPS (directly or through a proxy).
	Secure bool
	// AssetsDirs are the folders of the JavaScript libraries Debian
	// packages (default DefaultAssetsDirs).
	AssetsDirs AssetsDirs
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// LoginLimit is how many sign-in attempts one address may make for one
	// user name per minute (default 5); SubmitLimit how many forms one user
	// may submit per minute (default 30).
	LoginLimit, SubmitLimit int
	// Poll is how often a serving server looks whether another process
	// wrote to the store (default 100ms; its own writes are seen at once);
	// Heartbeat how often an idle stream says it is alive (default 15s).
	Poll, Heartbeat time.Duration
	// SessionTTL is how long a session lasts unused (default 12h).
	SessionTTL time.Duration
}

// AssetsDirs are the folders served under /vendor/.
type AssetsDirs struct {
	Xterm string // served as /vendor/xterm/
	Chart string // served as /vendor/chart/
	// XtermModules is node-xterm's folder of CommonJS modules, bundled at
	// start into /vendor/xterm/xterm.js when Xterm's is no browser build
	// (see xterm.go); empty, nothing is bundled.
	XtermModules string
}

// DefaultAssetsDirs are where Debian's libjs-xterm, libjs-chart.js and
// node-xterm install.
func DefaultAssetsDirs() AssetsDirs {
	return AssetsDirs{Xterm: "/usr/share/javascript/xterm", Chart: "/usr/share/javascript/chart.js",
		XtermModules: "/usr/share/nodejs/xterm/lib"}
}

// Server is the web interface.
type Server struct {
	*base
	cfg   Config
	store *scoreboard.Store
	echo  *echo.Echo
	h     *handlers

	closing   chan struct{}
	closeOnce sync.Once
}

// New makes a server; it does not listen until Serve.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: Config.Store is required")
	}
	if catalogErr != nil {
		return nil, catalogErr
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AssetsDirs == (AssetsDirs{}) {
		cfg.AssetsDirs = DefaultAssetsDirs()
	}
	if cfg.LoginLimit <= 0 {
		cfg.LoginLimit = 5
	}
	if cfg.SubmitLimit <= 0 {
		cfg.SubmitLimit = 30
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	closing := make(chan struct{})
	h := newHandlers(cfg, pages, closing)
	s := &Server{base: h.base, cfg: cfg, store: cfg.Store, h: h, closing: closing}
	s.echo = s.routes()
	return s, nil
}

// Handler is the server's HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.echo }

// Serve listens on addr until ctx is done, then shuts down gracefully:
// live streams end, requests under way have ten seconds to finish.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener of the caller's.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("web interface listening", "url", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go s.sweepSessions(ctx)
	go s.watchOthers(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Close()
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close ends every live stream; the server still answers other requests.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// watchOthers moves the store's version on when another process writes,
// so that kept replies and live streams show it.
func (s *Server) watchOthers(ctx context.Context) {
	if err := s.store.WatchOthers(ctx, s.cfg.Poll); err != nil && ctx.Err() == nil {
		s.log.Warn("watching the store for other processes' writes stopped: their changes show only after this server's next write", "err", err)
	}
}

// sweepSessions forgets expired sessions every hour.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.store.Accounts().DeleteExpiredSessions(ctx, s.cfg.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("deleting expired sessions", "err", err)
		} else if n > 0 {
			s.log.Info("expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recover turns a panic into a 500 page; the stack goes to the log only.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "method", c.Request().Method, "path", c.Request().URL.Path, "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// maxBody bounds what a form may send.
const maxBody = 1 << 20

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxBody)
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		return next(c)
	}
}
