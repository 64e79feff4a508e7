package main

import (
	"log"
	"sync"
	"time"
)

// defaultErrorLogInterval is the least time between two logged errors: a
// dead database under load fails thousands of requests a second, and the
// app must not turn that into thousands of log lines.
const defaultErrorLogInterval = time.Second

// errorLog logs errors at most once per interval and counts the ones it
// leaves out. It is safe for concurrent use.
type errorLog struct {
	logger   *log.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newErrorLog(logger *log.Logger) *errorLog {
	return &errorLog{logger: logger, interval: defaultErrorLogInterval, now: time.Now}
}

func (l *errorLog) print(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.suppressed++
		return
	}
	if l.suppressed > 0 {
		l.logger.Printf("error: %v (%d more errors since the last one logged)", err, l.suppressed)
	} else {
		l.logger.Printf("error: %v", err)
	}
	l.last, l.suppressed = now, 0
}
