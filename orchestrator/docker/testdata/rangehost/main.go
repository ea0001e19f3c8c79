// Command rangehost is the range host of the orchestrator's real-engine
// tests. No image can be pulled where they run, so the tests build a FROM
// scratch image holding only this binary; with no shell in it, every exec is
// this binary with a subcommand:
//
//	rangehost serve           listen on $RANGEHOST_PORTS (default 80), answer GET /health
//	rangehost probe ADDR      exit 0 if a TCP connection to ADDR opens within 1s
//	rangehost write FILE TEXT replace FILE's contents with TEXT
//	rangehost cat FILE        print FILE
//	rangehost env NAME        print the environment variable NAME
//	rangehost exit CODE TEXT  print TEXT to stderr and exit with CODE
//	rangehost yes N           print N bytes
//	rangehost shell           a line-oriented prompt for terminal tests
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fail(2, "usage: rangehost serve|probe|write|cat|env|exit|yes|shell ...")
	}
	args := os.Args[2:]
	switch cmd := os.Args[1]; {
	case cmd == "serve":
		serve()
	case cmd == "probe" && len(args) == 1:
		probe(args[0])
	case cmd == "write" && len(args) == 2:
		if err := os.WriteFile(args[0], []byte(args[1]), 0o644); err != nil {
			fail(1, err.Error())
		}
	case cmd == "cat" && len(args) == 1:
		b, err := os.ReadFile(args[0])
		if err != nil {
			fail(1, err.Error())
		}
		os.Stdout.Write(b)
	case cmd == "env" && len(args) == 1:
		fmt.Println(os.Getenv(args[0]))
	case cmd == "exit" && len(args) == 2:
		code, err := strconv.Atoi(args[0])
		if err != nil {
			fail(2, "exit: CODE is a number")
		}
		fail(code, args[1])
	case cmd == "yes" && len(args) == 1:
		n, err := strconv.Atoi(args[0])
		if err != nil {
			fail(2, "yes: N is a number")
		}
		os.Stdout.Write(bytes.Repeat([]byte("y"), n))
	case cmd == "shell":
		shell(os.Stdin, os.Stdout)
	default:
		fail(2, fmt.Sprintf("rangehost: unknown command or wrong arguments: %q", os.Args[1:]))
	}
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

// serve answers HTTP on every port of $RANGEHOST_PORTS until stopped. It
// handles SIGTERM itself because, as PID 1, it would otherwise ignore it.
func serve() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ports := os.Getenv("RANGEHOST_PORTS")
	if ports == "" {
		ports = "80"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	errs := make(chan error, 1)
	for _, p := range strings.Split(ports, ",") {
		srv := &http.Server{Addr: ":" + strings.TrimSpace(p), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { errs <- srv.ListenAndServe() }()
	}
	select {
	case <-ctx.Done():
	case err := <-errs:
		fail(1, err.Error())
	}
}

func probe(addr string) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		fail(1, "closed: "+err.Error())
	}
	c.Close()
	fmt.Println("open", addr)
}

// shell reads commands a line at a time: "size" prints the terminal's rows
// and columns, "exit" ends, anything else is said back.
func shell(in io.Reader, out io.Writer) {
	sc := bufio.NewScanner(in)
	fmt.Fprint(out, "rangehost$ ")
	for sc.Scan() {
		switch line := strings.TrimSpace(sc.Text()); line {
		case "exit":
			return
		case "size":
			rows, cols, err := termSize()
			if err != nil {
				fmt.Fprintln(out, "size:", err)
			} else {
				fmt.Fprintf(out, "size %dx%d\n", rows, cols)
			}
		default:
			fmt.Fprintf(out, "you said: %s\n", line)
		}
		fmt.Fprint(out, "rangehost$ ")
	}
}

func termSize() (rows, cols uint16, err error) {
	var ws struct{ Row, Col, X, Y uint16 }
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, 0, syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); e != 0 {
		return 0, 0, errors.New(e.Error())
	}
	return ws.Row, ws.Col, nil
}
