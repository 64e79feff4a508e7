package main

import (
	"bytes"
	"errors"
	"log"
	"strings"
	"testing"
	"time"
)

func TestErrorLogRateLimits(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newErrorLog(log.New(&out, "", 0))
	l.now = func() time.Time { return now }

	l.print(errors.New("first"))
	now = now.Add(l.interval / 2)
	l.print(errors.New("second"))
	l.print(errors.New("third"))
	now = now.Add(l.interval)
	l.print(errors.New("fourth"))
	now = now.Add(l.interval)
	l.print(errors.New("fifth"))

	want := []string{
		"error: first",
		"error: fourth (2 more errors since the last one logged)",
		"error: fifth",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
