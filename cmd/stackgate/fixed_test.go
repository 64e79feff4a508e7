package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/metric"
)

// The README's example of fixed addresses, run as written: testdata/stacks/dbpool, a Flask
// app whose code connects to perf-dbpool:5432, behind which pgbouncer (as postgres) listens
// on the loopback address the suite maps that name to. The README's lines are the suite
// file's, and its command measures the stack without an error.
func TestREADMEFixedAddresses(t *testing.T) {
	needDBPoolStack(t)
	snippet, command := readmeFixedAddresses(t)
	suiteFile := filepath.Join(stacksDir, "dbpool", "stackgate.toml")
	suite, err := os.ReadFile(suiteFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(snippet, "\n") {
		if line != "" && !strings.Contains(string(suite), line+"\n") {
			t.Errorf("the README's line %q is not in %s", line, suiteFile)
		}
	}
	args, ok := strings.CutPrefix(command, "go run ./cmd/stackgate ")
	if !ok || !strings.Contains(args, "testdata/stacks/dbpool/stackgate.toml") {
		t.Fatalf("the README's command %q does not run the dbpool stack", command)
	}
	args = strings.ReplaceAll(args, "testdata/", filepath.Join("..", "..", "testdata")+"/") // from the repository's root
	out := t.TempDir()
	inv := stackgate(t, nil, append(strings.Fields(args), "-runs", "2", "-out", out, "-baselines", t.TempDir(), "-runner", "e2e")...)
	if inv.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", inv.code, inv.stdout, inv.stderr)
	}
	r := readResult(t, out)
	if !r.Complete || len(r.Scenario("row").Runs) != 2 {
		t.Fatalf("result: complete %v, scenarios %+v", r.Complete, r.Scenarios)
	}
	for _, run := range r.Scenario("row").Runs {
		if m := run.Metrics; m[metric.Throughput] <= 0 || m[metric.ErrorRate] != 0 {
			t.Errorf("run %d: throughput %g, error rate %g", run.Run, m[metric.Throughput], m[metric.ErrorRate])
		}
	}
	pool, _ := os.ReadFile(filepath.Join(out, r.Scenario("row").Runs[0].Logs["pool"]))
	if !strings.Contains(string(pool), "listening on 127.0.0.2:5432") {
		t.Errorf("pgbouncer did not listen on the fixed address:\n%s", pool)
	}
}

// A fixed address another program holds stops the invocation before anything is built
// (exit 3, the address and the process named): readiness would probe that program.
func TestFixedAddressTaken(t *testing.T) {
	needDBPoolStack(t)
	taken, err := net.Listen("tcp", "127.0.0.2:5432")
	if err != nil {
		t.Skipf("127.0.0.2:5432 is not free here: %v", err)
	}
	defer taken.Close()
	out := t.TempDir()
	inv := stackgate(t, nil, "run", "-config", filepath.Join(stacksDir, "dbpool", "stackgate.toml"), "-quick", "-runs", "1",
		"-out", out, "-baselines", t.TempDir())
	if inv.code != 3 || !strings.Contains(inv.stderr, "process pool listens on a fixed address: 127.0.0.2:5432 is taken by another program") {
		t.Fatalf("exit %d, want 3 naming the address\n%s", inv.code, inv.stderr)
	}
	if strings.Contains(inv.stderr, "loading the dataset") || strings.Contains(inv.stderr, "starting PostgreSQL") {
		t.Errorf("PostgreSQL was started before the address was checked:\n%s", inv.stderr)
	}
}

// needDBPoolStack skips without root (a private /etc/hosts needs it), pgbouncer or Debian's
// Flask, Gunicorn and psycopg2; under CI=true (where the tests run as root) it fails.
func needDBPoolStack(t *testing.T) {
	t.Helper()
	needPgbouncer(t)
	missing := ""
	if os.Geteuid() != 0 {
		missing = "root (the stack's processes get a private /etc/hosts)"
	} else if out, err := exec.Command(debianPython, "-c", "import flask, gunicorn, psycopg2").CombinedOutput(); err != nil {
		missing = "Debian's Python packages (apt-get install python3-flask gunicorn python3-psycopg2): " + err.Error() + "\n" + string(out)
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("required in CI: " + missing)
	}
	t.Skip("needs " + missing)
}

// readmeFixedAddresses returns the README's example of fixed addresses — the toml block
// after "**Fixed addresses.**" — and the command of the sh block after it.
func readmeFixedAddresses(t *testing.T) (snippet, command string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "**Fixed addresses.**")
	_, rest, ok2 := strings.Cut(section, "```toml\n")
	snippet, rest, ok3 := strings.Cut(rest, "```")
	_, rest, ok4 := strings.Cut(rest, "```sh\n")
	command, _, ok5 := strings.Cut(rest, "\n```")
	if !ok || !ok2 || !ok3 || !ok4 || !ok5 {
		t.Fatal("README.md has no **Fixed addresses.** section with a ```toml and a ```sh block")
	}
	return snippet, strings.TrimSpace(command)
}
