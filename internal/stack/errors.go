package stack

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// logTailLines is how many log lines a ProcessError shows.
const logTailLines = 20

// logTailBytes bounds how much of a log LogTail reads, so a huge log costs nothing.
const logTailBytes = 64 << 10

// ProcessError says which process failed, how, and shows the end of its log.
type ProcessError struct {
	Name    string
	Reason  string // e.g. "exited with status 2 before becoming ready"
	LogPath string
	LogTail []string // last lines of the log
	Err     error    // underlying cause, if any (context.DeadlineExceeded, an exec error...)
}

// Error returns the reason on one line followed by the indented log tail.
func (e *ProcessError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "process %q: %s", e.Name, e.Reason)
	if len(e.LogTail) > 0 {
		fmt.Fprintf(&b, "; last lines of %s:", e.LogPath)
		for _, line := range e.LogTail {
			b.WriteString("\n    ")
			b.WriteString(line)
		}
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As access to the underlying cause.
func (e *ProcessError) Unwrap() error { return e.Err }

// LogTail returns the last n lines of a file (best effort, bounded read).
// A missing or unreadable file gives nil.
func LogTail(path string, n int) []string {
	if path == "" || n <= 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil
	}
	start := max(info.Size()-logTailBytes, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, start, info.Size()-start))
	if err != nil {
		return nil
	}
	if start > 0 {
		// The first line was cut by the bounded read.
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return lastLines(string(data), n)
}

func lastLines(text string, n int) []string {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	lines = lines[max(len(lines)-n, 0):]
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, "\r")
	}
	return lines
}
