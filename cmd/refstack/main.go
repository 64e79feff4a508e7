// Command refstack is stackgate's reference stack: a small web app on
// PostgreSQL that implements the standard scenarios (json, db, queries, slow,
// update) and can be made worse on purpose, by a known amount, through
// regression knobs read from the environment. stackgate benchmarks it in its
// own suite, demos and end-to-end tests; it stands for "the user's app", so it
// imports nothing from stackgate.
//
// Run "refstack help" for the commands, endpoints and knobs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
