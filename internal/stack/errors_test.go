package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLogTail(t *testing.T) {
	var thirty strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&thirty, "line %d\n", i)
	}
	long := strings.Repeat("x", logTailBytes) + "\nlast\n"
	tests := []struct {
		name    string
		content string
		n       int
		want    []string
	}{
		{"fewer lines than asked", "a\nb\n", 5, []string{"a", "b"}},
		{"last n of many", thirty.String(), 3, []string{"line 28", "line 29", "line 30"}},
		{"no final newline", "a\nb", 1, []string{"b"}},
		{"crlf", "a\r\nb\r\n", 2, []string{"a", "b"}},
		{"empty", "", 5, nil},
		{"cut first line dropped", long, 5, []string{"last"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := LogTail(path, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("LogTail = %q, want %q", got, tt.want)
			}
		})
	}
	if got := LogTail(filepath.Join(t.TempDir(), "missing"), 5); got != nil {
		t.Errorf("LogTail of a missing file = %q, want nil", got)
	}
}

func TestProcessErrorText(t *testing.T) {
	e := &ProcessError{Name: "web", Reason: "exited with status 2 before becoming ready", LogPath: "/out/web.log", LogTail: []string{"boot", "fatal"}}
	want := "process \"web\": exited with status 2 before becoming ready; last lines of /out/web.log:\n    boot\n    fatal"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	e.LogTail = nil
	if got := e.Error(); got != `process "web": exited with status 2 before becoming ready` {
		t.Errorf("Error() without a log = %q", got)
	}
}
