package pg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stackgate/stackgate/internal/postmaster"
	"github.com/stackgate/stackgate/internal/procfs"
	"github.com/stackgate/stackgate/internal/stack"
)

// MinVersion is the oldest PostgreSQL major version supported (DROP DATABASE ... WITH (FORCE)).
const MinVersion = 13

// DefaultStartTimeout bounds the wait for a started server to accept connections.
const DefaultStartTimeout = 60 * time.Second

// DefaultStopGrace is how long a fast shutdown (SIGINT) may take before SIGKILL.
const DefaultStopGrace = 10 * time.Second

// Superuser is the role initdb creates; local TCP connections are trusted.
const Superuser = "stackgate"

// portAttempts is how many free ports are tried when another process takes ours first.
const portAttempts = 3

// connectTimeout bounds one connection attempt (readiness probe or query).
const connectTimeout = 5 * time.Second

// Options configure a managed server.
type Options struct {
	Binaries Binaries
	Dir      string            // scratch directory (exists); the cluster goes into Dir/pgdata, the socket into Dir/sock
	LogPath  string            // server log (initdb and psql output too)
	Settings map[string]string // postgresql.conf settings (the caller's tuned values); port/listen/socket are ours
	User     string            // OS user for initdb/postgres; "" = current user, or "postgres" when running as root
	Database string            // database the stack will use (created empty after start); "" = none
	// Env is the environment initdb, postgres and psql start from (stack.Environ: without
	// credentials, since setup SQL can run programs); nil is an empty environment.
	Env []string
	// CPUs the server (and every backend it forks) is pinned to; nil: not pinned.
	CPUs []int
}

func (opt Options) validate() error {
	switch {
	case opt.Binaries.Dir == "" || opt.Binaries.Version == 0:
		return errors.New("no PostgreSQL binaries (use FindBinaries)")
	case opt.Binaries.Version < MinVersion:
		return fmt.Errorf("PostgreSQL %d in %s is too old: stackgate needs %d or newer", opt.Binaries.Version, opt.Binaries.Dir, MinVersion)
	case opt.LogPath == "":
		return errors.New("no log path")
	}
	if info, err := os.Stat(opt.Dir); err != nil || !info.IsDir() {
		return fmt.Errorf("scratch directory %q is not a directory", opt.Dir)
	}
	return checkSettings(opt.Settings)
}

// Server is a running managed PostgreSQL cluster.
type Server struct {
	opt    Options
	runAs  account
	layout *layout
	port   int
	procs  *stack.Stack
	// statements: pg_stat_statements is loaded (see Monitor).
	statements bool

	stopOnce sync.Once
	stopErr  error
}

// Start creates a cluster in opt.Dir, starts it on a free loopback port, waits until it
// accepts connections and creates opt.Database. On failure nothing is left running and
// the directories it created are removed.
func Start(ctx context.Context, opt Options) (*Server, error) {
	if err := opt.validate(); err != nil {
		return nil, fmt.Errorf("starting postgresql: %w", err)
	}
	runAs, err := serviceAccount(opt.User)
	if err != nil {
		return nil, fmt.Errorf("starting postgresql: %w", err)
	}
	s := &Server{opt: opt, runAs: runAs}
	if err := s.start(ctx); err != nil {
		if stopErr := s.Stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, fmt.Errorf("starting postgresql: %w", err)
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	l, err := makeLayout(s.opt.Dir, s.runAs)
	s.layout = l
	if err != nil {
		return err
	}
	if err := s.initdb(ctx); err != nil {
		return err
	}
	if err := writeSettings(l.dataDir, s.opt.Settings, s.runAs); err != nil {
		return err
	}
	if err := s.startOnFreePort(ctx); err != nil {
		return err
	}
	if err := s.enableStatements(ctx); err != nil {
		return err
	}
	if s.opt.Database == "" {
		return nil
	}
	return s.Exec(ctx, "postgres", "CREATE DATABASE "+pgx.Identifier{s.opt.Database}.Sanitize())
}

func (s *Server) initdb(ctx context.Context) error {
	argv := []string{s.bin("initdb"), "-D", s.layout.dataDir, "-U", Superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"}
	if s.opt.Binaries.Version >= 14 {
		argv = append(argv, "--no-instructions")
	}
	return stack.Run(ctx, stack.Process{
		Name: "initdb", Argv: argv, Env: s.serverEnv(), Dir: s.layout.base,
		User: s.runAs.name, LogPath: s.opt.LogPath, CPUs: s.opt.CPUs,
	})
}

// startOnFreePort starts the server, trying another port when one is taken between
// choosing it and the server binding it.
func (s *Server) startOnFreePort(ctx context.Context) error {
	var err error
	for range portAttempts {
		if s.port, err = stack.FreeLoopbackPort(); err != nil {
			return err
		}
		if err = s.startServer(ctx); err == nil || !portTaken(s.opt.LogPath) {
			return err
		}
		if stopErr := s.procs.Stop(); stopErr != nil {
			return errors.Join(err, stopErr)
		}
	}
	return err
}

// portTaken reports whether the server's log ends with a failure to bind its port.
func portTaken(logPath string) bool {
	return slices.ContainsFunc(stack.LogTail(logPath, 10), func(line string) bool {
		return strings.Contains(line, "could not bind") || strings.Contains(line, "Address already in use")
	})
}

func (s *Server) startServer(ctx context.Context) error {
	argv := []string{s.bin("postgres"), "-D", s.layout.dataDir,
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + quoteDirList(s.layout.sockDir),
		"-c", "logging_collector=off",
		"-c", "log_destination=stderr",
	}
	s.statements = s.opt.Binaries.hasStatementsLibrary()
	if libs := preloadLibraries(s.opt.Settings, s.statements); libs != "" {
		argv = append(argv, "-c", "shared_preload_libraries="+libs)
	}
	procs, err := stack.Start(ctx, []stack.Process{{
		Name: "postgres", Argv: argv, Env: s.serverEnv(), Dir: s.layout.base, User: s.runAs.name,
		LogPath: s.opt.LogPath, StopSignal: syscall.SIGINT, Grace: DefaultStopGrace, CPUs: s.opt.CPUs,
	}})
	if err != nil {
		return err
	}
	s.procs = procs
	return s.waitReady(ctx)
}

// waitReady connects until the server answers; the server exiting ends the wait at once.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		if err := s.procs.Check(); err != nil {
			var pe *stack.ProcessError
			if errors.As(err, &pe) {
				pe.Reason = strings.TrimSuffix(pe.Reason, " while running") + " before accepting connections"
			}
			return err
		}
		last := s.ping(ctx)
		if last == nil {
			return nil
		}
		timer := time.NewTimer(retryDelay(attempt))
		select {
		case <-ctx.Done():
			timer.Stop()
			return &stack.ProcessError{
				Name: "postgres", LogPath: s.opt.LogPath, LogTail: stack.LogTail(s.opt.LogPath, 20), Err: last,
				Reason: fmt.Sprintf("not accepting connections (%v): %v", ctx.Err(), last),
			}
		case <-timer.C:
		}
	}
}

// retryDelay is the wait after connection attempt number attempt (from 0): doubling from
// 10ms, capped at 200ms. Pure, so the back-off is tested without sleeping.
func retryDelay(attempt int) time.Duration {
	d := 10 * time.Millisecond
	for i := 0; i < attempt && d < 200*time.Millisecond; i++ {
		d *= 2
	}
	return min(d, 200*time.Millisecond)
}

func (s *Server) ping(ctx context.Context) error {
	conn, err := s.connect(ctx, "postgres")
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (s *Server) bin(name string) string { return filepath.Join(s.opt.Binaries.Dir, name) }

// serverEnv is the environment of initdb, postgres and psql: the one given, without PG*
// variables, which would otherwise steer them (PGDATA, PGPORT, PGOPTIONS...). Never nil,
// so that the processes never inherit stackgate's own environment.
func (s *Server) serverEnv() []string {
	env := []string{}
	for _, kv := range s.opt.Env {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// releaseLeftover releases what the postmaster.pid of dataDir still names (nothing after a
// clean shutdown, which removes the file).
func releaseLeftover(dataDir string) error {
	if dataDir == "" {
		return nil
	}
	l, err := postmaster.Read(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return l.Release(procfs.Default)
}

// Port is the loopback TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// URL is the connection URL of database for the superuser (trust authentication on loopback).
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, s.port, url.PathEscape(database))
}

// PID is the postmaster's pid (also its process group), for resource sampling.
func (s *Server) PID() int {
	if s.procs == nil {
		return 0
	}
	return s.procs.PIDs()["postgres"]
}

// Check returns nil while the server process is alive, else a *stack.ProcessError.
func (s *Server) Check() error {
	if s.procs == nil {
		return errors.New("postgres is not running")
	}
	return s.procs.Check()
}

// Stop shuts the server down (fast shutdown, then SIGKILL after DefaultStopGrace),
// releases what a server that did not shut down cleanly left (its shared memory segment:
// it was killed, or initdb was interrupted) and removes the directories Start created. It
// is idempotent.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.procs != nil {
			errs = append(errs, s.procs.Stop())
		}
		if s.layout != nil {
			errs = append(errs, releaseLeftover(s.layout.dataDir), s.layout.remove())
		}
		if err := errors.Join(errs...); err != nil {
			s.stopErr = fmt.Errorf("stopping postgresql: %w", err)
		}
	})
	return s.stopErr
}
