package main

import "context"

// store is what the handlers need from the database. The pgx implementation
// is in pgstore.go; tests use an in-memory one, so the handlers and knobs are
// tested without PostgreSQL.
type store interface {
	// Row reads one row by primary key.
	Row(ctx context.Context, id int32) (world, error)
	// Rows reads the rows with these ids, one query (one round trip) each,
	// in the order given.
	Rows(ctx context.Context, ids []int32) ([]world, error)
	// SlowRow reads one row with a fixed server-side delay (pg_sleep).
	SlowRow(ctx context.Context, id int32) (world, error)
	// Update writes the random numbers of these rows.
	Update(ctx context.Context, rows []world) error
	// RandomNumber reads one row's random number: the extra round trip of
	// the REFSTACK_EXTRA_QUERIES knob.
	RandomNumber(ctx context.Context, id int32) (int32, error)
	// Ping reports whether the database can be reached.
	Ping(ctx context.Context) error
}
