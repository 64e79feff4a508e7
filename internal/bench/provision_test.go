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
	if got := s.addrs["pool"]; got != "127.0.0.2:5432" {
		t.Errorf("pool's address %q, want its fixed one", got)
	}
	host, port, err := net.SplitHostPort(s.addrs["app"])
	if err != nil || host != "127.0.0.1" || port == "5432" {
		t.Errorf("app's address %q, want a free loopback port", s.addrs["app"])
	}
	for k, want := range map[string]string{"addr:pool": "127.0.0.2:5432", "host:pool": "127.0.0.2", "port:pool": "5432", "addr:app": s.addrs["app"]} {
		if s.vars[k] != want {
			t.Errorf("{%s} = %q, want %q", k, s.vars[k], want)
		}
	}
	own := m.processVars(s, "pool")
	if own["addr"] != "127.0.0.2:5432" || own["host"] != "127.0.0.2" || own["port"] != "5432" {
		t.Errorf("pool's own {addr} {host} {port}: %q %q %q", own["addr"], own["host"], own["port"])
	}
}

// Sides measured in turn share their addresses; in a duet, where both stacks run at once,
// each side gets its own, and the base's stack its own database.
func TestDuetSidesHaveTheirOwnAddressesAndDatabase(t *testing.T) {
	suite, err := config.Parse("stackgate.toml", []byte(`suite = "duet"

[[process]]
name = "pool"
run = ["pool", "{addr}"]

[[process]]
name = "app"
run = ["app", "{addr}", "{addr:pool}"]

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
	for _, duet := range []bool{false, true} {
		suite.Duet = duet
		opt := Options{Suite: suite, Base: suite}
		base, head := newSide(opt, Base, suite, t.TempDir()), newSide(opt, Head, suite, t.TempDir())
		m := &measurement{suite: suite, sides: []*side{base, head}}
		if err := m.allocateAddrs(); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range m.sides {
			for _, name := range []string{"pool", "app"} {
				seen[s.addrs[name]] = true
			}
			if s.vars["addr:pool"] != s.addrs["pool"] {
				t.Errorf("duet %v, %s: {addr:pool} = %q, its pool is at %q", duet, s.name, s.vars["addr:pool"], s.addrs["pool"])
			}
		}
		if want := map[bool]int{false: 2, true: 4}[duet]; len(seen) != want {
			t.Errorf("duet %v: %d distinct addresses %v, want %d", duet, len(seen), seen, want)
		}
		sameDB := base.database == head.database
		if sameDB == duet {
			t.Errorf("duet %v: databases %q and %q", duet, base.database, head.database)
		}
	}
	fixed := *suite
	fixed.Processes = slices.Clone(suite.Processes)
	fixed.Processes[0].Listen = "127.0.0.1:6432"
	if err := fixed.CheckDuet(); err == nil {
		t.Error("a process on a fixed address can run in a duet: two stacks would share it")
	}
	if err := suite.CheckDuet(); err != nil {
		t.Errorf("a suite on {addr} only cannot duet: %v", err)
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
