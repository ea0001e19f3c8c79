package scoreboard

import (
	"context"
	"sync"
	"time"
)

// changes is a version of what the file holds: it moves on at once when
// this Store commits a write, and, through SQLite's PRAGMA data_version,
// soon after another process (or another Store on the same file) commits
// one. Readers keep what they computed from the file with the version they
// computed it at, and compute again only when it moved on: the public
// scoreboard is read from the store once per write, not once per viewer.
type changes struct {
	mu      sync.Mutex
	version uint64
	next    chan struct{} // closed when the version moves on
}

func (c *changes) bump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	if c.next != nil {
		close(c.next)
		c.next = nil
	}
}

// Version is the store's version: equal versions mean nothing was written
// in between (by this Store at once; by others as of the last look, see
// WatchOthers).
func (s *Store) Version() uint64 {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	return s.changes.version
}

// Changed returns the store's version and a channel that is closed when it
// moves on, for a reader that waits for the next write.
func (s *Store) Changed() (uint64, <-chan struct{}) {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	if s.changes.next == nil {
		s.changes.next = make(chan struct{})
	}
	return s.changes.version, s.changes.next
}

// WatchOthers looks every interval, until ctx is done, at whether another
// connection to the file committed a write, and moves the version on when
// one did: the cheap check (one PRAGMA on a connection of its own) that
// lets a server see what another process, such as the command line,
// writes. It returns ctx's error, or why it could not look.
func (s *Store) WatchOthers(ctx context.Context, every time.Duration) error {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var last int64
	if err := conn.GetContext(ctx, &last, "PRAGMA data_version"); err != nil {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var v int64
		if err := conn.GetContext(ctx, &v, "PRAGMA data_version"); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if v != last {
			last = v
			s.changes.bump()
		}
	}
}
