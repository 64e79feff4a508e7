package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// lineIndex maps key paths of a TOML file to the line they are written on, so that
// validation errors can say "stackgate.toml:23". The TOML parser only reports lines for
// syntax and type errors; this best-effort scan covers tables, arrays of tables, dotted keys
// and inline tables, which is what suites use. Paths use 0-based indices for arrays of
// tables: "scenario[1].expect.status".
type lineIndex map[string]int

var (
	arrayHeader = regexp.MustCompile(`^\[\[\s*([^\]]+?)\s*\]\]`)
	tableHeader = regexp.MustCompile(`^\[\s*([^\]]+?)\s*\]`)
	keyLine     = regexp.MustCompile(`^([A-Za-z0-9_\-."' ]+?)\s*=`)
	inlineKey   = regexp.MustCompile(`[{,]\s*([A-Za-z0-9_\-]+)\s*=`)
)

// indexLines scans src and records the first line of every key path.
func indexLines(src string) lineIndex {
	idx := lineIndex{}
	counts := map[string]int{} // array-of-tables path (with parent indices) → elements seen
	table := ""
	for i, raw := range strings.Split(src, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case arrayHeader.MatchString(line):
			name := resolveTable(splitKey(arrayHeader.FindStringSubmatch(line)[1]), counts)
			table = fmt.Sprintf("%s[%d]", name, counts[name])
			counts[name]++
			idx.set(table, n)
			idx.set(name, n)
		case tableHeader.MatchString(line):
			table = resolveTable(splitKey(tableHeader.FindStringSubmatch(line)[1]), counts)
			idx.set(table, n)
		case keyLine.MatchString(line):
			key := join(table, splitKey(keyLine.FindStringSubmatch(line)[1])...)
			idx.set(key, n)
			for _, m := range inlineKey.FindAllStringSubmatch(line, -1) {
				idx.set(join(key, m[1]), n)
			}
		}
	}
	return idx
}

// resolveTable turns a header's key segments into a path, attaching each segment that is an
// array of tables to its latest element ([[scenario]] then [scenario.expect] means the
// expect table of the last scenario).
func resolveTable(segs []string, counts map[string]int) string {
	path := ""
	for i, s := range segs {
		path = join(path, s)
		if c, ok := counts[path]; ok && i < len(segs)-1 {
			path = fmt.Sprintf("%s[%d]", path, c-1)
		}
	}
	return path
}

func (idx lineIndex) set(path string, n int) {
	if _, ok := idx[path]; !ok {
		idx[path] = n
	}
}

// line returns the line of path, or of its closest written ancestor (an unset value is
// best shown where its table starts).
func (idx lineIndex) line(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if n, ok := idx[p]; ok {
			return n
		}
	}
	return 0
}

// linesOf returns the lines of every element matching a path without indices, as the
// parser reports unknown keys ("scenario.expect.statuss").
func (idx lineIndex) linesOf(plain string) []int {
	var lines []int
	for p, n := range idx {
		if stripIndices(p) == plain {
			lines = append(lines, n)
		}
	}
	return lines
}

func splitKey(k string) []string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return parts
}

func join(prefix string, segs ...string) string {
	for _, s := range segs {
		if prefix == "" {
			prefix = s
		} else {
			prefix += "." + s
		}
	}
	return prefix
}

func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		return p[:strings.LastIndexByte(p, '[')]
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

var indexPart = regexp.MustCompile(`\[(\d+)\]`)

func stripIndices(p string) string { return indexPart.ReplaceAllString(p, "") }

// displayPath shows array indices 1-based, as people count: "scenario[2].rate".
func displayPath(p string) string {
	return indexPart.ReplaceAllStringFunc(p, func(m string) string {
		n, _ := strconv.Atoi(m[1 : len(m)-1])
		return fmt.Sprintf("[%d]", n+1)
	})
}
