package main

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stackgate/stackgate/internal/pg/pgtest"
)

// TestPGStore runs seed and every store method against a real PostgreSQL, started by
// stackgate's test helper (a test-only import: the program itself stands alone).
func TestPGStore(t *testing.T) {
	dbURL := pgtest.Start(t, "refstack").URL("refstack")
	ctx := context.Background()
	if err := seedDatabase(ctx, dbURL, defaultRows, defaultSeed); err != nil {
		t.Fatal(err)
	}
	t.Run("the table holds the golden dataset", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, "SELECT id, randomnumber FROM world ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (w world, err error) {
			return w, r.Scan(&w.ID, &w.RandomNumber)
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum := copyChecksum(got); sum != goldenChecksum {
			t.Errorf("checksum %s, want %s", sum, goldenChecksum)
		}
	})

	pool, err := openPool(ctx, dbURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := pgStore{pool}
	want := worldRows(defaultRows, defaultSeed)

	if n, err := worldSize(ctx, pool); err != nil || n != defaultRows {
		t.Errorf("worldSize: %d, %v; want %d", n, err, defaultRows)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
	for _, read := range []struct {
		name string
		row  func(context.Context, int32) (world, error)
	}{{"Row", s.Row}, {"SlowRow", s.SlowRow}} {
		if w, err := read.row(ctx, 42); err != nil || w != want[41] {
			t.Errorf("%s(42): %+v, %v; want %+v", read.name, w, err, want[41])
		}
	}
	if n, err := s.RandomNumber(ctx, 7); err != nil || n != want[6].RandomNumber {
		t.Errorf("RandomNumber(7): %d, %v; want %d", n, err, want[6].RandomNumber)
	}
	if _, err := s.Row(ctx, defaultRows+1); err == nil {
		t.Error("Row of a missing id gave no error")
	}
	rows, err := s.Rows(ctx, []int32{3, 1, 2})
	if err != nil || !slices.Equal(rows, []world{want[2], want[0], want[1]}) {
		t.Errorf("Rows(3, 1, 2): %v, %v", rows, err)
	}
	// A repeated id keeps the last number given.
	if err := s.Update(ctx, []world{{9, 1}, {5, 2}, {9, 3}}); err != nil {
		t.Fatal(err)
	}
	rows, err = s.Rows(ctx, []int32{5, 9})
	if err != nil || !slices.Equal(rows, []world{{5, 2}, {9, 3}}) {
		t.Errorf("after Update: %v, %v; want [{5 2} {9 3}]", rows, err)
	}
}
