package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretsSuite starts every kind of child process stackgate has, each of which copies the
// environment it was started with (/proc/$$/environ: a shell's own "env" would hide names
// such as INPUT_GITHUB-TOKEN) into dir: a build step, a setup step, psql running a setup SQL file (`\!`),
// the PostgreSQL server running a program for that SQL (COPY … TO PROGRAM), and the stack's
// process. All of them run code a pull request controls.
const secretsSuite = `suite = "secrets"

[[build]]
run = ["sh", "-c", "cat /proc/$$/environ > {configdir}/env-build.txt && go build -o {workdir}/refstack ./cmd/refstack"]
dir = %q

[[database.setup]]
run = ["sh", "-c", "cat /proc/$$/environ > {configdir}/env-setup.txt && exec {workdir}/refstack seed -rows 100"]
env = { DATABASE_URL = "{database_url}" }

[[database.setup]]
sql = "leak.sql"

[[process]]
name = "app"
run = ["sh", "-c", "cat /proc/$$/environ > {configdir}/env-app.txt && exec {workdir}/refstack serve -addr {addr} -pool 2"]
env = { DATABASE_URL = "{database_url}" }
ready = { http = "/healthz", timeout = "20s" }

[load]
connections = 2
rate = 100

[quick]
warmup = "100ms"
duration = "200ms"
runs = 1

[[scenario]]
name = "json"
path = "/json"
`

const leakSQL = `\! cat /proc/$$/environ > %[1]s/env-psql.txt
COPY (SELECT 1) TO PROGRAM 'cat /proc/$$/environ > %[1]s/env-postgres.txt';
`

// Under a GitHub Actions environment, no process stackgate starts sees a credential: not
// the Action's token input, not a workflow's GITHUB_TOKEN or GH_TOKEN, not the runner's
// own tokens. The harmless variables still get through.
func TestChildrenNeverSeeSecrets(t *testing.T) {
	needPostgres(t)
	// The server runs as another user when stackgate is root: it must be able to write here.
	dir, err := os.MkdirTemp("", "secrets-stackgate-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "stackgate.toml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(secretsSuite, root)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "leak.sql"), []byte(fmt.Sprintf(leakSQL, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"INPUT_GITHUB-TOKEN":             "ghs_input_SECRET",
		"GITHUB_TOKEN":                   "ghs_workflow_SECRET",
		"GH_TOKEN":                       "ghp_cli_SECRET",
		"ACTIONS_RUNTIME_TOKEN":          "runtime_SECRET",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc_SECRET",
		"ACTIONS_ID_TOKEN_REQUEST_URL":   "https://oidc.example/SECRET",
	}
	env := []string{"GITHUB_ACTIONS=true", "STACKGATE_TEST_HARMLESS=visible"}
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	inv := stackgate(t, env, "run", "-config", config, "-quick", "-out", filepath.Join(dir, "out"), "-runner", "e2e")
	if inv.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", inv.code, inv.stdout, inv.stderr)
	}
	for _, child := range []string{"build", "setup", "psql", "postgres", "app"} {
		data, err := os.ReadFile(filepath.Join(dir, "env-"+child+".txt"))
		if err != nil {
			t.Errorf("%s: %v (the child did not run?)", child, err)
			continue
		}
		for name, value := range secrets {
			if strings.Contains(string(data), value) {
				t.Errorf("%s sees %s", child, name)
			}
		}
		if child != "postgres" && !strings.Contains(string(data), "STACKGATE_TEST_HARMLESS=visible") {
			t.Errorf("%s lost the harmless variables too:\n%s", child, data)
		}
	}
}
