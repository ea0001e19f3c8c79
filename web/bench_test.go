package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Live updates at scale: many scoreboard viewers on one exercise's
// server-sent events, and the time from a score being recorded to the last
// viewer having it.
//
//	go test ./web -run '^$' -bench LiveViewers -benchtime 20x
//
// Each iteration records one passed check and waits until every viewer has
// received the "scores" event that follows. It reports, over the
// iterations:
//
//   - to-last-p50-ms, to-last-p99-ms: from the entry being recorded to the
//     last viewer receiving it. The hub wakes when the store is written
//     (the server runs with `cordillera serve`'s own settings), so this is
//     the read of the new standings and the fan-out.
//   - spread-p50-ms, spread-p99-ms: from the first viewer receiving it to
//     the last, which is the fan-out alone.
//   - server-KiB/viewer: heap and stacks the server holds per open stream:
//     what the viewers cost in all, less what the same clients cost holding
//     connections to a bare listener, measured in the same run.
//   - goroutines/viewer on the server side, by the same difference.
//
// The viewers are lean raw HTTP/1.0 clients in the same process, so that
// what they cost is small next to what the server does.

// benchPause is the most the benchmark waits between two entries, a random
// share of it each time, so that entries fall at any moment.
const benchPause = 100 * time.Millisecond

// benchServer is the fixture of server_test.go without users: exercise "ex"
// with teams cl1 and co1, on a real SQLite file. (newFixture takes a
// *testing.T.)
func benchServer(b *testing.B) (*scoreboard.Store, *httptest.Server) {
	b.Helper()
	ctx := context.Background()
	store, err := scoreboard.Open(ctx, filepath.Join(b.TempDir(), "cordillera.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	err = store.CreateExercise(ctx, scoreboard.Exercise{Name: "ex", Title: "Andes test", Scenario: "water-utility", Scoring: scenarios.DefaultScoring()},
		[]scoreboard.Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Heartbeat: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() { srv.Close(); hs.Close() })
	return store, hs
}

// viewer is one open stream: a raw connection, read line by line.
type benchViewer struct {
	conn net.Conn
	r    *bufio.Reader
}

func openViewer(addr, path string) (*benchViewer, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	// HTTP/1.0: the body is the stream itself, not chunked.
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n", path); err != nil {
		c.Close()
		return nil, err
	}
	return &benchViewer{conn: c, r: bufio.NewReaderSize(c, 4096)}, nil
}

// nextScores waits for the next "scores" event.
func (v *benchViewer) nextScores() error {
	scores := false
	for {
		line, err := v.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue // a long data line: only its start matters
		}
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(string(line), "event: "):
			scores = string(line) == "event: scores\n"
		case len(line) == 1 && scores:
			return nil
		}
	}
}

// heap is the memory the Go runtime holds for heap objects and stacks,
// after a collection.
func heap() (bytes uint64, goroutines int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

// clientCost is what n viewers' clients cost (bytes, goroutines) holding
// connections to a bare listener that answers nothing.
func clientCost(b *testing.B, n int) (float64, float64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	before, g0 := heap()
	var vs []*benchViewer
	var wg sync.WaitGroup
	for range n {
		v, err := openViewer(ln.Addr().String(), "/")
		if err != nil {
			b.Fatal(err)
		}
		vs = append(vs, v)
		wg.Add(1)
		go func() { defer wg.Done(); v.nextScores() }()
	}
	time.Sleep(200 * time.Millisecond)
	after, g1 := heap()
	for _, v := range vs {
		v.conn.Close()
	}
	wg.Wait()
	mu.Lock()
	for _, c := range held {
		c.Close()
	}
	mu.Unlock()
	return float64(after) - float64(before), float64(g1 - g0)
}

func BenchmarkLiveViewers(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) { benchViewers(b, n) })
	}
}

func benchViewers(b *testing.B, n int) {
	ctx := context.Background()
	store, hs := benchServer(b)
	addr := strings.TrimPrefix(hs.URL, "http://")
	clientBytes, clientG := clientCost(b, n)

	before, g0 := heap()
	vs := make([]*benchViewer, n)
	for i := range vs {
		v, err := openViewer(addr, "/events/ex")
		if err != nil {
			b.Fatal(err)
		}
		defer v.conn.Close()
		// Every stream starts with the standings.
		if err := v.nextScores(); err != nil {
			b.Fatalf("viewer %d: %v", i, err)
		}
		vs[i] = v
	}
	after, g1 := heap()

	// Each viewer stamps when it gets each iteration's scores event.
	got := make([][]time.Time, b.N)
	for i := range got {
		got[i] = make([]time.Time, n)
	}
	var pending atomic.Int64
	done := make(chan struct{}, 1)
	var failed atomic.Value
	var wg sync.WaitGroup
	for j, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range b.N {
				if err := v.nextScores(); err != nil {
					failed.Store(fmt.Errorf("viewer %d, iteration %d: %w", j, i, err))
					select {
					case done <- struct{}{}:
					default:
					}
					return
				}
				got[i][j] = time.Now()
				if pending.Add(-1) == 0 {
					done <- struct{}{}
				}
			}
		}()
	}

	toLast := make([]time.Duration, 0, b.N)
	spread := make([]time.Duration, 0, b.N)
	round := int(time.Now().UnixNano() % 1e9)
	b.ResetTimer()
	for i := range b.N {
		time.Sleep(rand.N(benchPause))
		pending.Store(int64(n))
		start := time.Now()
		_, err := store.RecordCheck(ctx, scoreboard.CheckResult{Exercise: "ex", Team: []string{"cl1", "co1"}[i%2], Host: "web", Service: "http",
			Round: round + i, Up: true, Detail: "200 OK", Moment: scoreboard.Moment{At: start, Elapsed: time.Duration(i) * time.Second}})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatalf("iteration %d: %d of %d viewers still wait after 30s", i, pending.Load(), n)
		}
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		first, last := slices.MinFunc(got[i], time.Time.Compare), slices.MaxFunc(got[i], time.Time.Compare)
		toLast = append(toLast, last.Sub(start))
		spread = append(spread, last.Sub(first))
	}
	b.StopTimer()
	for _, v := range vs {
		v.conn.Close()
	}
	wg.Wait()

	ms := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return float64(ds[int(float64(len(ds)-1)*q)].Microseconds()) / 1000
	}
	b.ReportMetric(ms(toLast, 0.5), "to-last-p50-ms")
	b.ReportMetric(ms(toLast, 0.99), "to-last-p99-ms")
	b.ReportMetric(ms(spread, 0.5), "spread-p50-ms")
	b.ReportMetric(ms(spread, 0.99), "spread-p99-ms")
	b.ReportMetric((float64(after)-float64(before)-clientBytes)/float64(n)/1024, "server-KiB/viewer")
	b.ReportMetric((float64(g1-g0)-clientG)/float64(n), "goroutines/viewer")
}
