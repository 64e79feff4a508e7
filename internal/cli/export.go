package cli

import (
	"bytes"
	"context"

	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

func exportCommand(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "-format benchfmt [-o FILE] RESULT.json")
	format := fs.String("format", "benchfmt", "output `format` (benchfmt: Go benchmark format, for benchstat)")
	outFile := fs.String("o", "", "write to `file` instead of standard output")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 1 {
		return usageErrorf("export takes one result file: stackgate export -format benchfmt stackgate-out/stackgate-result.json")
	}
	if *format != "benchfmt" {
		return usageErrorf("-format %q: the supported format is benchfmt", *format)
	}
	r, err := result.Read(fs.Arg(0))
	if err != nil {
		return err
	}
	units := map[string]string{}
	for _, m := range metric.All {
		units[m.Name] = m.Unit
	}
	var b bytes.Buffer
	if err := result.WriteBenchfmt(&b, r, metric.Names(), units); err != nil {
		return err
	}
	if *outFile == "" {
		_, err := e.stdout.Write(b.Bytes())
		return err
	}
	if err := result.WriteFileAtomic(*outFile, b.Bytes()); err != nil {
		return &badInputError{err}
	}
	return nil
}
