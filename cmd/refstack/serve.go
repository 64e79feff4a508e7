package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const (
	defaultAddr = "127.0.0.1:8080"
	// defaultPoolSize is the most database connections serve opens; with
	// /slow's 20 ms query it caps that scenario near 800 requests/s.
	defaultPoolSize = 16
	// maxPoolSize is far beyond PostgreSQL's default max_connections (100).
	maxPoolSize = 10000
	// shutdownTimeout bounds the graceful shutdown after SIGTERM or SIGINT.
	shutdownTimeout = 5 * time.Second
	// startupTimeout bounds the query for the world table's size.
	startupTimeout = 5 * time.Second
)

// HTTP server timeouts: generous for a benchmark under load, but bounded so
// a stuck client cannot hold a connection forever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

var serveCommand = command{
	name: "serve",
	flags: func(fs *flag.FlagSet) func(context.Context, environment) error {
		addr := fs.String("addr", defaultAddr, "listen on this TCP `address` (port 0 picks a free port)")
		pool := fs.Int("pool", defaultPoolSize, "at most `N` database connections")
		dbFlag := databaseFlag(fs)
		return func(ctx context.Context, env environment) error {
			if err := checkRange("pool", *pool, 1, maxPoolSize); err != nil {
				return err
			}
			dbURL, err := databaseURL(*dbFlag, env.getenv)
			if err != nil {
				return err
			}
			k, err := parseKnobs(env.getenv)
			if err != nil {
				return usageError{err}
			}
			return serve(ctx, serveConfig{addr: *addr, pool: *pool, databaseURL: dbURL, knobs: k}, env.logger)
		}
	},
	about: func(w io.Writer) {
		writeEndpointsText(w)
		fmt.Fprint(w, "\n", knobsIntro, "\n")
		writeKnobsText(w)
	},
}

type serveConfig struct {
	addr        string
	pool        int
	databaseURL string
	knobs       knobs
}

// serve runs the app until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, cfg serveConfig, logger *log.Logger) error {
	pool, err := openPool(ctx, cfg.databaseURL, int32(cfg.pool))
	if err != nil {
		return err
	}
	defer pool.Close()
	a := &app{store: pgStore{pool}, intn: rand.IntN, errs: newErrorLog(logger)}
	a.rows = rowsToDraw(ctx, pgStore{pool}, logger)
	mw := newKnobMiddleware(cfg.knobs, a, func(code int) {
		logger.Printf("REFSTACK_CRASH_AFTER=%d reached: exiting with status %d", cfg.knobs.crashAfter, code)
		os.Exit(code)
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	srv := newServer(newHandler(a, mw), logger)
	logger.Printf("listening on %s (world rows: %d, pool: %d, knobs: %s)", ln.Addr(), a.rows, cfg.pool, describeKnobs(cfg.knobs))
	return serveUntilDone(ctx, srv, ln, logger)
}

// rowsToDraw sizes the random ids from the world table. A database that is
// down or not seeded yet is logged, not fatal: the app starts with the
// default size and /healthz tells whether the database is there.
func rowsToDraw(ctx context.Context, s pgStore, logger *log.Logger) int {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	n, err := worldSize(ctx, s.pool)
	switch {
	case err != nil:
		logger.Printf("%v; drawing ids in 1..%d", err, defaultRows)
		return defaultRows
	case n < 1:
		logger.Printf("the world table is empty; drawing ids in 1..%d", defaultRows)
		return defaultRows
	}
	return n
}

func newServer(h http.Handler, logger *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          logger,
	}
}

// serveUntilDone serves on ln until ctx ends, then gives in-flight requests
// shutdownTimeout to finish before closing what is left. A stop that had to
// cut requests short is logged but is still the stop that was asked for.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, logger *log.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Printf("shutting down: %v; closing the remaining connections", err)
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// describeKnobs lists the knobs that are set, for the startup line.
func describeKnobs(k knobs) string {
	if len(k.settings) == 0 {
		return "none"
	}
	return strings.Join(k.settings, " ")
}
