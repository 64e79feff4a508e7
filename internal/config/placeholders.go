package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The template values of a suite (README: "Template values"), by where they are known.
var (
	// pathPlaceholders are known everywhere: build steps run before anything else.
	pathPlaceholders = []string{"workdir", "configdir"}
	// databasePlaceholders are known once the database runs: in setup steps and processes.
	databasePlaceholders = []string{"database_url", "database_host", "database_port", "database_name", "database_user"}
	// addressPlaceholders, as "addr:NAME", name every process's address in setup steps (a
	// pool's configuration file) and processes; alone they are a process's own address.
	addressPlaceholders = []string{"addr", "host", "port"}
)

// scope is where a template is written: what it may refer to.
type scope int

const (
	inBuild scope = iota
	inSetup
	inProcess
)

// placeholderName is what a placeholder looks like, as opposed to a brace of the
// program's own syntax (a shell group "{ a; b; }", JSON, awk).
var placeholderName = regexp.MustCompile(`^[a-z_]+(:[a-z0-9_-]+)?$`)

// validateTemplates checks every template of the suite — run, dir and env of build steps,
// setup steps and processes — before anything runs, so that a typo does not surface only
// after the build, PostgreSQL and the setup steps.
func validateTemplates(ps *problems, s *Suite) {
	for i, c := range s.Build {
		s.checkTemplates(ps, fmt.Sprintf("build[%d]", i), c.Run, c.Dir, c.Env, inBuild)
	}
	for i, c := range s.Database.Setup {
		s.checkTemplates(ps, fmt.Sprintf("database.setup[%d]", i), c.Run, c.Dir, c.Env, inSetup)
	}
	for i, p := range s.Processes {
		s.checkTemplates(ps, fmt.Sprintf("process[%d]", i), p.Run, p.Dir, p.Env, inProcess)
	}
}

func (s *Suite) checkTemplates(ps *problems, at string, run []string, dir string, env map[string]string, where scope) {
	check := func(path, value string) {
		for _, msg := range s.templateProblems(value, where) {
			ps.add(path, "%s", msg)
		}
	}
	for _, arg := range run {
		check(at+".run", arg)
	}
	check(at+".dir", dir)
	for _, k := range sortedKeys(env) {
		check(at+".env."+k, env[k])
	}
}

// templateProblems says what is wrong with a template written where: every unknown
// placeholder, or the first brace without its pair.
func (s *Suite) templateProblems(value string, where scope) []string {
	known := s.placeholders(where)
	var unknown []string
	_, err := expand(value, func(name string) (string, bool) {
		if !known[name] && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
		return "", true // go on: report every one
	})
	if err != nil {
		return []string{err.Error()} // a brace without its pair: the message says how to write one
	}
	var msgs []string
	for _, name := range unknown {
		if !placeholderName.MatchString(name) {
			msgs = append(msgs, fmt.Sprintf("%q is not a placeholder: write {{ and }} for literal braces (%q)", "{"+name+"}", "{{"+name+"}}"))
			continue
		}
		msgs = append(msgs, fmt.Sprintf("unknown placeholder {%s}%s; known here: %s; write {{ and }} for literal braces",
			name, s.placeholderHint(name, where, known), s.describePlaceholders(where)))
	}
	return msgs
}

// placeholders are the names known in a scope.
func (s *Suite) placeholders(where scope) map[string]bool {
	known := map[string]bool{}
	add := func(names ...string) {
		for _, n := range names {
			known[n] = true
		}
	}
	add(pathPlaceholders...)
	if where == inBuild {
		return known
	}
	add(databasePlaceholders...)
	for _, p := range s.Processes {
		for _, a := range addressPlaceholders {
			add(a + ":" + p.Name)
		}
	}
	if where == inProcess {
		add(addressPlaceholders...)
	}
	return known
}

// placeholderHint explains an unknown name that is known elsewhere, or guesses the name
// meant.
func (s *Suite) placeholderHint(name string, where scope, known map[string]bool) string {
	kind, process, named := strings.Cut(name, ":")
	switch {
	case where != inProcess && slices.Contains(addressPlaceholders, name):
		return fmt.Sprintf(" (a process's own address, known in [[process]] only: here write {%s:NAME})", name)
	case where == inBuild && (slices.Contains(databasePlaceholders, name) || named && slices.Contains(addressPlaceholders, kind)):
		return " (the build runs before the database and the stack: use it in [[database.setup]] or [[process]])"
	}
	if guess := closest(name, sortedKeys(known)); guess != "" {
		return fmt.Sprintf(" (did you mean {%s}?)", guess)
	}
	if named && slices.Contains(addressPlaceholders, kind) {
		return fmt.Sprintf(" (no process is named %q; the processes are %s)", process, strings.Join(s.processNames(), ", "))
	}
	return ""
}

// describePlaceholders lists the names known in a scope, in the README's order.
func (s *Suite) describePlaceholders(where scope) string {
	list := braced(pathPlaceholders)
	if where == inBuild {
		return strings.Join(list, ", ")
	}
	list = append(list, braced(databasePlaceholders)...)
	if where == inProcess {
		list = append(list, braced(addressPlaceholders)...)
	}
	var named []string
	for _, a := range addressPlaceholders {
		named = append(named, "{"+a+":NAME}")
	}
	return strings.Join(list, ", ") + ", " + strings.Join(named, ", ") + " for NAME in " + strings.Join(s.processNames(), ", ")
}

func (s *Suite) processNames() []string {
	names := make([]string, 0, len(s.Processes))
	for _, p := range s.Processes {
		names = append(names, p.Name)
	}
	return names
}

func braced(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "{" + n + "}"
	}
	return out
}
