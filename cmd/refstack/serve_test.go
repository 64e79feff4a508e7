package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownWaitsForRequestsInFlight: a stop lets a request that has
// started finish before the server returns.
func TestShutdownWaitsForRequestsInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("done"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := log.New(io.Discard, "", 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(ctx, newServer(h, logger), ln, logger) }()

	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("the server returned (%v) with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if status := <-answered; status != http.StatusOK {
		t.Errorf("the request in flight got status %d, want 200", status)
	}
	if err := <-served; err != nil {
		t.Errorf("serveUntilDone: %v", err)
	}
}

func TestListenFailureIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := serveConfig{addr: ln.Addr().String(), pool: 1, databaseURL: "postgres://refstack@127.0.0.1:1/none?connect_timeout=2"}
	if err := serve(context.Background(), cfg, log.New(io.Discard, "", 0)); err == nil {
		t.Error("serving on a port in use gave no error")
	}
}
