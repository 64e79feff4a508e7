package config

import (
	"fmt"
	"slices"
	"strings"
)

// Expand replaces {name} placeholders in s with vars[name]. "{{" and "}}" are literal braces.
// An unknown or unterminated placeholder is an error naming it (and listing the known names).
// Replaced values are never re-expanded.
func Expand(s string, vars map[string]string) (string, error) {
	var unknown string
	out, err := expand(s, func(name string) (string, bool) {
		v, ok := vars[name]
		if !ok {
			unknown = name
		}
		return v, ok
	})
	switch {
	case unknown != "":
		return "", fmt.Errorf("expanding %q: unknown placeholder {%s} (known: %s)", s, unknown, knownNames(vars))
	case err != nil:
		return "", fmt.Errorf("expanding %q: %w", s, err)
	}
	return out, nil
}

// expand is the template language's one scanner, shared by Expand and validation: it calls
// lookup for every placeholder and stops at the first one lookup does not know (returning
// errUnknown) or at the first malformed brace.
func expand(s string, lookup func(name string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			b.WriteByte('{')
			i += 2
		case strings.HasPrefix(s[i:], "}}"):
			b.WriteByte('}')
			i += 2
		case s[i] == '{':
			name, err := placeholderAt(s, i)
			if err != nil {
				return "", err
			}
			value, ok := lookup(name)
			if !ok {
				return "", errUnknown
			}
			b.WriteString(value)
			i += len(name) + 2
		case s[i] == '}':
			return "", fmt.Errorf("unmatched \"}\" at offset %d (write \"}}\" for a literal brace)", i)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

var errUnknown = fmt.Errorf("unknown placeholder")

// placeholderAt returns the name of the placeholder whose "{" is at s[start].
func placeholderAt(s string, start int) (string, error) {
	rest := s[start+1:]
	end := strings.IndexAny(rest, "{}")
	switch {
	case end < 0:
		return "", fmt.Errorf("unterminated placeholder %q (write \"{{\" for a literal brace)", s[start:])
	case rest[end] == '{':
		return "", fmt.Errorf("\"{\" inside placeholder %q (placeholders do not nest)", s[start:start+1+end+1])
	case end == 0:
		return "", fmt.Errorf("empty placeholder {} at offset %d", start)
	}
	return rest[:end], nil
}

func knownNames(vars map[string]string) string {
	if len(vars) == 0 {
		return "none"
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, "{"+name+"}")
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
