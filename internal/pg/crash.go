package pg

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// A server process that crashes makes PostgreSQL end every session and reinitialise
// (crash-restart); the postmaster logs which process died and how, e.g. "server process
// (PID 4242) was terminated by signal 9: Killed". A monitor whose query failed says so,
// rather than blaming the connection it happened to lose.
var crashLine = regexp.MustCompile(`\S.* \(PID \d+\) (was terminated by .*|exited with exit code \d+)`)

// RestartError is a query that failed because the server crash-restarted.
type RestartError struct {
	Crash string // the log line that names the process that died
	Err   error  // the failed query's own error
}

func (e *RestartError) Error() string {
	return fmt.Sprintf("PostgreSQL restarted after one of its processes crashed (%s), ending every session: %v", e.Crash, e.Err)
}

func (e *RestartError) Unwrap() error { return e.Err }

// logSince is where a log file ends now, so that later reads see only what follows.
func logSince(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// crashedSince returns the log's first crash line after offset ("" if none).
func crashedSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<20))
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	m := crashLine.FindString(string(data))
	if i := strings.Index(m, ":  "); i >= 0 { // "… LOG:  server process (PID …"
		m = m[i+3:]
	}
	return m
}
