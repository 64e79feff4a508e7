package pg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/stackgate/stackgate/internal/stack"
)

// maxIdentifier is PostgreSQL's limit on names (NAMEDATALEN - 1).
const maxIdentifier = 63

// templateSuffix names the frozen copy of a database that Reset copies from.
const templateSuffix = "_template"

func (s *Server) connect(ctx context.Context, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(s.URL(database))
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = connectTimeout
	return pgx.ConnectConfig(ctx, cfg)
}

// Exec runs sql in database with the simple protocol, so several statements are allowed
// (they run as one implicit transaction).
func (s *Server) Exec(ctx context.Context, database, sql string) error {
	conn, err := s.connect(ctx, database)
	if err != nil {
		return fmt.Errorf("connecting to database %q: %w", database, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("executing SQL in database %q: %w", database, err)
	}
	return nil
}

// RunSQLFile runs a SQL file in database with psql (-v ON_ERROR_STOP=1), its output going
// to the server log. The error names the file and carries psql's message ("psql:file:line: ERROR: ...").
func (s *Server) RunSQLFile(ctx context.Context, database, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("running SQL file: %w", err)
	}
	psql, err := s.psqlPath()
	if err != nil {
		return fmt.Errorf("running SQL file %s: %w", path, err)
	}
	offset := fileSize(s.opt.LogPath)
	err = stack.Run(ctx, stack.Process{
		Name: "psql", Argv: []string{psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.URL(database), "-f", path},
		Env: s.serverEnv(), LogPath: s.opt.LogPath,
	})
	if err == nil {
		return nil
	}
	if msg := psqlMessages(s.opt.LogPath, offset); msg != "" {
		return &causedError{text: fmt.Sprintf("running SQL file %s: %s", path, msg), cause: err}
	}
	return fmt.Errorf("running SQL file %s: %w", path, err)
}

// psqlPath prefers the psql of the server's installation, then any on PATH.
func (s *Server) psqlPath() (string, error) {
	if p := s.bin("psql"); isExecutable(p) {
		return p, nil
	}
	p, err := exec.LookPath("psql")
	if err != nil {
		return "", fmt.Errorf("no psql in %s or on PATH: %w", s.opt.Binaries.Dir, err)
	}
	return p, nil
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// maxPSQLMessage bounds what is read back from the log to find psql's messages.
const maxPSQLMessage = 64 << 10

// psqlMessages returns the lines psql wrote to the log after offset ("psql:file:line: ...").
func psqlMessages(logPath string, offset int64) string {
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	data, _ := io.ReadAll(io.NewSectionReader(f, offset, maxPSQLMessage))
	var msgs []string
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "psql:") {
			msgs = append(msgs, strings.TrimSpace(line))
		}
	}
	return strings.Join(msgs, "; ")
}

// causedError shows its own text but unwraps to the error that caused it.
type causedError struct {
	text  string
	cause error
}

func (e *causedError) Error() string { return e.text }
func (e *causedError) Unwrap() error { return e.cause }

// Snapshot freezes the loaded database as the template "<database>_template", which Reset
// copies from. The template accepts no connections, so nothing can change it afterwards.
func (s *Server) Snapshot(ctx context.Context, database string) error {
	template, err := templateName(database)
	if err != nil {
		return fmt.Errorf("snapshotting database: %w", err)
	}
	return s.SnapshotAs(ctx, database, template)
}

// SnapshotAs freezes database as the named template (A/B runs keep one per revision).
func (s *Server) SnapshotAs(ctx context.Context, database, template string) error {
	db, tmpl := pgx.Identifier{database}.Sanitize(), pgx.Identifier{template}.Sanitize()
	err := s.admin(ctx, func(conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database); err != nil {
			return err
		}
		exists, err := databaseExists(ctx, conn, template)
		if err != nil {
			return err
		}
		if exists {
			if err := execAll(ctx, conn, "ALTER DATABASE "+tmpl+" IS_TEMPLATE false", "DROP DATABASE "+tmpl+withForce); err != nil {
				return err
			}
		}
		return execAll(ctx, conn,
			"CREATE DATABASE "+tmpl+" TEMPLATE "+db+s.strategy(),
			"ALTER DATABASE "+tmpl+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	})
	if err != nil {
		return fmt.Errorf("snapshotting database %q as %q: %w", database, template, err)
	}
	return nil
}

// Reset drops database (disconnecting whoever is still connected, e.g. a stack that was
// just stopped) and recreates it from its template, so every run starts from identical data.
func (s *Server) Reset(ctx context.Context, database string) error {
	template, err := templateName(database)
	if err != nil {
		return fmt.Errorf("resetting database: %w", err)
	}
	return s.ResetFrom(ctx, database, template)
}

// ResetFrom recreates database from the named template (see SnapshotAs).
func (s *Server) ResetFrom(ctx context.Context, database, template string) error {
	err := s.admin(ctx, func(conn *pgx.Conn) error {
		exists, err := databaseExists(ctx, conn, template)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("no template %q: call Snapshot after loading the data", template)
		}
		db := pgx.Identifier{database}.Sanitize()
		return execAll(ctx, conn,
			"DROP DATABASE IF EXISTS "+db+withForce,
			"CREATE DATABASE "+db+" TEMPLATE "+pgx.Identifier{template}.Sanitize()+s.strategy())
	})
	if err != nil {
		return fmt.Errorf("resetting database %q: %w", database, err)
	}
	return nil
}

// Sessions counts the client backends connected to database.
func (s *Server) Sessions(ctx context.Context, database string) (int, error) {
	var n int
	err := s.admin(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx,
			"SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
			database).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("counting sessions of database %q: %w", database, err)
	}
	return n, nil
}

// admin runs f on a connection to the maintenance database "postgres". Statements are run
// one by one: CREATE and DROP DATABASE cannot share a transaction.
func (s *Server) admin(ctx context.Context, f func(*pgx.Conn) error) error {
	conn, err := s.connect(ctx, "postgres")
	if err != nil {
		return fmt.Errorf("connecting to database \"postgres\": %w", err)
	}
	defer conn.Close(context.Background())
	return f(conn)
}

func execAll(ctx context.Context, conn *pgx.Conn, statements ...string) error {
	for _, sql := range statements {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}

func databaseExists(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	return exists, err
}

func templateName(database string) (string, error) {
	if database == "" {
		return "", errors.New("no database named")
	}
	template := database + templateSuffix
	if len(template) > maxIdentifier {
		return "", fmt.Errorf("database name %q is too long for a template name (at most %d bytes)", database, maxIdentifier-len(templateSuffix))
	}
	return template, nil
}

// strategy copies databases file by file where supported: much less WAL than the default
// WAL_LOG strategy for a loaded dataset.
func (s *Server) strategy() string {
	if s.opt.Binaries.Version >= 15 {
		return " STRATEGY FILE_COPY"
	}
	return ""
}

// withForce disconnects the sessions still connected to a database being dropped.
const withForce = " WITH (FORCE)"
