// Command target is the loopback HTTP server of the peer comparison in bench/: a Go
// net/http server answering GET /hello, optionally stalling every request that arrives
// during a fixed window of every period, so that the latency every request should see is
// known exactly (the coordinated-omission test).
//
//	target -addr 127.0.0.1:8080 [-stall-every 2s -stall-for 200ms]
//
// With -raw it answers every request with the same bytes from a hand-written loop instead
// of net/http, several times faster, for checking a generator at rates net/http cannot
// serve on one CPU. It prints "listening on ADDR" once it accepts connections and
// serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	every := flag.Duration("stall-every", 0, "start a stall every `period` (0: never stall)")
	stall := flag.Duration("stall-for", 200*time.Millisecond, "length of each stall")
	raw := flag.Bool("raw", false, "answer with a hand-written HTTP/1.1 loop instead of net/http (no stalls)")
	flag.Parse()
	if *every > 0 && (*stall <= 0 || *stall >= *every) {
		return fmt.Errorf("-stall-for %v must be positive and shorter than -stall-every %v", *stall, *every)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *raw {
		fmt.Printf("listening on %s\n", ln.Addr())
		go func() {
			<-ctx.Done()
			_ = ln.Close()
		}()
		return serveRaw(ln)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /hello", stalling{start: time.Now(), every: *every, stall: *stall})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var hello = []byte("Hello, World!")

// stalling answers "Hello, World!", first holding every request that arrives in the
// first stall of each period until that stall is over. The phase is measured from the
// server's start, so the truth does not depend on when the load tool started.
type stalling struct {
	start        time.Time
	every, stall time.Duration
}

func (s stalling) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if s.every > 0 {
		if phase := time.Since(s.start) % s.every; phase < s.stall {
			time.Sleep(s.stall - phase)
		}
	}
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	_, _ = w.Write(hello)
}

var rawResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")

// serveRaw answers every request (bodiless, as the comparison sends them) on every
// connection with rawResponse, until ln is closed.
func serveRaw(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go answerRaw(c)
	}
}

// answerRaw counts the blank lines that end request headers and answers each.
func answerRaw(c net.Conn) {
	defer c.Close()
	in := make([]byte, 64<<10)
	out := make([]byte, 0, 64<<10)
	matched := 0
	for {
		n, err := c.Read(in)
		if err != nil {
			return
		}
		out = out[:0]
		for _, ch := range in[:n] {
			switch {
			case ch == "\r\n\r\n"[matched]:
				matched++
			case ch == '\r':
				matched = 1
			default:
				matched = 0
			}
			if matched == 4 {
				matched = 0
				out = append(out, rawResponse...)
			}
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}
