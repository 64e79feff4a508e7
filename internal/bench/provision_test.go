package bench

import (
	"net"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
)

// Every process gets its address for the whole invocation: its fixed listen address (a
// name of [hosts] resolved), or a free loopback port. Setup steps and processes name them
// with {addr:NAME}, {host:NAME}, {port:NAME}; a process's own are {addr}, {host}, {port}.
func TestAllocateAddrs(t *testing.T) {
	suite, err := config.Parse("stackgate.toml", []byte(`suite = "fixed"
hosts = { perf-dbpool = "127.0.0.2" }

[[process]]
name = "pool"
run = ["pgbouncer"]
listen = "perf-dbpool:5432"

[[process]]
name = "app"
run = ["app", "{addr}"]

[load]
target = "app"
rate = 10

[[scenario]]
name = "x"
path = "/"
`))
	if err != nil {
		t.Fatal(err)
	}
	s := &side{vars: map[string]string{}}
	m := &measurement{suite: suite, sides: []*side{s}}
	if err := m.allocateAddrs(); err != nil {
		t.Fatal(err)
	}
	if got := m.addrs["pool"]; got != "127.0.0.2:5432" {
		t.Errorf("pool's address %q, want its fixed one", got)
	}
	host, port, err := net.SplitHostPort(m.addrs["app"])
	if err != nil || host != "127.0.0.1" || port == "5432" {
		t.Errorf("app's address %q, want a free loopback port", m.addrs["app"])
	}
	for k, want := range map[string]string{"addr:pool": "127.0.0.2:5432", "host:pool": "127.0.0.2", "port:pool": "5432", "addr:app": m.addrs["app"]} {
		if s.vars[k] != want {
			t.Errorf("{%s} = %q, want %q", k, s.vars[k], want)
		}
	}
	own := m.processVars(s, "pool")
	if own["addr"] != "127.0.0.2:5432" || own["host"] != "127.0.0.2" || own["port"] != "5432" {
		t.Errorf("pool's own {addr} {host} {port}: %q %q %q", own["addr"], own["host"], own["port"])
	}
}

// Build and setup steps keep their temporary files in the scratch directory, where the
// cleanup after a killed invocation finds them; a step that sets TMPDIR itself keeps it.
func TestStepsTemporaryDirectory(t *testing.T) {
	scratch := t.TempDir()
	m := &measurement{opt: Options{ScratchDir: scratch, Env: []string{"PATH=/bin", "TMPDIR=/tmp"}}}
	s := &side{suite: &config.Suite{Dir: t.TempDir()}, logs: t.TempDir()}
	tmp := filepath.Join(scratch, "tmp")
	p, err := s.process(m.stepEnv(), "build-1", []string{"go", "build"}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"PATH=/bin", "TMPDIR=/tmp", "TMPDIR=" + tmp, "GOTMPDIR=" + tmp}; !slices.Equal(p.Env, want) {
		t.Errorf("env %q, want %q (the last of a name wins)", p.Env, want)
	}
	own, _ := s.process(m.stepEnv(), "setup-1", []string{"x"}, "", map[string]string{"TMPDIR": "/mine"}, nil)
	if last := own.Env[len(own.Env)-1]; last != "TMPDIR=/mine" {
		t.Errorf("the step's own TMPDIR does not win: %q", own.Env)
	}
	if !slices.Equal(m.opt.Env, []string{"PATH=/bin", "TMPDIR=/tmp"}) {
		t.Errorf("the invocation's environment was changed: %q", m.opt.Env)
	}
}
