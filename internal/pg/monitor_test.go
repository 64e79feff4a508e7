package pg_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stackgate/stackgate/internal/pg/pgtest"
)

// The monitor counts exactly the statements and rows the stack sends, at once, and the
// sessions connected — and not its own queries. Everything runs on one connection: a
// connection closed just before would still be listed while its backend exits (the
// "sessions = 2" this test once saw on a busy machine).
func TestMonitor(t *testing.T) {
	srv := pgtest.Start(t, "app")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.URL("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t(i int); INSERT INTO t SELECT generate_series(1, 10)"); err != nil {
		t.Fatal(err)
	}
	m, err := srv.Monitor(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	before, err := m.Statements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 7 {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t WHERE i > $1", 3).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "UPDATE t SET i = i + 1 WHERE i <= 4"); err != nil {
		t.Fatal(err)
	}
	after, err := m.Statements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if calls, rows := after.Calls-before.Calls, after.Rows-before.Rows; calls != 8 || rows != 7+4 {
		t.Errorf("counted %d statements and %d rows, want 8 and 11", calls, rows)
	}
	if n, err := m.Sessions(ctx); err != nil || n != 1 {
		t.Errorf("sessions = %d, %v; want 1", n, err)
	}
}
