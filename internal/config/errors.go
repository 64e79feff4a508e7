package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	Line int    // 1-based; 0 when the line is not known
	Key  string // dotted path, arrays 1-based: "scenario[2].rate"
	Msg  string // what is wrong and how to fix it
}

// Error lists every problem found in a config file, so a user fixes them in one go.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		if p.Key != "" {
			b.WriteString(p.Key)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// problems collects Problems while a file is checked, placing each on its line.
type problems struct {
	lines lineIndex
	list  []Problem
}

// add records a problem with the key at path (see lineIndex for the path syntax).
func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: ps.lines.line(path), Key: displayPath(path), Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		li, lj := ps.list[i].Line, ps.list[j].Line
		if li == 0 || lj == 0 {
			return li != 0 && lj == 0
		}
		return li < lj
	})
	return &Error{File: file, Problems: ps.list}
}

type notDurationError string

func (e notDurationError) Error() string {
	return fmt.Sprintf("%q is not a duration: write a number with a unit, e.g. \"5s\" or \"250ms\"", string(e))
}

func errNotDuration(s string) error { return notDurationError(s) }
