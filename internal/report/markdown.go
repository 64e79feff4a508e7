package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/stackgate/stackgate/internal/compare"
)

// DefaultMarkdownBytes is the size budget of a Markdown report: under GitHub's limit of
// 65 536 characters for a comment or a job summary, with room to spare.
const DefaultMarkdownBytes = 60000

// MarkdownOptions choose what goes around the verdict in a PR comment or job summary.
type MarkdownOptions struct {
	Marker   string   // hidden marker line put first, e.g. "<!-- stackgate:refstack -->" ("" = none)
	RunURL   string   // link to the workflow run (where the HTML report artifact is), "" = none
	MaxBytes int      // hard size budget (0 = DefaultMarkdownBytes; GitHub's limit is 65536)
	Notes    []string // extra lines shown under the verdict line (e.g. "this PR changes the baseline")
	// Chart adds a Mermaid chart of the key metric (MermaidChart), which GitHub renders; it is
	// the first thing left out when the size budget needs room.
	Chart bool
}

// Markdown renders v for a pull-request comment or a job summary: the verdict line, the
// notes, what was compared, a compact table of the gated metrics and of everything that did
// not pass, the reasons, every metric folded in <details>, why the sides are not comparable,
// the warnings, and the link to the run. Every string stackgate does not control is escaped
// (EscapeMarkdown). The result never exceeds the size budget: the details go first, then
// passing table rows from the bottom, the reasons, the warnings, the other rows from the
// bottom, and the rest; a line says how many rows were left out. The marker and the
// verdict line stay (cut only if they alone exceed the budget).
func Markdown(v *compare.Verdict, opt MarkdownOptions) string {
	budget := opt.MaxBytes
	if budget <= 0 {
		budget = DefaultMarkdownBytes
	}
	doc := markdownDoc(v, opt)
	doc.fit(budget)
	return cutToBudget(doc.String(), budget)
}

// levelEmoji marks the verdict line and the verdict cells.
var levelEmoji = map[compare.Level]string{
	compare.Pass:         "✅",
	compare.Warn:         "⚠️",
	compare.Fail:         "❌",
	compare.Inconclusive: "❔",
	compare.Error:        "💥",
}

func markdownDoc(v *compare.Verdict, opt MarkdownOptions) *mdDoc {
	rows := verdictRows(v)
	for i := range rows {
		rows[i].markdown = markdownCells(v, rows[i])
	}
	compact, _ := shownRows(rows, false)
	top := fixedBlock(markerLine(opt.Marker) + markdownVerdictLine(v))
	notes := listBlock("", bullets(opt.Notes), "notes")
	facts := optionalBlock(markdownFacts(v))
	var hint *mdBlock
	if v.Mode == "none" {
		hint = optionalBlock(noBaselineHint + "\n")
	}
	tbl := tableBlock(v, compact)
	reasons := listBlock("", reasonBullets(nonPassReasons(v)), "reasons")
	var chart *mdBlock
	if opt.Chart {
		chart = optionalBlock(MermaidChart(v))
	}
	details := optionalBlock(detailsSection(v, rows))
	notComparable := listBlock("**Not comparable**\n", bullets(v.NotComparable), "reasons")
	warnings := listBlock("**Warnings**\n", bullets(v.Warnings), "warnings")
	link := optionalBlock(runLink(opt.RunURL))
	return &mdDoc{
		blocks: []*mdBlock{top, notes, facts, hint, tbl, reasons, chart, details, notComparable, warnings, link},
		shrinks: []shrink{{chart, 0}, {details, 0}, {tbl, countNonPass(compact)}, {reasons, 0}, {warnings, 0}, {tbl, 0},
			{notComparable, 0}, {notes, 0}, {hint, 0}, {facts, 0}, {link, 0}},
	}
}

func countNonPass(rows []verdictRow) int {
	n := 0
	for _, r := range rows {
		if r.level != compare.Pass {
			n++
		}
	}
	return n
}

func markdownVerdictLine(v *compare.Verdict) string {
	line := fmt.Sprintf("%s **%s** · %s", levelEmoji[v.Level], strings.ToUpper(string(v.Level)), EscapeMarkdown(v.Suite))
	if v.Reason != "" {
		line += " — " + EscapeMarkdown(v.Reason)
	}
	return strings.TrimSpace(line) + "\n"
}

// markerLine is the hidden marker that finds the sticky comment again. It is used as given
// only if it is one well-formed HTML comment on one line (an HTML block, so "--" inside
// is fine); anything else is shown as text rather than allowed to open a comment that
// swallows the report, or to inject HTML.
func markerLine(marker string) string {
	if marker == "" {
		return ""
	}
	inner, ok := strings.CutPrefix(marker, "<!--")
	if ok {
		inner, ok = strings.CutSuffix(inner, "-->")
	}
	if !ok || strings.HasPrefix(inner, ">") || strings.HasPrefix(inner, "->") ||
		strings.Contains(inner, "-->") || strings.Contains(inner, "--!>") || strings.Contains(inner, "<!--") ||
		strings.IndexFunc(inner, isControl) >= 0 {
		return EscapeMarkdown(marker) + "\n"
	}
	return marker + "\n"
}

func markdownFacts(v *compare.Verdict) string {
	var parts []string
	for _, f := range comparedFacts(v) {
		parts = append(parts, "**"+f.label+"** "+EscapeMarkdown(f.text))
	}
	return strings.Join(parts, " · ") + "\n"
}

func markdownLevel(l compare.Level) string {
	word := levelWord(l)
	if word != string(l) {
		word = "**" + word + "**"
	}
	return strings.TrimSpace(levelEmoji[l] + " " + word)
}

func tableBlock(v *compare.Verdict, rows []verdictRow) *mdBlock {
	if len(rows) == 0 {
		return nil
	}
	header := "| scenario | metric | baseline | head | change | p | verdict |\n| :-- | :-- | --: | --: | --: | --: | :-- |\n"
	if v.Mode == "none" {
		header = "| scenario | metric | head |\n| :-- | :-- | --: |\n"
	}
	items := make([]string, len(rows))
	var failing, passing []int
	for i, r := range rows {
		items[i] = markdownRow(r, false)
		if r.level == compare.Pass {
			passing = append(passing, i)
		} else {
			failing = append(failing, i)
		}
	}
	// A line after a table would be read as one more row: a blank line ends the table.
	b := &mdBlock{head: header, items: items, keep: append(failing, passing...), omittedGap: "\n", omitted: func(n int) string {
		return "… " + plural(n, "more row", "more rows") + " omitted (see the full report)\n"
	}}
	b.keepAll()
	return b
}

// markdownCells are the cells of a row of the Markdown tables, reasons aside: rendered
// once, for the compact table and the details.
func markdownCells(v *compare.Verdict, r verdictRow) string {
	c := r.cells(EscapeMarkdown)
	if v.Mode == "none" {
		return "| " + c.scenario + " | " + c.metric + " | " + c.head + " |"
	}
	return "| " + strings.Join([]string{c.scenario, c.metric, c.baseline, c.head, c.change, c.p, markdownLevel(r.level)}, " | ") + " |"
}

func markdownRow(r verdictRow, withReason bool) string {
	if withReason {
		return r.markdown + " " + EscapeMarkdown(r.reason) + " |\n"
	}
	return r.markdown + "\n"
}

// detailsSection folds every metric with its reason, and the drift, into one <details>
// section: it is the first thing left out when the report is too large.
func detailsSection(v *compare.Verdict, rows []verdictRow) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<details><summary>All metrics</summary>\n\n")
	if v.Mode == "none" {
		b.WriteString("| scenario | metric | head | reason |\n| :-- | :-- | --: | :-- |\n")
	} else {
		b.WriteString("| scenario | metric | baseline | head | change | p | verdict | reason |\n| :-- | :-- | --: | --: | --: | --: | :-- | :-- |\n")
	}
	for _, r := range rows {
		b.WriteString(markdownRow(r, true))
	}
	if drift := driftLines(rows); len(drift) > 0 {
		b.WriteString("\n" + strings.Join(bullets(drift), ""))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func bullets(lines []string) []string {
	items := make([]string, len(lines))
	for i, l := range lines {
		items[i] = "- " + EscapeMarkdown(l) + "\n"
	}
	return items
}

func reasonBullets(reasons []reasonLine) []string {
	items := make([]string, len(reasons))
	for i, r := range reasons {
		items[i] = fmt.Sprintf("- %s · %s: %s\n", markdownLevel(r.level), EscapeMarkdown(r.scenario), EscapeMarkdown(r.text))
	}
	return items
}

// runLink points to the workflow run, where the workflow uploads the HTML report. Only an
// http(s) URL becomes a link; anything else is shown as text.
func runLink(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "Workflow run: " + EscapeMarkdown(raw) + "\n"
	}
	dest := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u.String())
	return "[Workflow run](" + dest + "): the full report is among its artifacts.\n"
}

// mdDoc is the Markdown body as blocks separated by blank lines.
type mdDoc struct {
	blocks  []*mdBlock
	shrinks []shrink // how the body shrinks to fit, step by step
}

// shrink is one step of fitting the body: drop items of a block until it keeps no more
// than downTo (or the body fits).
type shrink struct {
	block  *mdBlock
	downTo int
}

// fit shrinks the blocks step by step until the body fits in budget or nothing is left to drop.
func (d *mdDoc) fit(budget int) {
	for _, s := range d.shrinks {
		for s.block != nil && s.block.kept > s.downTo && d.size() > budget {
			s.block.dropLast()
		}
	}
}

func (d *mdDoc) size() int {
	n, blocks := 0, 0
	for _, b := range d.blocks {
		if s := b.size(); s > 0 {
			n += s
			blocks++
		}
	}
	return n + max(blocks-1, 0)
}

func (d *mdDoc) String() string {
	var parts []string
	for _, b := range d.blocks {
		if t := b.String(); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n")
}

// mdBlock is a part of the body: a fixed text, or a list of items (table rows, list lines,
// each ending in a line break) of which the least important can be left out, replaced by
// a line saying how many.
type mdBlock struct {
	head       string // before the items (a title, a table header); left out with the last item
	items      []string
	keep       []int // item indexes in the order they are kept: the last is dropped first
	kept       int   // keep[:kept] are shown
	keptBytes  int
	omitted    func(n int) string // the line standing for n items left out (nil = none)
	omittedGap string             // put before that line when items are shown
}

func fixedBlock(text string) *mdBlock { return &mdBlock{head: text} }

// optionalBlock is a text left out as a whole, without a trace, when the budget needs it.
func optionalBlock(text string) *mdBlock {
	if text == "" {
		return nil
	}
	return listBlock("", []string{text}, "")
}

// listBlock keeps its items from the top; what names what was left out ("" = say nothing).
// Without items it is nil: nothing, not even its head, is shown.
func listBlock(head string, items []string, what string) *mdBlock {
	if len(items) == 0 {
		return nil
	}
	b := &mdBlock{head: head, items: items, keep: make([]int, len(items))}
	for i := range items {
		b.keep[i] = i
	}
	if what != "" {
		b.omitted = func(n int) string { return fmt.Sprintf("- … %d more %s omitted (see the full report)\n", n, what) }
	}
	b.keepAll()
	return b
}

func (b *mdBlock) keepAll() {
	b.kept, b.keptBytes = len(b.keep), 0
	for _, i := range b.keep {
		b.keptBytes += len(b.items[i])
	}
}

func (b *mdBlock) dropLast() {
	b.kept--
	b.keptBytes -= len(b.items[b.keep[b.kept]])
}

func (b *mdBlock) omittedLine() string {
	if n := len(b.items) - b.kept; n > 0 && b.omitted != nil {
		return b.omitted(n)
	}
	return ""
}

func (b *mdBlock) size() int {
	switch {
	case b == nil:
		return 0
	case len(b.items) == 0:
		return len(b.head)
	case b.kept == 0:
		return len(b.omittedLine())
	}
	omitted := b.omittedLine()
	if omitted != "" {
		omitted = b.omittedGap + omitted
	}
	return len(b.head) + b.keptBytes + len(omitted)
}

func (b *mdBlock) String() string {
	switch {
	case b == nil:
		return ""
	case len(b.items) == 0:
		return b.head
	case b.kept == 0:
		return b.omittedLine()
	}
	shown := make([]bool, len(b.items))
	for _, i := range b.keep[:b.kept] {
		shown[i] = true
	}
	var s strings.Builder
	s.WriteString(b.head)
	for i, item := range b.items {
		if shown[i] {
			s.WriteString(item)
		}
	}
	if omitted := b.omittedLine(); omitted != "" {
		s.WriteString(b.omittedGap + omitted)
	}
	return s.String()
}

// cutMark ends a body that had to be cut short.
const cutMark = "\n…\n"

// cutToBudget is the last resort when even the parts that are never dropped (marker,
// verdict line, facts) exceed the budget: it cuts s to at most budget bytes, never inside
// a UTF-8 sequence or a character reference.
func cutToBudget(s string, budget int) string {
	if len(s) <= budget {
		return s
	}
	mark := cutMark
	if budget < len(mark) {
		mark = ""
	}
	n := budget - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if amp := strings.LastIndexByte(s[:n], '&'); amp >= 0 && !strings.Contains(s[amp:n], ";") {
		n = amp
	}
	return s[:n] + mark
}
