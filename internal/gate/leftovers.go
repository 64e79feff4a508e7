package gate

import (
	"context"
	"fmt"

	"github.com/stackgate/stackgate/internal/git"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/scratch"
)

// cleanLeftovers removes what invocations that were killed left behind — their scratch
// directories (stopping whatever still runs from them) and git's records of their base
// work trees in the suite's repository — and says so in warnings.
func cleanLeftovers(ctx context.Context, suiteDir string) ([]result.Warning, error) {
	stale, err := scratch.CleanStale("")
	if err != nil {
		return nil, err
	}
	var warnings []result.Warning
	for _, s := range stale {
		warnings = append(warnings, result.Warning{Message: fmt.Sprintf(
			"removed %s, left behind by an invocation that was killed (%s), and stopped anything still running from it", s.Dir, s.Owner)})
	}
	pruned, err := git.PruneWorktrees(ctx, suiteDir)
	for _, path := range pruned {
		warnings = append(warnings, result.Warning{Message: fmt.Sprintf(
			"removed git's record of the work tree %s, left behind by an invocation that was killed", path)})
	}
	if err != nil {
		warnings = append(warnings, result.Warning{Message: err.Error()})
	}
	return warnings, nil
}
