package stack

import (
	"fmt"
	"slices"
	"strings"
)

// Expand replaces {name} placeholders in s with vars[name]. "{{" and "}}" are literal braces.
// An unknown or unterminated placeholder is an error naming it (and listing the known names).
// Replaced values are never re-expanded.
func Expand(s string, vars map[string]string) (string, error) {
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
				return "", fmt.Errorf("expanding %q: %w", s, err)
			}
			value, ok := vars[name]
			if !ok {
				return "", fmt.Errorf("expanding %q: unknown placeholder {%s} (known: %s)", s, name, knownNames(vars))
			}
			b.WriteString(value)
			i += len(name) + 2
		case s[i] == '}':
			return "", fmt.Errorf("expanding %q: unmatched \"}\" at offset %d (write \"}}\" for a literal brace)", s, i)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

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
