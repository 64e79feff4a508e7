package pg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// statementsLibrary counts every statement the stack sends, so that a change that doubles
// the queries per request is caught even when latency hides it. Unlike pg_stat_database,
// whose counters a backend flushes up to a second late, its counters are updated as each
// statement ends. stackgate loads it into the managed server when the installation has it;
// it is instrumentation, like the port, and not part of the suite's definition.
const statementsLibrary = "pg_stat_statements"

// hasStatementsLibrary reports whether the installation ships pg_stat_statements (Debian:
// /usr/lib/postgresql/<v>/lib, RHEL: /usr/pgsql-<v>/lib, next to bin).
func (b Binaries) hasStatementsLibrary() bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(b.Dir), "lib", statementsLibrary+".so"))
	return err == nil
}

// preloadLibraries is the shared_preload_libraries setting: the suite's, plus
// pg_stat_statements when available ("" when there is nothing to set).
func preloadLibraries(settings map[string]string, available bool) string {
	libs := settings["shared_preload_libraries"]
	if !available {
		return libs
	}
	for _, l := range strings.Split(libs, ",") {
		if strings.TrimSpace(l) == statementsLibrary {
			return libs
		}
	}
	return strings.Trim(libs+","+statementsLibrary, ", ")
}

// enableStatements creates the pg_stat_statements view in the maintenance database, where
// Monitor reads it.
func (s *Server) enableStatements(ctx context.Context) error {
	if !s.statements {
		return nil
	}
	if err := s.Exec(ctx, "postgres", "CREATE EXTENSION IF NOT EXISTS "+statementsLibrary); err != nil {
		return fmt.Errorf("enabling %s: %w", statementsLibrary, err)
	}
	return nil
}

// Monitor watches one database of the server over a connection of its own (to the
// maintenance database, so its queries are not counted as the stack's).
type Monitor struct {
	conn       *pgx.Conn
	database   string
	statements bool
	toplevel   bool
	log        string // the server's log, read from logFrom when a query fails
	logFrom    int64
}

// Monitor opens a monitoring connection for database.
func (s *Server) Monitor(ctx context.Context, database string) (*Monitor, error) {
	conn, err := s.connect(ctx, "postgres")
	if err != nil {
		return nil, fmt.Errorf("connecting the database monitor: %w", err)
	}
	return &Monitor{conn: conn, database: database, statements: s.statements, toplevel: s.opt.Binaries.Version >= 14,
		log: s.opt.LogPath, logFrom: logSince(s.opt.LogPath)}, nil
}

// explain turns a failed query into a *RestartError when the server crash-restarted since
// the monitor connected. The postmaster logs the crash as it notices it, which may be a
// moment after the crashed process's own connection broke, so the log is watched a
// little while.
func (m *Monitor) explain(err error) error {
	for deadline := time.Now().Add(crashLogWait); ; time.Sleep(20 * time.Millisecond) {
		if crash := crashedSince(m.log, m.logFrom); crash != "" {
			return &RestartError{Crash: crash, Err: err}
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// crashLogWait bounds the wait for the postmaster's account of a crash.
const crashLogWait = 2 * time.Second

// Statements counts the statements the database has run and the rows they returned or
// changed, cumulatively since the database was created.
type Statements struct {
	Calls int64
	Rows  int64
}

// ErrNoStatements: the server has no pg_stat_statements, so statements cannot be counted.
var ErrNoStatements = fmt.Errorf("%s is not installed with this PostgreSQL (Debian: part of the postgresql package; RHEL: postgresql-contrib)", statementsLibrary)

// Statements reads the database's statement counters. Only top-level statements count, so
// a query inside a function is not counted twice.
func (m *Monitor) Statements(ctx context.Context) (Statements, error) {
	if !m.statements {
		return Statements{}, ErrNoStatements
	}
	q := "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)"
	if m.toplevel {
		q += " AND toplevel"
	}
	var st Statements
	if err := m.conn.QueryRow(ctx, q, m.database).Scan(&st.Calls, &st.Rows); err != nil {
		return st, m.explain(fmt.Errorf("reading statement counters of %q: %w", m.database, err))
	}
	return st, nil
}

// Sessions counts the client backends connected to the database now.
func (m *Monitor) Sessions(ctx context.Context) (int, error) {
	var n int
	err := m.conn.QueryRow(ctx,
		"SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
		m.database).Scan(&n)
	if err != nil {
		return 0, m.explain(fmt.Errorf("counting sessions of %q: %w", m.database, err))
	}
	return n, nil
}

// Close closes the monitoring connection.
func (m *Monitor) Close() error { return m.conn.Close(context.Background()) }
