package config

import (
	"strings"
	"testing"
)

const fixedSuite = `suite = "demo"
hosts = { perf-dbpool = "127.0.0.2", v6 = "::1" }

[[process]]
name = "pool"
run = ["pgbouncer", "{workdir}/pgbouncer.ini"]
listen = "perf-dbpool:5432"

[[process]]
name = "app"
run = ["./app", "-addr", "{addr}", "-db", "{addr:pool}", "-host", "{host:pool}"]
listen = "[::1]:8080"

[[process]]
name = "worker"
run = ["./worker"]

[load]
target = "app"
rate = 100

[[scenario]]
name = "hello"
path = "/hello"
`

// A process's fixed address resolves a name of [hosts]; without listen it has none (it
// gets a free port at run time). Both settings are part of the definition.
func TestListenAddr(t *testing.T) {
	s := mustParse(t, fixedSuite)
	for _, c := range []struct{ process, want string }{
		{"pool", "127.0.0.2:5432"},
		{"app", "[::1]:8080"},
		{"worker", ""},
	} {
		for _, p := range s.Processes {
			if p.Name == c.process {
				if got := s.ListenAddr(p); got != c.want {
					t.Errorf("%s: ListenAddr = %q, want %q", c.process, got, c.want)
				}
			}
		}
	}
	d := s.Definition()
	if d["hosts.perf-dbpool"] != `"127.0.0.2"` || d["process.pool.listen"] != `"perf-dbpool:5432"` {
		t.Errorf("definition lacks hosts or listen: %v", d)
	}
	moved := mustParse(t, strings.Replace(fixedSuite, `"127.0.0.2"`, `"127.0.0.3"`, 1))
	if moved.Definition().Hash() == d.Hash() {
		t.Error("mapping a host name elsewhere kept the definition hash")
	}
}
