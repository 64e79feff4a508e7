package report

import (
	"io"
	"strings"

	"github.com/stackgate/stackgate/internal/compare"
)

// TerminalWidth is the width every line of the terminal report fits in.
const TerminalWidth = 80

// TerminalOptions choose how a verdict is shown in a terminal.
type TerminalOptions struct {
	Color   bool // ANSI colours; the CLI passes true only on a TTY without NO_COLOR
	Verbose bool // every metric, not only gated ones and those that changed
}

// Terminal writes v for a terminal of TerminalWidth columns, most important first: the
// verdict line (the worst finding and how many more), what needs attention (every metric
// that did not pass, worst first, with why), the significant changes that did not decide
// the verdict, the table of metrics grouped by scenario (benchstat's way: median ± the
// half-width of its confidence interval), what was compared, the drift and the warnings.
// Long lines are wrapped, long names cut; control characters are shown escaped.
func Terminal(w io.Writer, v *compare.Verdict, opt TerminalOptions) error {
	t := &termWriter{color: opt.Color}
	attention := attentionRows(v)
	t.headline(v, attention)
	t.attention(attention)
	t.alsoChanged(alsoChangedRows(v))
	// Without a baseline nothing is judged: every measured metric is worth showing.
	rows, omitted := shownRows(verdictRows(v), opt.Verbose || v.Mode == compare.ModeNone)
	t.table(v, rows)
	if omitted > 0 {
		t.wrap("… "+plural(omitted, "passing metric", "passing metrics")+" not gated and unchanged, not shown (-v shows every metric)", "", "  ")
	}
	t.facts(comparedFacts(v))
	t.lines("", driftLines(rows))
	t.lines("not comparable: ", v.NotComparable)
	t.lines("warning: ", v.Warnings)
	if showsHint(v) {
		t.blank()
		t.wrap(noBaselineHint, "", "")
	}
	_, err := io.WriteString(w, t.b.String())
	return err
}

// termWriter builds the terminal report line by line, each within TerminalWidth.
type termWriter struct {
	b     strings.Builder
	color bool
}

func (t *termWriter) blank() {
	if t.b.Len() > 0 {
		t.b.WriteByte('\n')
	}
}

// wrap writes text (escaped) wrapped at TerminalWidth: first before the first line, indent
// before the others. paint decorates the first word-run of the first line, if set.
func (t *termWriter) wrap(text, first, indent string) {
	for _, line := range wrapText(escapeTerminal(text), TerminalWidth, displayWidth(first), displayWidth(indent)) {
		t.b.WriteString(first + line + "\n")
		first = indent
	}
}

func (t *termWriter) paint(word string, l compare.Level) string { return paintLevel(word, l, t.color) }

func (t *termWriter) headline(v *compare.Verdict, rows []verdictRow) {
	level := strings.ToUpper(string(v.Level))
	suite := cutToWidth(escapeTerminal(v.Suite), TerminalWidth/2)
	lead := suite + ": " + level + " — "
	lines := wrapText(escapeTerminal(headline(v, rows)), TerminalWidth, displayWidth(lead), 2)
	for i, line := range lines {
		if i == 0 {
			t.b.WriteString(suite + ": " + t.paint(level, v.Level) + " — " + line + "\n")
			continue
		}
		t.b.WriteString("  " + line + "\n")
	}
	if d := errorDetail(v); d != "" && (len(rows) == 0 || rows[0].level != compare.Error) {
		t.multiline(d, "  ")
	}
}

// multiline writes text keeping its line breaks and indentation, each line escaped,
// wrapped and indented.
func (t *termWriter) multiline(text, indent string) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t\r")
		lead := indent + strings.Repeat(" ", len(line)-len(strings.TrimLeft(line, " ")))
		t.wrap(line, lead, lead+"  ")
	}
}

// attention lists what needs the reader: "FAIL  db p99 +18.2%: p=0.0004, fail tolerance 10 %".
func (t *termWriter) attention(rows []verdictRow) {
	if len(rows) == 0 {
		return
	}
	t.blank()
	col := 0
	for _, r := range rows {
		col = max(col, len(levelWord(r.level))+2)
	}
	indent := strings.Repeat(" ", col)
	for _, r := range rows {
		word := levelWord(r.level)
		summary, detail := attentionText(r)
		for i, line := range wrapText(escapeTerminal(summary), TerminalWidth, col, col) {
			if i == 0 {
				t.b.WriteString(t.paint(word, r.level) + strings.Repeat(" ", col-len(word)) + line + "\n")
				continue
			}
			t.b.WriteString(indent + line + "\n")
		}
		if detail != "" {
			t.multiline(detail, indent)
		}
	}
}

// attentionText is a row as a line, and what of its reason needs lines of its own.
func attentionText(r verdictRow) (line, detail string) {
	why := r.why()
	first, rest, _ := strings.Cut(why, "\n")
	if r.metric == nil {
		return r.scenario + ": " + first, rest // the reason is all there is
	}
	summary := rowSummary(r, func(s string) string { return s })
	if r.metric.Baseline.N == 0 || r.metric.Head.N == 0 {
		return summary, rest
	}
	return summary + ": " + first, rest
}

func (t *termWriter) alsoChanged(rows []verdictRow) {
	if len(rows) == 0 {
		return
	}
	t.blank()
	t.b.WriteString("also changed (significant, not deciding the verdict):\n")
	for _, r := range rows {
		text := rowSummary(r, func(s string) string { return s }) + " — " + changeKind(r.metric) + ", p=" + formatP(shownP(r.metric))
		t.wrap(text, "  ", "    ")
	}
}

// table writes the metrics grouped by scenario: a scenario's name on a line of its own,
// its metrics indented under it. A table wider than the terminal first shortens its level
// words, then leaves out the confidence intervals of its widest cells, then all of them.
func (t *termWriter) table(v *compare.Verdict, rows []verdictRow) {
	if len(rows) == 0 {
		return
	}
	for _, style := range []cellStyle{{}, {shortLevels: true}, {shortLevels: true, spreadUpTo: 11}, {shortLevels: true, spreadUpTo: -1}} {
		tbl := metricTable(v, rows, style, t.color)
		if tbl.width() <= TerminalWidth || style.spreadUpTo < 0 {
			t.blank()
			writeTable(&t.b, tbl)
			return
		}
	}
}

// cellStyle narrows a table that would not fit: spreadUpTo > 0 keeps the "±…" only in cells
// of at most that many columns, < 0 in none.
type cellStyle struct {
	shortLevels bool
	spreadUpTo  int
}

// metricTable is the table of rows: a header, then per scenario its name and its rows.
func metricTable(v *compare.Verdict, rows []verdictRow, style cellStyle, color bool) *table {
	compared := v.Mode != compare.ModeNone
	tbl := &table{left: map[int]bool{0: true, 6: true}, spans: map[int]bool{}}
	if compared {
		tbl.add("", baseName(v), "head", "change", "p", "verdict")
	} else {
		tbl.add("", "head", "cv")
	}
	var levels []compare.Level // per table row, for colour
	levels = append(levels, "")
	scenario := "\x00"
	for _, r := range rows {
		if r.scenario != scenario {
			scenario = r.scenario
			tbl.spans[len(tbl.rows)] = true
			tbl.add(cutToWidth(escapeTerminal(scenario), TerminalWidth))
			levels = append(levels, "")
		}
		c := r.cells()
		if r.metric == nil {
			c.metric = "(no metrics)"
		}
		base, head := style.spread(c.baseline), style.spread(c.head)
		word := levelWord(r.level)
		if style.shortLevels && r.level == compare.Inconclusive {
			word = "inconcl."
		}
		if compared {
			tbl.add("  "+escapeTerminal(c.metric), base, head, c.change, c.p, word)
		} else {
			tbl.add("  "+escapeTerminal(c.metric), head, c.cv)
		}
		levels = append(levels, r.level)
	}
	tbl.left[5] = compared
	if compared {
		tbl.paint = func(row, col int, cell string) string {
			if col != 5 || levels[row] == "" {
				return cell
			}
			return paintLevel(cell, levels[row], color)
		}
	}
	return tbl
}

// spread is a summary cell with or without its "±…", as the style says.
func (s cellStyle) spread(cell string) string {
	if s.spreadUpTo == 0 || (s.spreadUpTo > 0 && displayWidth(cell) <= s.spreadUpTo) {
		return cell
	}
	median, _, _ := strings.Cut(cell, " ±")
	return median
}

func (t *termWriter) facts(facts []fact) {
	if len(facts) == 0 {
		return
	}
	t.blank()
	width := 0
	for _, f := range facts {
		width = max(width, displayWidth(f.label))
	}
	for _, f := range facts {
		label := f.label + strings.Repeat(" ", width-displayWidth(f.label)+2)
		t.wrap(f.text, label, strings.Repeat(" ", width+2))
	}
}

// lines writes a paragraph of lines, each with prefix, wrapped under it.
func (t *termWriter) lines(prefix string, lines []string) {
	if len(lines) == 0 {
		return
	}
	t.blank()
	for _, l := range lines {
		t.wrap(l, prefix, "  ")
	}
}

// writeTable writes t into b; writing into a strings.Builder cannot fail.
func writeTable(b *strings.Builder, t *table) { _ = t.write(b) }

// ANSI colours of the level words: only the words are coloured, so the table stays
// readable when colours are lost.
var levelColors = map[compare.Level]string{
	compare.Pass:         "\x1b[32m", // green
	compare.Warn:         "\x1b[33m", // yellow
	compare.Fail:         "\x1b[31m", // red
	compare.Inconclusive: "\x1b[94m", // bright blue
	compare.Error:        "\x1b[35m", // magenta
}

const ansiReset = "\x1b[0m"

func paintLevel(word string, l compare.Level, color bool) string {
	c, ok := levelColors[l]
	if !color || !ok {
		return word
	}
	return c + word + ansiReset
}
