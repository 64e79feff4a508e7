package pg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 10 * time.Millisecond},
		{1, 20 * time.Millisecond},
		{3, 80 * time.Millisecond},
		{4, 160 * time.Millisecond},
		{5, 200 * time.Millisecond},
		{500, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := retryDelay(tt.attempt); got != tt.want {
			t.Errorf("retryDelay(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}

func TestCheckSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		wantErr  string
	}{
		{"tuned values", map[string]string{"shared_buffers": "256MB", "max_connections": "200", "auto_explain.log_min_duration": "1s"}, ""},
		{"port is ours", map[string]string{"port": "5432"}, `"port" is managed by stackgate`},
		{"case does not hide it", map[string]string{"Listen_Addresses": "*"}, "managed by stackgate"},
		{"bad name", map[string]string{"shared buffers": "1"}, "not a valid setting name"},
		{"line break", map[string]string{"work_mem": "4MB\nport = 1"}, "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSettings(tt.settings)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfText(t *testing.T) {
	got := confText(map[string]string{"work_mem": "4MB", "search_path": `"$user", public`, "log_line_prefix": `it's \ here`})
	want := "# Written by stackgate: the suite's PostgreSQL settings.\n" +
		"log_line_prefix = 'it''s \\\\ here'\n" +
		"search_path = '\"$user\", public'\n" +
		"work_mem = '4MB'\n"
	if got != want {
		t.Errorf("confText =\n%s\nwant\n%s", got, want)
	}
}

func TestCanTraverse(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create directories other users cannot enter")
	}
	other := account{name: "someone", uid: 54321, gids: []int{54321}}
	private := t.TempDir() // its parent is created 0700 by the testing package
	if err := os.Chmod(private, 0o755); err != nil {
		t.Fatal(err)
	}
	if canTraverse(private, other) {
		t.Errorf("%s reported reachable through a 0700 parent", private)
	}
	open, err := os.MkdirTemp("", "pgtraverse-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(open)
	if err := os.Chmod(open, 0o711); err != nil {
		t.Fatal(err)
	}
	if !canTraverse(open, other) {
		t.Errorf("%s (0711 under /tmp) reported unreachable", open)
	}
	if err := os.Chmod(open, 0o770); err != nil {
		t.Fatal(err)
	}
	if canTraverse(open, other) {
		t.Errorf("%s (0770, other owner) reported reachable", open)
	}
	if !canTraverse(open, account{}) {
		t.Error("the current user must always be able to reach its own directories")
	}
}

func TestPreloadLibraries(t *testing.T) {
	cases := []struct {
		libs      string
		available bool
		want      string
	}{
		{"", true, "pg_stat_statements"},
		{"", false, ""},
		{"auto_explain", true, "auto_explain,pg_stat_statements"},
		{"pg_stat_statements, auto_explain", true, "pg_stat_statements, auto_explain"},
		{"auto_explain", false, "auto_explain"},
	}
	for _, c := range cases {
		got := preloadLibraries(map[string]string{"shared_preload_libraries": c.libs}, c.available)
		if got != c.want {
			t.Errorf("preloadLibraries(%q, %v) = %q, want %q", c.libs, c.available, got, c.want)
		}
	}
}

// A query that failed because the server crash-restarted names the crash from the log;
// crashes logged before the monitor connected do not count.
func TestMonitorExplainsACrashRestart(t *testing.T) {
	log := filepath.Join(t.TempDir(), "postgresql.log")
	os.WriteFile(log, []byte("2026-12-07 10:00:00 UTC [10] LOG:  server process (PID 9) was terminated by signal 11: Segmentation fault\n"), 0o644)
	m := &Monitor{log: log, logFrom: logSince(log)}
	lost := errors.New("reading statement counters of \"bench\": unexpected EOF")
	if err := m.explain(lost); err != lost {
		t.Fatalf("an earlier crash was blamed: %v", err)
	}
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("2026-12-07 10:01:00 UTC [10] LOG:  server process (PID 4242) was terminated by signal 9: Killed\n" +
		"2026-12-07 10:01:00 UTC [10] DETAIL:  Failed process was running: SELECT 1\n" +
		"2026-12-07 10:01:00 UTC [10] LOG:  terminating any other active server processes\n")
	f.Close()
	err := m.explain(lost)
	var restart *RestartError
	if !errors.As(err, &restart) || !errors.Is(err, lost) {
		t.Fatalf("got %v, want a *RestartError wrapping the query's error", err)
	}
	want := "PostgreSQL restarted after one of its processes crashed (server process (PID 4242) was terminated by signal 9: Killed), ending every session: " + lost.Error()
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
}
