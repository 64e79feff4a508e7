package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/jackc/pgx/v5"
)

var seedCommand = command{
	name: "seed",
	flags: func(fs *flag.FlagSet) func(context.Context, environment) error {
		rows := fs.Int("rows", defaultRows, "load `N` rows (ids 1..N)")
		seed := fs.Uint64("seed", defaultSeed, "seed of the random numbers")
		dbFlag := databaseFlag(fs)
		return func(ctx context.Context, env environment) error {
			if err := checkRange("rows", *rows, 1, math.MaxInt32); err != nil {
				return err
			}
			dbURL, err := databaseURL(*dbFlag, env.getenv)
			if err != nil {
				return err
			}
			if err := seedDatabase(ctx, dbURL, *rows, *seed); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "seeded world: %d rows, seed %d\n", *rows, *seed)
			return nil
		}
	},
	about: func(w io.Writer) { fmt.Fprint(w, seedText) },
}

// seedDatabase loads the deterministic dataset into the database at dbURL.
func seedDatabase(ctx context.Context, dbURL string, rows int, seed uint64) error {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return fmt.Errorf("parsing the database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connecting to the database: %w", err)
	}
	defer conn.Close(context.Background())
	return seedWorld(ctx, conn, worldRows(rows, seed))
}
