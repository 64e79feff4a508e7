package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

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

// Recorded is the part of env (the environment processes start from) that can change what
// a benchmark measures, as the result records it: every variable but the credentials and
// those that change from one invocation to the next by themselves (a CI run's ids and
// paths, a shell's bookkeeping), with the values of secret-looking names hashed. A stray
// DB_SLEEP or GOGC on a runner then shows as a difference from the baseline.
func Recorded(env []string) map[string]string {
	out := map[string]string{}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if name == "" || Credential(name) || volatile(name) {
			continue
		}
		if secretLooking(name) {
			sum := sha256.Sum256([]byte(value))
			value = "sha256:" + hex.EncodeToString(sum[:6])
		}
		out[name] = value
	}
	return out
}

// volatile names are set anew for every invocation by a CI runner or a shell: they differ
// between any two invocations and say nothing about the stack.
func volatile(name string) bool {
	switch name {
	case "PWD", "OLDPWD", "SHLVL", "_", "INVOCATION_ID", "JOURNAL_STREAM", "DISPLAY", "LS_COLORS",
		"COLORTERM", "MAIL", "STY", "WINDOWID", "HOSTNAME", "CI", "TERM":
		return true
	}
	for _, prefix := range []string{"GITHUB_", "RUNNER_", "ACTIONS_", "SSH_", "XDG_", "TMUX", "TERM_", "STACKGATE_"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// secretLooking names may hold a secret the result file must not show.
func secretLooking(name string) bool {
	upper := strings.ToUpper(name)
	for _, word := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "KEY", "CREDENTIAL", "AUTH", "COOKIE", "PRIVATE"} {
		if strings.Contains(upper, word) {
			return true
		}
	}
	return false
}
