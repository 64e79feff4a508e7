package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// measurement is the state of one Measure call.
type measurement struct {
	opt   Options
	suite *config.Suite
	res   *result.Result
	logs  string // OutDir/logs

	db      *pg.Server
	monitor *pg.Monitor       // watches the stack's database during the phases
	vars    map[string]string // template values shared by every command
	ports   map[string]int    // process name → its port for the whole invocation
}

func (m *measurement) measure(ctx context.Context) error {
	if err := os.MkdirAll(m.logs, 0o755); err != nil {
		return fmt.Errorf("creating the log directory: %w", err)
	}
	m.vars = map[string]string{"workdir": m.opt.ScratchDir, "configdir": m.suite.Dir}
	if err := m.build(ctx); err != nil {
		return err
	}
	err := m.startDatabase(ctx)
	if err != nil {
		return err
	}
	defer m.db.Stop()
	if err := m.setupDatabase(ctx); err != nil {
		return err
	}
	if m.monitor, err = m.db.Monitor(ctx, m.suite.Database.Name); err != nil {
		return err
	}
	defer m.monitor.Close()
	if err := m.allocatePorts(); err != nil {
		return err
	}
	return m.runAll(ctx)
}

// build runs the suite's build steps once, in order.
func (m *measurement) build(ctx context.Context) error {
	for i, c := range m.suite.Build {
		name := fmt.Sprintf("build-%d", i+1)
		m.emit(Event{Kind: Build, Step: i + 1, Steps: len(m.suite.Build), Detail: strings.Join(c.Run, " ")})
		if err := m.runCommand(ctx, name, c, m.vars); err != nil {
			return fmt.Errorf("build step %d: %w", i+1, err)
		}
	}
	return nil
}

// runCommand runs a build or setup command with its templates expanded.
func (m *measurement) runCommand(ctx context.Context, name string, c config.Command, vars map[string]string) error {
	p, err := m.commandProcess(name, c.Run, c.Dir, c.Env, vars)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout.Duration)
	defer cancel()
	return stack.Run(ctx, p)
}

// commandProcess expands argv, dir and env of a command or process.
func (m *measurement) commandProcess(name string, argv []string, dir string, env map[string]string, vars map[string]string) (stack.Process, error) {
	p := stack.Process{Name: name, LogPath: filepath.Join(m.logs, name+".log")}
	for _, a := range argv {
		v, err := stack.Expand(a, vars)
		if err != nil {
			return p, fmt.Errorf("%s: run: %w", name, err)
		}
		p.Argv = append(p.Argv, v)
	}
	d, err := stack.Expand(dir, vars)
	if err != nil {
		return p, fmt.Errorf("%s: dir: %w", name, err)
	}
	p.Dir = m.suite.Path(d)
	p.Env = append([]string(nil), m.opt.Env...)
	for _, k := range sortedKeys(env) {
		v, err := stack.Expand(env[k], vars)
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
	})
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	m.res.Fingerprint.PostgreSQL = strconv.Itoa(bins.Version)
	m.vars["database_url"] = m.db.URL(m.suite.Database.Name)
	return nil
}

// setupDatabase loads the schema and data once and freezes it as the template every run
// starts from.
func (m *measurement) setupDatabase(ctx context.Context) error {
	for i, c := range m.suite.Database.Setup {
		m.emit(Event{Kind: DatabaseSetup, Step: i + 1, Steps: len(m.suite.Database.Setup)})
		var err error
		if c.SQL != "" {
			err = m.db.RunSQLFile(ctx, m.suite.Database.Name, m.suite.Path(c.SQL))
		} else {
			err = m.runCommand(ctx, fmt.Sprintf("setup-%d", i+1), c, m.vars)
		}
		if err != nil {
			return fmt.Errorf("database setup step %d: %w", i+1, err)
		}
	}
	if err := m.db.Snapshot(ctx, m.suite.Database.Name); err != nil {
		return fmt.Errorf("saving the loaded database as the template of every run: %w", err)
	}
	return nil
}

// allocatePorts gives every process a loopback port for the whole invocation, so that
// processes can refer to each other ({addr:db-proxy}) and restarts keep their addresses.
func (m *measurement) allocatePorts() error {
	m.ports = map[string]int{}
	for _, p := range m.suite.Processes {
		port, err := stack.FreeLoopbackPort()
		if err != nil {
			return fmt.Errorf("finding a free port for %s: %w", p.Name, err)
		}
		m.ports[p.Name] = port
		m.vars["addr:"+p.Name] = addr(port)
		m.vars["port:"+p.Name] = strconv.Itoa(port)
	}
	return nil
}

// processVars are the template values of one process: the shared ones plus its own
// {addr}, {host} and {port}.
func (m *measurement) processVars(name string) map[string]string {
	v := maps.Clone(m.vars)
	v["addr"] = addr(m.ports[name])
	v["host"] = loopback
	v["port"] = strconv.Itoa(m.ports[name])
	return v
}

const loopback = "127.0.0.1"

func addr(port int) string { return loopback + ":" + strconv.Itoa(port) }
