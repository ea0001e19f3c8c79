package web

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// noDirs refuses directories, so that no folder is ever listed, and
// answers a name that is not valid (a NUL, bytes that are not UTF-8) as
// one that does not exist: a 404, not the file server's 500.
type noDirs struct{ fs.FS }

func (n noDirs) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return nil, fs.ErrNotExist
	}
	f, err := n.FS.Open(name)
	if errors.Is(err, fs.ErrInvalid) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}

// vendor serves the JavaScript libraries Debian packages, when installed.
// The server starts without them; one log line says what to install.
//
// /vendor/xterm/xterm.js is, when the installed one is not a browser build,
// a bundle of node-xterm's modules that the server builds at start (see
// xterm.go); its routes come before the folder's.
func (s *Server) vendor(e *echo.Echo) {
	var missing []string
	bundle := xtermFor(s.cfg.AssetsDirs).Bundle
	if bundle != nil {
		serveXtermBundle(e, bundle)
	}
	for _, v := range []struct{ prefix, dir, pkg string }{
		{"/vendor/xterm/", s.cfg.AssetsDirs.Xterm, "libjs-xterm"},
		{"/vendor/chart/", s.cfg.AssetsDirs.Chart, "libjs-chart.js"},
	} {
		if st, err := os.Stat(v.dir); err != nil || !st.IsDir() {
			if v.prefix != "/vendor/xterm/" || bundle == nil {
				missing = append(missing, v.pkg)
			}
			continue
		}
		h := cacheFor(time.Hour, http.StripPrefix(v.prefix, http.FileServer(http.FS(noDirs{os.DirFS(v.dir)}))))
		e.GET(v.prefix+"*", echo.WrapHandler(h))
	}
	if len(missing) > 0 {
		s.log.Info("some JavaScript libraries are not installed; the pages that need them will not work until they are",
			"install", "apt-get install "+strings.Join(missing, " "))
	}
}
