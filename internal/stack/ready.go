package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// probeTimeout bounds one readiness attempt, so a server that accepts but never answers
// cannot eat the whole readiness timeout in one go.
const probeTimeout = time.Second

// maxLogLine bounds the unterminated tail kept while watching a log for a line.
const maxLogLine = 64 << 10

// probe is one readiness check: nil means ready, an error says what it saw.
type probe func(ctx context.Context) error

// waitReady polls pr's readiness probes with back-off until all pass, the process exits,
// the timeout passes or ctx ends. Every outcome but success is a *ProcessError.
func (pr *proc) waitReady(ctx context.Context) error {
	if !pr.Ready.isSet() {
		return nil
	}
	probes, cleanup := pr.probes()
	defer cleanup()
	timeout := pr.readyTimeout()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for attempt := 0; ; attempt++ {
		last := runProbes(ctx, probes)
		if pr.exited() {
			return pr.failure(pr.exitDescription()+" before becoming ready", nil)
		}
		if last == nil {
			return nil
		}
		tick := time.NewTimer(pollInterval(attempt))
		select {
		case <-pr.done:
			tick.Stop()
			return pr.failure(pr.exitDescription()+" before becoming ready", nil)
		case <-ctx.Done():
			tick.Stop()
			return pr.failure("readiness wait canceled: "+ctx.Err().Error(), ctx.Err())
		case <-deadline.C:
			tick.Stop()
			return pr.failure(fmt.Sprintf("not ready after %s (%v)", timeout, last), last)
		case <-tick.C:
		}
	}
}

func runProbes(ctx context.Context, probes []probe) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	for _, p := range probes {
		if err := p(ctx); err != nil {
			return err
		}
	}
	return nil
}

// probes builds the checks Ready asks for; cleanup releases what they hold.
func (pr *proc) probes() ([]probe, func()) {
	var probes []probe
	cleanup := func() {}
	if pr.Ready.LogLine != nil {
		w := &logWatcher{path: pr.LogPath, offset: pr.logOffset, re: pr.Ready.LogLine}
		probes = append(probes, w.probe)
		cleanup = w.close
	}
	if pr.Ready.TCP {
		probes = append(probes, tcpProbe(pr.Addr))
	}
	if pr.Ready.HTTP != "" {
		probes = append(probes, httpProbe(pr.Addr, pr.Ready.HTTP))
	}
	return probes, cleanup
}

// CheckFree is nil when nothing listens on addr: a process is about to listen there, and its
// readiness probes must not be answered by another program that already does.
func CheckFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return fmt.Errorf("%s is taken by another program (%v): stop it, or choose another address", addr, err)
	}
	return l.Close()
}

func tcpProbe(addr string) probe {
	return func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return conn.Close()
	}
}

// httpProbe GETs the path on addr and wants a 2xx. No proxy from the environment (the
// target is local) and no keep-alive (the probe must not hold a connection of the server).
func httpProbe(addr, path string) probe {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	target := "http://" + addr + path
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return fmt.Errorf("GET %s: %w", target, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			var urlErr *url.Error
			if errors.As(err, &urlErr) {
				err = urlErr.Err
			}
			return fmt.Errorf("GET %s: %w", target, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("GET %s: status %s", target, resp.Status)
		}
		return nil
	}
}

// logWatcher reads the lines appended to a log since offset and looks for one matching re.
type logWatcher struct {
	path    string
	offset  int64
	re      *regexp.Regexp
	file    *os.File
	partial []byte // an unterminated last line, completed by the next read
}

func (w *logWatcher) probe(context.Context) error {
	if w.file == nil {
		f, err := os.Open(w.path)
		if err != nil {
			return fmt.Errorf("reading log: %w", err)
		}
		w.file = f
	}
	data, err := io.ReadAll(io.NewSectionReader(w.file, w.offset, 1<<62))
	if err != nil {
		return fmt.Errorf("reading log %s: %w", w.path, err)
	}
	w.offset += int64(len(data))
	if w.matchLines(data) {
		return nil
	}
	return fmt.Errorf("no line matching %q in %s yet", w.re, w.path)
}

// matchLines appends data to the pending text and reports whether a complete line matches.
func (w *logWatcher) matchLines(data []byte) bool {
	text := append(w.partial, data...)
	for {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		if w.re.Match(bytes.TrimRight(text[:i], "\r")) {
			w.partial = nil
			return true
		}
		text = text[i+1:]
	}
	if len(text) > maxLogLine {
		matched := w.re.Match(text)
		w.partial = nil
		return matched
	}
	w.partial = bytes.Clone(text)
	return false
}

func (w *logWatcher) close() {
	if w.file != nil {
		w.file.Close()
	}
}
