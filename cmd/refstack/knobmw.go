package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// crashExitCode is the status of the process when REFSTACK_CRASH_AFTER fires.
const crashExitCode = 3

// pageSize is the stride at which leaked memory is written, so every page
// of it is resident: the leak shows in RSS, not only in the heap's books.
const pageSize = 4096

// knobMiddleware makes the scenario endpoints worse as the knobs say. Every
// request it sees counts, in one sequence shared by the error and crash knobs.
type knobMiddleware struct {
	knobs knobs
	app   *app
	// exit ends the process; tests inject their own.
	exit func(code int)

	requests atomic.Int64

	mu          sync.Mutex
	leaked      [][]byte
	leakedBytes atomic.Int64
}

func newKnobMiddleware(k knobs, a *app, exit func(code int)) *knobMiddleware {
	return &knobMiddleware{knobs: k, app: a, exit: exit}
}

// wrap returns next unchanged when no knob applies to e, so an app without
// knobs pays nothing for them.
func (m *knobMiddleware) wrap(e endpoint, next http.Handler) http.Handler {
	if !m.knobs.active() || !m.knobs.appliesTo(e.path) {
		return next
	}
	wrongBody := []byte(e.wrongBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := m.requests.Add(1)
		if m.knobs.crashAfter > 0 && n > int64(m.knobs.crashAfter) {
			m.exit(crashExitCode)
			// Only reached when exit is a test's: drop the connection as a
			// crash would.
			panic(http.ErrAbortHandler)
		}
		if err := m.cost(r.Context()); err != nil {
			m.app.fail(w, r, err)
			return
		}
		switch {
		case m.knobs.errorEvery > 0 && n%int64(m.knobs.errorEvery) == 0:
			http.Error(w, "injected error", http.StatusInternalServerError)
		case m.knobs.wrongAnswer:
			writeJSON(w, wrongBody)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// cost spends what the knobs say one request costs: CPU, waiting, database
// round trips and memory.
func (m *knobMiddleware) cost(ctx context.Context) error {
	if m.knobs.cpu > 0 {
		burnCPU(m.knobs.cpu)
	}
	if m.knobs.delay > 0 {
		if err := sleep(ctx, m.knobs.delay); err != nil {
			return err
		}
	}
	for range m.knobs.extraQueries {
		if _, err := m.app.store.RandomNumber(ctx, m.app.randomID()); err != nil {
			return err
		}
	}
	if m.knobs.leakKB > 0 {
		m.leak(m.knobs.leakKB << 10)
	}
	return nil
}

func (m *knobMiddleware) leak(size int) {
	b := make([]byte, size)
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	m.mu.Lock()
	m.leaked = append(m.leaked, b)
	m.mu.Unlock()
	m.leakedBytes.Add(int64(size))
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
