package cli

import (
	"context"
	"fmt"

	"github.com/stackgate/stackgate/internal/result"
)

// mergeCommand combines the results of the shards of a matrix (`run -shard i/n`) into one
// result that compare (or the Action, with its results input) judges as a whole.
func mergeCommand(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "merge", "-o OUT.json RESULT.json...")
	out := fs.String("o", "", "write the merged result to `file` (required)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *out == "" || fs.NArg() == 0 {
		return usageErrorf("merge takes -o and the shards' result files, in shard order: stackgate merge -o merged.json result-1.json result-2.json")
	}
	merged, err := result.MergeFiles(fs.Args()...)
	if err != nil {
		return err // not one whole measurement (a shard missing…): could not measure, exit 3
	}
	if err := result.Write(*out, merged); err != nil {
		return &badInputError{err}
	}
	_, err = fmt.Fprintf(e.stdout, "merged %d results (%d scenarios) into %s\n", fs.NArg(), len(merged.Scenarios), *out)
	return err
}
