package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		mode       string
		env        []string
		timeout    time.Duration
		wantReason string // "" = success
		wantIs     error
		wantTail   string
	}{
		{name: "success", mode: "exit-with", env: []string{"STACKTEST_STATUS=0"}},
		{name: "non-zero exit", mode: "exit-with", env: []string{"STACKTEST_STATUS=2"},
			wantReason: "exited with status 2", wantTail: "exiting with 2"},
		{name: "timeout", mode: "sleep", timeout: 300 * time.Millisecond,
			wantReason: "canceled (context deadline exceeded)", wantIs: context.DeadlineExceeded},
		{name: "timeout stops grandchildren too", mode: "ignore-term", timeout: time.Second,
			wantReason: "canceled (context deadline exceeded)", wantIs: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			p := helperProcess(t, "step", tt.mode, tt.env...)
			p.Grace = 200 * time.Millisecond
			err := Run(ctx, p)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			pe := processError(t, err)
			if pe.Reason != tt.wantReason {
				t.Errorf("reason %q, want %q", pe.Reason, tt.wantReason)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
			if tt.wantTail != "" && !slices.Contains(pe.LogTail, tt.wantTail) {
				t.Errorf("log tail %q lacks %q", pe.LogTail, tt.wantTail)
			}
			if strings.HasPrefix(tt.name, "timeout") {
				// The helper printed the pid of its last descendant.
				if pid, ok := pidInLog(p.LogPath); ok && !processGone(pid) {
					t.Errorf("process %d left running after the timeout", pid)
				}
			}
		})
	}
}

func TestRunStartFailure(t *testing.T) {
	err := Run(t.Context(), Process{Name: "build", Argv: []string{"/nonexistent/tool"}})
	pe := processError(t, err)
	if !strings.HasPrefix(pe.Reason, "cannot start: ") || !strings.Contains(pe.Reason, "/nonexistent/tool") {
		t.Errorf("reason %q does not say what could not start", pe.Reason)
	}
}

func TestRunResolvesCommandWithTheProcessPath(t *testing.T) {
	p := Process{Name: "true", Argv: []string{"true"}, Env: []string{"PATH=/usr/bin:/bin"}}
	if err := Run(t.Context(), p); err != nil {
		t.Fatalf("Run: %v", err)
	}
	p.Env = []string{"PATH=/nonexistent"}
	if err := Run(t.Context(), p); err == nil || !strings.Contains(err.Error(), `executable "true" not found`) {
		t.Fatalf("Run with a PATH lacking the command: %v", err)
	}
}

func TestRunStopsWhatTheCommandLeftBehind(t *testing.T) {
	p := helperProcess(t, "step", "orphan")
	p.Grace = 200 * time.Millisecond
	if err := Run(t.Context(), p); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if pid := pidFromLog(t, p.LogPath); !processGone(pid) {
		t.Errorf("grandchild %d left running after Run returned", pid)
	}
}
