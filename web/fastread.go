package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Fast reads: what every visitor of the public scoreboard sees is made
// once per write to the store, not once per visitor. A reply is kept with
// the store's version it was made at (scoreboard.Store.Version), compressed
// once, and sent again, or answered 304 to a browser that has it, until the
// version moves on; the next visitor after a write makes it again. Staff
// views, and pages that carry a signed-in user's name or token, are made
// for each request as before.

// replies holds the kept replies by key.
type replies struct {
	// version is the store's, now the wall clock.
	version func() uint64
	now     func() time.Time

	mu  sync.Mutex
	m   map[string]*reply
	seq atomic.Uint64 // tells apart two replies made at one version
}

// reply is one kept reply. mu is held while it is made, so that the
// visitors who come meanwhile wait for it instead of making it too.
type reply struct {
	mu      sync.Mutex
	version uint64
	expires time.Time // zero: kept until the version moves on
	kept
}

// kept is what is sent: the bytes as they are and compressed.
type kept struct {
	etag  string
	ctype string
	lang  string
	body  []byte
	gz    []byte
}

// made is what a maker returns: the reply's bytes and type, its language
// when it has one, and how long it may be kept at most (0: as long as the
// version stays), for a reply that shows a running clock.
type made struct {
	body  []byte
	ctype string
	lang  string
	ttl   time.Duration
}

func newReplies(version func() uint64, now func() time.Time) *replies {
	return &replies{version: version, now: now, m: map[string]*reply{}}
}

// current returns the reply for key as of the store's version, making it
// with mk when there is none or it is out of date.
func (rs *replies) current(key string, mk func() (made, error)) (kept, error) {
	version := rs.version() // read before making: a write meanwhile makes it out of date
	now := rs.now()
	rs.mu.Lock()
	r := rs.m[key]
	if r == nil {
		r = &reply{}
		rs.m[key] = r
	}
	rs.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.body != nil && r.version == version && (r.expires.IsZero() || now.Before(r.expires)) {
		return r.kept, nil
	}
	m, err := mk()
	if err != nil {
		// Only what exists is kept: a name that is not an exercise leaves
		// nothing behind.
		rs.mu.Lock()
		if rs.m[key] == r && r.body == nil {
			delete(rs.m, key)
		}
		rs.mu.Unlock()
		return kept{}, err
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	w.Write(m.body)
	w.Close()
	r.version, r.body, r.gz, r.ctype, r.lang = version, m.body, gz.Bytes(), m.ctype, m.lang
	r.expires = time.Time{}
	if m.ttl > 0 {
		r.expires = now.Add(m.ttl)
	}
	r.etag = fmt.Sprintf(`W/"%x-%x"`, version, rs.seq.Add(1))
	return r.kept, nil
}

// sendKept answers with a kept reply: 304 when the browser has it,
// compressed when the browser takes gzip.
func sendKept(c echo.Context, r kept) error {
	h := c.Response().Header()
	h.Set("ETag", r.etag)
	h.Set("Cache-Control", "no-cache") // keep it, but ask each time
	h.Add("Vary", "Accept-Encoding")
	if r.lang != "" {
		h.Set("Content-Language", r.lang)
	}
	if matchesETag(c.Request().Header.Get("If-None-Match"), r.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, r.ctype, r.gz)
	}
	return c.Blob(http.StatusOK, r.ctype, r.body)
}

func matchesETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag || "W/"+t == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding: gzip, unless its q is 0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
