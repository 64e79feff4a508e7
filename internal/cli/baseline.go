package cli

import (
	"context"
	"fmt"

	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/report"
)

func baselineCommand(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "update" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: stackgate baseline update [flags]   (stackgate baseline update -h for the flags)")
			return nil
		}
		return usageErrorf("baseline needs a subcommand: stackgate baseline update [-from result.json]")
	}
	var f suiteFlags
	fs := newFlags(e, "baseline update", "[flags]")
	f.register(fs)
	from := fs.String("from", "", "promote this result `file` instead of measuring")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	opt, err := f.options(e)
	if err != nil {
		return err
	}
	if *from == "" {
		progress := newProgress(e.stderr)
		progress.verbose = f.verbose
		progress.attach(&opt, f.lockWait)
		defer progress.finish()
	}
	u, err := gate.UpdateBaseline(ctx, opt, *from)
	if u.Outcome != nil && u.Outcome.ResultPath != "" {
		fmt.Fprintf(e.stderr, "result: %s\n", u.Outcome.ResultPath)
	}
	if err != nil {
		return err
	}
	return report.BaselineUpdate(e.stdout, u.Path, u.Old, u.New)
}
