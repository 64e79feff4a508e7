// Command stackgate is a performance regression gate for whole web stacks. See the README.
package main

import (
	"context"
	"os"

	"github.com/stackgate/stackgate/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
