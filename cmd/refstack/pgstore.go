package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	sqlRow          = "SELECT id, randomnumber FROM world WHERE id = $1"
	sqlSlowRow      = "SELECT id, randomnumber, pg_sleep(0.02) FROM world WHERE id = $1"
	sqlRandomNumber = "SELECT randomnumber FROM world WHERE id = $1"
	sqlUpdate       = "UPDATE world SET randomnumber = $1 WHERE id = $2"
	sqlWorldSize    = "SELECT coalesce(max(id), 0) FROM world"

	sqlDropWorld   = "DROP TABLE IF EXISTS world"
	sqlCreateWorld = "CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL)"
	sqlAnalyze     = "ANALYZE world"

	// defaultConnectTimeout bounds a connection attempt when the database
	// URL sets none, so a dead database fails requests instead of hanging them.
	defaultConnectTimeout = 5 * time.Second
)

// pgStore is the store on a pgx connection pool. Statements are prepared
// and cached per connection by pgx's default query mode.
type pgStore struct {
	pool *pgxpool.Pool
}

var _ store = pgStore{}

// openPool creates a pool of at most maxConns connections. It connects lazily:
// a database that is down makes requests and /healthz fail, not the start.
func openPool(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing the database URL: %w", err)
	}
	cfg.MaxConns = maxConns
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the connection pool: %w", err)
	}
	return pool, nil
}

func (s pgStore) Row(ctx context.Context, id int32) (world, error) {
	var w world
	if err := s.pool.QueryRow(ctx, sqlRow, id).Scan(&w.ID, &w.RandomNumber); err != nil {
		return world{}, fmt.Errorf("reading world row %d: %w", id, err)
	}
	return w, nil
}

func (s pgStore) Rows(ctx context.Context, ids []int32) ([]world, error) {
	rows := make([]world, 0, len(ids))
	for _, id := range ids {
		w, err := s.Row(ctx, id)
		if err != nil {
			return nil, err
		}
		rows = append(rows, w)
	}
	return rows, nil
}

func (s pgStore) SlowRow(ctx context.Context, id int32) (world, error) {
	var w world
	// The third column is pg_sleep's void result: nil skips it.
	if err := s.pool.QueryRow(ctx, sqlSlowRow, id).Scan(&w.ID, &w.RandomNumber, nil); err != nil {
		return world{}, fmt.Errorf("reading world row %d slowly: %w", id, err)
	}
	return w, nil
}

// Update sends one UPDATE per row in one batch (one round trip, one implicit
// transaction). Rows are written in id order so that concurrent updates lock
// rows in the same order and cannot deadlock; the stable sort keeps the last
// value given for a repeated id as the one that stays.
func (s pgStore) Update(ctx context.Context, rows []world) error {
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b world) int { return cmp.Compare(a.ID, b.ID) })
	batch := &pgx.Batch{}
	for _, w := range sorted {
		batch.Queue(sqlUpdate, w.RandomNumber, w.ID)
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("updating %d world rows: %w", len(rows), err)
	}
	return nil
}

func (s pgStore) RandomNumber(ctx context.Context, id int32) (int32, error) {
	var n int32
	if err := s.pool.QueryRow(ctx, sqlRandomNumber, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading the random number of world row %d: %w", id, err)
	}
	return n, nil
}

func (s pgStore) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pinging the database: %w", err)
	}
	return nil
}

// worldSize returns the largest id of the world table: random ids are drawn
// in 1..worldSize. An empty table gives 0.
func worldSize(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var n int32
	if err := pool.QueryRow(ctx, sqlWorldSize).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading the size of the world table: %w", err)
	}
	return int(n), nil
}

// seedWorld drops and recreates the world table and loads rows with COPY, in
// one transaction, so a failed seed leaves the previous table in place.
func seedWorld(ctx context.Context, conn *pgx.Conn, rows []world) (err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("starting the seed transaction: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, rollback(tx))
		}
	}()
	for _, sql := range []string{sqlDropWorld, sqlCreateWorld} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("creating the world table (%s): %w", sql, err)
		}
	}
	source := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		return []any{rows[i].ID, rows[i].RandomNumber}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"world"}, []string{"id", "randomnumber"}, source); err != nil {
		return fmt.Errorf("copying %d rows into world: %w", len(rows), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing the seed transaction: %w", err)
	}
	if _, err := conn.Exec(ctx, sqlAnalyze); err != nil {
		return fmt.Errorf("analyzing world: %w", err)
	}
	return nil
}

// rollback undoes a failed seed with its own short deadline, since the
// caller's context may be the reason it failed.
func rollback(tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.Background(), defaultConnectTimeout)
	defer cancel()
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("rolling back the seed transaction: %w", err)
	}
	return nil
}
