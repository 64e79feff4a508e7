// Command stackgate is a performance regression gate for whole web stacks. See the README.
package main

import (
	"context"
	"os"

	"github.com/stackgate/stackgate/internal/cli"
	"github.com/stackgate/stackgate/internal/stack"
)

func main() {
	stack.Init() // the hidden helper that gives a process a private /etc/hosts; returns otherwise
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
