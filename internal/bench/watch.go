package bench

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/procfs"
	"github.com/stackgate/stackgate/internal/result"
)

// Sampling intervals of a phase: memory and threads of the stack often enough to see a
// slope within a second; database sessions less often (each is a query).
const (
	memoryInterval   = 100 * time.Millisecond
	sessionsInterval = 250 * time.Millisecond
)

// watch measures what the stack and the database use during one phase: CPU and statement
// counters as the difference of two readings (start, end), memory, threads and sessions
// from periodic samples in between.
type watch struct {
	stackPIDs []int
	dbPID     int
	monitor   *pg.Monitor

	start   reading
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	samples []memorySample
	peakThr int
	peakSes int
	sumSes  int
	nSes    int
	err     error
}

// reading is the cumulative counters at one moment.
type reading struct {
	at         time.Time
	stackCPU   time.Duration
	dbCPU      time.Duration
	statements *pg.Statements
}

type memorySample struct {
	at  time.Time
	rss uint64
}

// startWatch takes the first reading and starts sampling.
func startWatch(ctx context.Context, stackPIDs []int, dbPID int, monitor *pg.Monitor) (*watch, error) {
	w := &watch{stackPIDs: stackPIDs, dbPID: dbPID, monitor: monitor, stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if w.start, err = w.read(ctx); err != nil {
		return nil, err
	}
	go w.loop(ctx)
	return w, nil
}

func (w *watch) read(ctx context.Context) (reading, error) {
	r := reading{at: time.Now()}
	stack, err := procfs.Default.Tree(w.stackPIDs...)
	if err != nil {
		return r, err
	}
	r.stackCPU = stack.CPU
	if w.dbPID > 0 { // 0: the database's CPU is not measured (a duet shares it)
		db, err := procfs.Default.Tree(w.dbPID)
		if err != nil {
			return r, err
		}
		r.dbCPU = db.CPU
	}
	st, err := w.monitor.Statements(ctx)
	switch {
	case err == nil:
		r.statements = &st
	case !errors.Is(err, pg.ErrNoStatements):
		return r, err
	}
	return r, nil
}

// loop samples until finish; a panic becomes the watch's error, never a crash.
func (w *watch) loop(ctx context.Context) {
	defer close(w.done)
	defer func() {
		if p := recover(); p != nil {
			w.fail(errors.New("resource sampling panicked"))
		}
	}()
	mem := time.NewTicker(memoryInterval)
	defer mem.Stop()
	ses := time.NewTicker(sessionsInterval)
	defer ses.Stop()
	w.sampleMemory()
	for {
		select {
		case <-w.stop:
			w.sampleMemory()
			return
		case <-ctx.Done():
			return
		case <-mem.C:
			w.sampleMemory()
		case <-ses.C:
			w.sampleSessions(ctx)
		}
	}
}

func (w *watch) sampleMemory() {
	u, err := procfs.Default.Tree(w.stackPIDs...)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.err = err
		return
	}
	w.samples = append(w.samples, memorySample{at: time.Now(), rss: u.RSS})
	w.peakThr = max(w.peakThr, u.Threads)
}

func (w *watch) sampleSessions(ctx context.Context) {
	n, err := w.monitor.Sessions(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			w.err = err
		}
		return
	}
	w.peakSes = max(w.peakSes, n)
	w.sumSes += n
	w.nSes++
}

func (w *watch) fail(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

// finish stops sampling, takes the last reading and returns what the phase used.
func (w *watch) finish(ctx context.Context) (*result.Resources, error) {
	close(w.stop)
	<-w.done
	end, err := w.read(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err = errors.Join(err, w.err); err != nil {
		return nil, err
	}
	res := &result.Resources{
		StackCPU:     (end.stackCPU - w.start.stackCPU).Seconds(),
		DBCPU:        (end.dbCPU - w.start.dbCPU).Seconds(),
		ThreadsPeak:  w.peakThr,
		SessionsPeak: w.peakSes,
		Samples:      len(w.samples),
	}
	if w.start.statements != nil && end.statements != nil {
		calls := end.statements.Calls - w.start.statements.Calls
		rows := end.statements.Rows - w.start.statements.Rows
		res.Statements, res.Rows = &calls, &rows
	}
	if w.nSes > 0 {
		res.SessionsMean = float64(w.sumSes) / float64(w.nSes)
	}
	res.RSSPeak, res.RSSSlope = memoryTrend(w.samples)
	return res, nil
}

// memoryTrend is the peak of the samples and their least-squares slope in bytes per second.
func memoryTrend(samples []memorySample) (peak uint64, slope float64) {
	if len(samples) == 0 {
		return 0, 0
	}
	t0 := samples[0].at
	var n, sx, sy, sxx, sxy float64
	for _, s := range samples {
		peak = max(peak, s.rss)
		x, y := s.at.Sub(t0).Seconds(), float64(s.rss)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	if d := n*sxx - sx*sx; n >= 2 && d > 0 {
		slope = (n*sxy - sx*sy) / d
	}
	return peak, slope
}
