package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// The help text and the README's tables are written from the endpoint and
// knob tables, the single source of truth; docs_test.go keeps the README in
// step (go test -run TestREADME -update rewrites it).

const overview = `refstack is stackgate's reference stack: a small Go web app on PostgreSQL
(pgx, pgxpool) that implements the standard scenarios, with regression knobs
that make it worse by a known amount for tests and demos.
`

const usageLines = `Usage:

  refstack serve [-addr 127.0.0.1:8080] [-pool 16] [-database-url URL]
  refstack seed [-rows 10000] [-seed 1] [-database-url URL]
  refstack help [command]
`

const commandLines = `Commands:

  serve   serve the endpoints until SIGTERM or SIGINT, then shut down gracefully
  seed    drop and recreate the world table and load the deterministic dataset
  help    show this text, or a command's flags

The database is -database-url, or $DATABASE_URL when the flag is not given.
`

const knobsIntro = `Regression knobs: environment variables of serve, read once at start. Empty or
0 turns a knob off; an invalid value stops the start with an error naming the
variable. Knobs never touch /healthz. One count of requests (to the paths the
knobs apply to) drives REFSTACK_ERROR_EVERY and REFSTACK_CRASH_AFTER.
`

const seedText = `seed drops and recreates the table
world(id integer primary key, randomnumber integer not null)
and loads it with COPY, in one transaction: ids 1..rows, each randomnumber in
1..10000 drawn from SplitMix64 seeded with -seed. The same seed gives the same
bytes on every machine and Go version.
`

const exitLines = `Exit status: 0 done (serve: stopped by SIGTERM or SIGINT), 1 failed (listen,
database), 2 bad usage or an invalid knob, 3 crashed by REFSTACK_CRASH_AFTER.
`

// writeHelp writes the whole help text of refstack.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, overview, "\n", usageLines, "\n", commandLines, "\n")
	writeEndpointsText(w)
	fmt.Fprint(w, "\n", knobsIntro, "\n")
	writeKnobsText(w)
	fmt.Fprint(w, "\n", exitLines)
}

func writeEndpointsText(w io.Writer) {
	fmt.Fprint(w, "Endpoints of serve (wrong method: 405, unknown path: 404, database error: 500):\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range endpoints {
		fmt.Fprintf(tw, "  %s %s\t%s\n", e.method, e.path+e.example, e.answer)
	}
	tw.Flush()
}

func writeKnobsText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range knobTable {
		fmt.Fprintf(tw, "  %s=%s\t%s\n", k.name, k.value, k.effect)
	}
	tw.Flush()
}

// markdownEndpoints is the README's endpoint table.
func markdownEndpoints() string {
	var b strings.Builder
	b.WriteString("| request | answer | knobs apply |\n| --- | --- | --- |\n")
	for _, e := range endpoints {
		fmt.Fprintf(&b, "| `%s %s` | %s | %s |\n", e.method, e.path+e.example, markdownCell(e.answer), yesNo(e.scenario))
	}
	return b.String()
}

// markdownKnobs is the README's knob table.
func markdownKnobs() string {
	var b strings.Builder
	b.WriteString("| variable | effect |\n| --- | --- |\n")
	for _, k := range knobTable {
		fmt.Fprintf(&b, "| `%s=%s` | %s |\n", k.name, k.value, markdownCell(k.effect))
	}
	return b.String()
}

// markdownCell keeps a table cell one cell: pipes would split it.
func markdownCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
