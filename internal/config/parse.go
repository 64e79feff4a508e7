package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Read reads, checks and completes the suite in file. Every problem is reported at once as
// an *Error naming the file, the line where known, and the key.
func Read(file string) (*Suite, error) {
	data, err := os.ReadFile(file)
	if err == nil {
		file, err = filepath.Abs(file)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: file, Problems: []Problem{{Msg: fmt.Sprintf("cannot read the config file (%v); pass its path with -config", err)}}}
	}
	abs := file
	s, err := parse(file, data, filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	s.File = abs
	return s, nil
}

// Parse checks and completes the suite in data; name is the file name used in messages.
// Files the suite refers to are not checked (see Read).
func Parse(name string, data []byte) (*Suite, error) { return parse(name, data, "") }

// parse checks the suite; when dir is set, files named by the suite must exist under it.
func parse(name string, data []byte, dir string) (*Suite, error) {
	src := string(data)
	ps := &problems{lines: indexLines(src)}
	var s Suite
	md, err := toml.Decode(src, &s)
	if err != nil {
		ps.list = append(ps.list, decodeProblem(err))
		return nil, ps.err(name)
	}
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		ps.list = append(ps.list, decodeProblem(err))
		return nil, ps.err(name)
	}
	for _, k := range md.Undecoded() {
		unknownKey(ps, k.String())
	}
	if len(ps.list) > 0 {
		return nil, ps.err(name)
	}
	s.name, s.lines = name, ps.lines
	applyDefaults(&s, func(path string) bool { return isSet(tree, path) })
	validate(&s, ps, func(path string) bool { return isSet(tree, path) })
	if dir != "" {
		s.Dir = dir
		checkFiles(&s, ps)
	}
	if err := ps.err(name); err != nil {
		return nil, err
	}
	return &s, nil
}

var decodeMsg = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

var typeMsg = regexp.MustCompile(`incompatible types: TOML value has type (\w+); destination has type (\w+)`)

// decodeProblem turns the parser's error into a Problem with its line and key, rephrasing
// type mismatches in the user's terms.
func decodeProblem(err error) Problem {
	var pe toml.ParseError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Error()
	}
	m := decodeMsg.FindStringSubmatch(msg)
	if m == nil {
		return Problem{Msg: strings.TrimPrefix(msg, "toml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	text := m[3]
	if t := typeMsg.FindStringSubmatch(text); t != nil {
		text = fmt.Sprintf("expected %s, got %s", tomlKind(t[2]), tomlKind(t[1]))
	}
	return Problem{Line: line, Key: m[2], Msg: text}
}

// tomlKind names a Go or TOML type the way a config author thinks of it.
func tomlKind(t string) string {
	switch strings.ToLower(t) {
	case "int64", "integer", "int":
		return "an integer"
	case "float64", "float":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array", "[]interface {}":
		return "an array"
	case "map", "struct", "map[string]interface {}":
		return "a table"
	}
	return t
}

// unknownKey reports a key the schema does not have, with the keys that are allowed there.
func unknownKey(ps *problems, key string) {
	parent, last := key, key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		parent, last = key[:i], key[i+1:]
	} else {
		parent = ""
	}
	known := knownKeys(parent)
	msg := "unknown key"
	if guess := closest(last, known); guess != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", guess)
	}
	if len(known) > 0 {
		msg += "; allowed here: " + strings.Join(known, ", ")
	}
	lines := ps.lines.linesOf(key)
	if len(lines) == 0 {
		lines = []int{0}
	}
	sort.Ints(lines)
	for _, n := range lines {
		ps.list = append(ps.list, Problem{Line: n, Key: key, Msg: msg})
	}
}

// knownKeys lists the TOML keys of the table at the dotted path (no indices) of Suite.
func knownKeys(path string) []string {
	t := reflect.TypeOf(Suite{})
	if path != "" {
		for _, seg := range strings.Split(path, ".") {
			f, ok := fieldByTag(t, seg)
			if !ok {
				return nil
			}
			t = elemType(f.Type)
			if t.Kind() == reflect.Map { // gate.metric.<name>: the names are metric names
				t = elemType(t.Elem())
			}
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("toml"); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	if t.Kind() == reflect.Map {
		return reflect.StructField{Type: t.Elem()}, true
	}
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("toml") == tag {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func elemType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// closest returns the known key within edit distance 2 of key, if any.
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// isSet reports whether the file wrote the key at path ("load.warmup", "scenario[0].rate").
func isSet(tree map[string]any, path string) bool {
	var node any = tree
	for _, seg := range strings.Split(path, ".") {
		name, index := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 {
			name = seg[:i]
			index, _ = strconv.Atoi(strings.TrimSuffix(seg[i+1:], "]"))
		}
		m, ok := node.(map[string]any)
		if !ok {
			return false
		}
		if node, ok = m[name]; !ok {
			return false
		}
		if index >= 0 {
			node = element(node, index)
			if node == nil {
				return false
			}
		}
	}
	return true
}

func element(node any, i int) any {
	switch arr := node.(type) {
	case []map[string]any:
		if i < len(arr) {
			return arr[i]
		}
	case []any:
		if i < len(arr) {
			return arr[i]
		}
	}
	return nil
}

// checkFiles reports SQL setup files that do not exist, before anything is started.
func checkFiles(s *Suite, ps *problems) {
	for i, c := range s.Database.Setup {
		if c.SQL == "" {
			continue
		}
		if _, err := os.Stat(s.Path(c.SQL)); err != nil {
			ps.add(fmt.Sprintf("database.setup[%d].sql", i), "cannot read %s: write the path relative to the config file's directory", c.SQL)
		}
	}
}
