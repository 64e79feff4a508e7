package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/cpuset"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// measurement is the state of one Measure call: the database server is shared; each side
// (the head, and the base revision in A/B mode) has its own build, dataset and result —
// and in a duet, where both sides run at once, its own addresses and database too.
type measurement struct {
	opt   Options
	suite *config.Suite // the head's: scenarios, load and database settings
	sides []*side       // in A/B mode the base first
	logs  string        // OutDir/logs

	db    *pg.Server
	binds []stack.Bind // what the stack's processes see instead of the machine's files ([hosts])

	// stackCPUs are where the stack's processes without cpus of their own, and
	// PostgreSQL, run when load.cpus partitions the machine (nil: anywhere).
	stackCPUs []int

	postgreSQL string // the server's major version, for the fingerprint
	batch      Batch  // what Session.Measure is running
	emitting   sync.Mutex
}

// side is one revision of the code being measured.
type side struct {
	name     string        // "head" or "base"
	suite    *config.Suite // the same definition; Dir is this revision's directory
	workdir  string        // {workdir}: its builds
	logs     string        // its logs
	template string        // the database template of its dataset
	database string        // the database its stack uses, a fresh copy of template every run
	vars     map[string]string
	res      *result.Result

	addrs   map[string]string // process name → its "ip:port" for the whole invocation
	monitor *pg.Monitor       // watches its database during the phases
}

// provision builds every side, starts the database, loads each side's dataset, and runs
// body with all of it in place; the database stops when body returns.
func (m *measurement) provision(ctx context.Context, body func() error) error {
	// A fixed address another program holds is found now, not after the builds.
	if err := m.checkFixedAddrs(); err != nil {
		return err
	}
	if err := m.writeHosts(); err != nil {
		return err
	}
	if len(m.suite.Load.CPUs) > 0 {
		rest, err := cpuset.Rest(m.suite.Load.CPUs)
		if err != nil {
			return fmt.Errorf("load.cpus: %w", err)
		}
		m.stackCPUs = rest
	}
	if err := os.MkdirAll(m.tempDir(), 0o700); err != nil {
		return fmt.Errorf("creating the steps' temporary directory: %w", err)
	}
	for _, s := range m.sides {
		if err := os.MkdirAll(s.logs, 0o755); err != nil {
			return fmt.Errorf("creating the log directory: %w", err)
		}
		if err := os.MkdirAll(s.workdir, 0o711); err != nil {
			return fmt.Errorf("creating the work directory: %w", err)
		}
		if err := m.build(ctx, s); err != nil {
			return err
		}
	}
	err := m.startDatabase(ctx)
	if err != nil {
		return err
	}
	defer m.db.Stop()
	// Addresses are known before the setup steps, which may write a process's
	// configuration (a pgbouncer.ini naming {port:pool}).
	if err := m.allocateAddrs(); err != nil {
		return err
	}
	for _, s := range m.sides {
		if err := m.setupDatabase(ctx, s); err != nil {
			return err
		}
	}
	for _, s := range m.sides {
		if s.monitor, err = m.monitor(ctx, s.database); err != nil {
			return err
		}
		defer s.monitor.Close()
	}
	return body()
}

// build runs a side's build steps once, in order.
func (m *measurement) build(ctx context.Context, s *side) error {
	for i, c := range s.suite.Build {
		name := fmt.Sprintf("build-%d", i+1)
		m.emit(Event{Kind: Build, Side: s.name, Step: i + 1, Steps: len(s.suite.Build), Detail: strings.Join(c.Run, " ")})
		if err := s.runCommand(ctx, m.stepEnv(), name, c); err != nil {
			return fmt.Errorf("%sbuild step %d: %w", s.label(), i+1, err)
		}
	}
	return nil
}

// stepEnv is the environment of build and setup steps: their temporary files (go build's
// work directory, for one) go inside the scratch directory, so that a stackgate killed in
// the middle of a step leaves them where the next invocation's cleanup finds them. A
// step's own env settings still win.
func (m *measurement) stepEnv() []string {
	tmp := m.tempDir()
	return append(slices.Clip(m.opt.Env), "TMPDIR="+tmp, "GOTMPDIR="+tmp)
}

// tempDir is the steps' temporary directory in the scratch directory.
func (m *measurement) tempDir() string { return filepath.Join(m.opt.ScratchDir, "tmp") }

// label prefixes messages about the base revision ("" for the head).
func (s *side) label() string {
	if s.name == Head {
		return ""
	}
	return s.name + " revision: "
}

// runCommand runs a build or setup command with its templates expanded.
func (s *side) runCommand(ctx context.Context, env []string, name string, c config.Command) error {
	p, err := s.process(env, name, c.Run, c.Dir, c.Env, s.vars)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout.Duration)
	defer cancel()
	return stack.Run(ctx, p)
}

// process expands argv, dir and env of a command or process of this side.
func (s *side) process(base []string, name string, argv []string, dir string, env map[string]string, vars map[string]string) (stack.Process, error) {
	p := stack.Process{Name: name, LogPath: filepath.Join(s.logs, name+".log")}
	for _, a := range argv {
		v, err := config.Expand(a, vars)
		if err != nil {
			return p, fmt.Errorf("%s: run: %w", name, err)
		}
		p.Argv = append(p.Argv, v)
	}
	d, err := config.Expand(dir, vars)
	if err != nil {
		return p, fmt.Errorf("%s: dir: %w", name, err)
	}
	p.Dir = s.suite.Path(d)
	p.Env = append([]string(nil), base...)
	for _, k := range sortedKeys(env) {
		v, err := config.Expand(env[k], vars)
		if err != nil {
			return p, fmt.Errorf("%s: env %s: %w", name, k, err)
		}
		p.Env = append(p.Env, k+"="+v)
	}
	return p, nil
}

func (m *measurement) startDatabase(ctx context.Context) error {
	m.emit(Event{Kind: DatabaseStart})
	bins, err := pg.FindBinaries()
	if err != nil {
		return err
	}
	dir := filepath.Join(m.opt.ScratchDir, "pg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the database directory: %w", err)
	}
	m.db, err = pg.Start(ctx, pg.Options{
		Binaries: bins,
		Dir:      dir,
		LogPath:  filepath.Join(m.logs, "postgresql.log"),
		Settings: m.suite.DatabaseSettings(),
		Database: m.suite.Database.Name,
		Env:      m.opt.Env,
		CPUs:     m.stackCPUs,
	})
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	m.postgreSQL = strconv.Itoa(bins.Version)
	for _, s := range m.sides {
		maps.Copy(s.vars, databaseVars(m.db, s.database))
	}
	return nil
}

// monitor watches database; sides that share one database share its monitor (closing it
// twice is harmless).
func (m *measurement) monitor(ctx context.Context, database string) (*pg.Monitor, error) {
	for _, s := range m.sides {
		if s.monitor != nil && s.database == database {
			return s.monitor, nil
		}
	}
	return m.db.Monitor(ctx, database)
}

// setupDatabase loads a side's schema and data once, into an empty database, and freezes
// it as the template every run of that side starts from.
func (m *measurement) setupDatabase(ctx context.Context, s *side) error {
	name := s.database
	if err := m.db.ResetFrom(ctx, name, emptyTemplate); err != nil {
		return fmt.Errorf("%screating an empty database: %w", s.label(), err)
	}
	for i, c := range s.suite.Database.Setup {
		m.emit(Event{Kind: DatabaseSetup, Side: s.name, Step: i + 1, Steps: len(s.suite.Database.Setup)})
		var err error
		if c.SQL != "" {
			err = m.db.RunSQLFile(ctx, name, s.suite.Path(c.SQL))
		} else {
			err = s.runCommand(ctx, m.stepEnv(), fmt.Sprintf("setup-%d", i+1), c)
		}
		if err != nil {
			return fmt.Errorf("%sdatabase setup step %d: %w", s.label(), i+1, err)
		}
	}
	if err := m.db.SnapshotAs(ctx, name, s.template); err != nil {
		return fmt.Errorf("%ssaving the loaded database as the template of every run: %w", s.label(), err)
	}
	return nil
}

// emptyTemplate is PostgreSQL's pristine template: a database without any of the user's
// objects.
const emptyTemplate = "template0"

// databaseVars are the template values of the managed database: its URL and, for
// configuration files that want them apart (a pgbouncer.ini), its host, port, name, user.
func databaseVars(db *pg.Server, name string) map[string]string {
	return map[string]string{
		"database_url":  db.URL(name),
		"database_host": loopback,
		"database_port": strconv.Itoa(db.Port()),
		"database_name": name,
		"database_user": pg.Superuser,
	}
}

// allocateAddrs gives every process its address for the whole invocation — its fixed
// listen address, or a free loopback port — so that processes can refer to each other
// ({addr:db-proxy}) and restarts keep their addresses. Setup steps see them too:
// {addr:NAME}, {host:NAME}, {port:NAME}. Sides measured in turn share the addresses; in a
// duet each side's stack has its own (fixed addresses are refused there).
func (m *measurement) allocateAddrs() error {
	var shared map[string]string
	taken := map[string]bool{}
	for _, p := range m.suite.Processes {
		taken[m.suite.ListenAddr(p)] = true
	}
	for _, s := range m.sides {
		if shared == nil || m.suite.Duet {
			var err error
			if shared, err = m.newAddrs(taken); err != nil {
				return err
			}
		}
		s.addrs = shared
		for name, a := range s.addrs {
			host, port, _ := net.SplitHostPort(a)
			s.vars["addr:"+name], s.vars["host:"+name], s.vars["port:"+name] = a, host, port
		}
	}
	return nil
}

// newAddrs is an address for every process: its fixed one, or a free loopback port that
// is not taken (by a fixed address, or by the other side of a duet); it adds the ports it
// gives to taken.
func (m *measurement) newAddrs(taken map[string]bool) (map[string]string, error) {
	addrs := map[string]string{}
	for _, p := range m.suite.Processes {
		a := m.suite.ListenAddr(p)
		if a == "" {
			var err error
			if a, err = freeAddr(taken); err != nil {
				return nil, fmt.Errorf("finding a free port for %s: %w", p.Name, err)
			}
			taken[a] = true
		}
		addrs[p.Name] = a
	}
	return addrs, nil
}

// freeAddr is a free loopback address that is not one of the taken ones.
func freeAddr(taken map[string]bool) (string, error) {
	for range 10 {
		port, err := stack.FreeLoopbackPort()
		if err != nil {
			return "", err
		}
		if a := net.JoinHostPort(loopback, strconv.Itoa(port)); !taken[a] {
			return a, nil
		}
	}
	return "", errors.New("the kernel kept offering ports that are taken (fixed addresses, or the other side's)")
}

// checkFixedAddrs checks that no other program listens on a process's fixed address.
func (m *measurement) checkFixedAddrs() error {
	for _, p := range m.suite.Processes {
		if a := m.suite.ListenAddr(p); a != "" {
			if err := stack.CheckFree(a); err != nil {
				return fmt.Errorf("process %s listens on a fixed address: %w", p.Name, err)
			}
		}
	}
	return nil
}

// writeHosts writes the stack's hosts file (and what makes name resolution read it) into
// the scratch directory, when the suite maps host names.
func (m *measurement) writeHosts() error {
	if len(m.suite.Hosts) == 0 {
		return nil
	}
	dir := filepath.Join(m.opt.ScratchDir, "etc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the directory of the stack's hosts file: %w", err)
	}
	var err error
	m.binds, err = stack.HostsBinds(dir, m.suite.Hosts)
	return err
}

// processVars are the template values of one process of side s: the side's (every
// process's address included) and its own {addr}, {host} and {port}.
func (m *measurement) processVars(s *side, name string) map[string]string {
	v := maps.Clone(s.vars)
	v["addr"] = s.addrs[name]
	v["host"], v["port"], _ = net.SplitHostPort(s.addrs[name])
	return v
}

const loopback = "127.0.0.1"
