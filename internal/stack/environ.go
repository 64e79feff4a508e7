package stack

import "strings"

// Environ is the environment every process stackgate starts — build and setup steps, the
// stack's processes, PostgreSQL and psql — begins from: parent (stackgate's own) without
// the credentials that GitHub Actions or a workflow put there. Those processes run code the
// pull request controls (its build, its setup SQL with `\!` or COPY … FROM PROGRAM, its
// app), so no token may reach them. The command line and the Action build it once and
// hand it down.
func Environ(parent []string) []string {
	out := make([]string, 0, len(parent))
	for _, kv := range parent {
		name, _, _ := strings.Cut(kv, "=")
		if !Credential(name) {
			out = append(out, kv)
		}
	}
	return out
}

// Credential reports whether the environment variable name holds a credential of GitHub
// Actions or of a workflow: the Action's inputs (INPUT_GITHUB-TOKEN among them), the
// tokens workflows conventionally export (GITHUB_TOKEN, GH_TOKEN and their Enterprise
// twins), and the runner's own (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN, and
// the URLs that go with them).
func Credential(name string) bool {
	upper := strings.ToUpper(name)
	switch upper {
	case "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN":
		return true
	}
	for _, prefix := range []string{"INPUT_", "ACTIONS_RUNTIME_", "ACTIONS_ID_TOKEN_"} {
		if strings.HasPrefix(upper, prefix) {
			return true
		}
	}
	return strings.HasPrefix(upper, "ACTIONS_") && strings.Contains(upper, "TOKEN")
}
