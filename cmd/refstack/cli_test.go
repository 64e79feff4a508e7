package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string // a substring; "" means stdout must be empty
		wantStderr string
	}{
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "REFSTACK_CRASH_AFTER=N"},
		{name: "-h", args: []string{"-h"}, wantCode: 0, wantStdout: "Regression knobs"},
		{name: "help serve", args: []string{"help", "serve"}, wantCode: 0, wantStdout: "-pool N"},
		{name: "serve -h", args: []string{"serve", "-h"}, wantCode: 0, wantStdout: "REFSTACK_KNOB_PATHS"},
		{name: "seed -h", args: []string{"seed", "-h"}, wantCode: 0, wantStdout: "SplitMix64"},
		{name: "no command", args: nil, wantCode: 2, wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"bench"}, wantCode: 2, wantStderr: `unknown command "bench"`},
		{name: "help on an unknown command", args: []string{"help", "bench"}, wantCode: 2, wantStderr: `unknown command "bench"`},
		{name: "unknown flag", args: []string{"serve", "-workers", "4"}, wantCode: 2, wantStderr: "-workers"},
		{name: "stray argument", args: []string{"seed", "now"}, wantCode: 2, wantStderr: "unexpected arguments"},
		{name: "no database", args: []string{"serve"}, wantCode: 2, wantStderr: "DATABASE_URL"},
		{name: "pool of zero", args: []string{"serve", "-pool", "0", "-database-url", "postgres://x"}, wantCode: 2, wantStderr: "-pool 0"},
		{name: "no rows", args: []string{"seed", "-rows", "0", "-database-url", "postgres://x"}, wantCode: 2, wantStderr: "-rows 0"},
		{name: "invalid knob", args: []string{"serve"}, wantCode: 2, wantStderr: "REFSTACK_DELAY",
			env: map[string]string{"DATABASE_URL": "postgres://x", "REFSTACK_DELAY": "soon"}},
		{name: "bad database URL", args: []string{"seed", "-database-url", "postgres://x:notaport/db"}, wantCode: 1, wantStderr: "parsing the database URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr, envOf(tt.env))
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, stderr.String())
			}
		})
	}
}

// TestServeWithoutDatabase runs the serve command for real on a loopback
// port with a database that refuses connections: it still starts, answers
// what needs no database, reports the database down on /healthz, and exits
// 0 when its context ends (as on SIGTERM).
func TestServeWithoutDatabase(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, lines := logPipe()
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-database-url", "postgres://refstack@127.0.0.1:1/none?connect_timeout=2"},
			io.Discard, stderr, envOf(nil))
		stderr.Close()
	}()
	addr := waitForListening(t, lines, exited)

	for _, tt := range []struct {
		path string
		want int
	}{{"/json", http.StatusOK}, {"/healthz", http.StatusServiceUnavailable}, {"/db", http.StatusInternalServerError}} {
		resp, err := http.Get("http://" + addr + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit status %d after the stop, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s of its context ending")
	}
}

// logPipe returns a writer for a command's stderr and the lines written to
// it; the lines are drained until the writer is closed.
func logPipe() (*io.PipeWriter, <-chan string) {
	r, w := io.Pipe()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody is reading any more: drop
			}
		}
	}()
	return w, lines
}

// waitForListening returns the address of the startup line.
func waitForListening(t *testing.T, lines <-chan string, exited <-chan int) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-lines:
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				addr, _, _ := strings.Cut(rest, " ")
				return addr
			}
		case code := <-exited:
			t.Fatalf("serve exited with status %d before listening", code)
		case <-timeout:
			t.Fatal("no startup line within 10s")
		}
	}
}
