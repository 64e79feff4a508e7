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
	// Chart adds the overview charts (MermaidChart), which GitHub renders, under the
	// findings; they are among the first things left out when the size budget needs room.
	Chart bool
	// Accepted is set when a label accepted the regression: the verdict line then says
	// ACCEPTED, with the label and who applied it, instead of FAIL or WARN.
	Accepted *Acceptance
}

// Acceptance is a regression accepted by a label on the pull request.
type Acceptance struct {
	Label string
	By    string // the login of who applied it, "" when unknown
}

// Markdown renders v for a pull-request comment or a job summary, most important first.
// A pass is one line, with everything else folded in <details>. Otherwise: the verdict
// line as a heading (the worst finding and how many more), the notes, a table of what did
// not pass, worst first, with why; the overview charts; the significant changes that did
// not decide the verdict ("also changed"); why the sides are not comparable; the warnings;
// then, folded, what was compared and the table of every metric. No reason is given twice.
// Every string stackgate does not control is escaped (EscapeMarkdown). The result never
// exceeds the size budget: the full table's rows go first (from the bottom), then the
// charts, the "also changed" rows, the warnings, the findings' rows (from the bottom, a
// line says how many were left out) and the rest; the marker and the verdict line stay
// (cut only if they alone exceed the budget).
func Markdown(v *compare.Verdict, opt MarkdownOptions) string {
	budget := opt.MaxBytes
	if budget <= 0 {
		budget = DefaultMarkdownBytes
	}
	doc := markdownDoc(v, opt)
	doc.fit(budget)
	return cutToBudget(doc.String(), budget)
}

// levelEmoji marks the verdict line and the table cells: each legible on white and on
// GitHub's dark background.
var levelEmoji = map[compare.Level]string{
	compare.Pass:         "✅",
	compare.Warn:         "⚠️",
	compare.Fail:         "❌",
	compare.Inconclusive: "🔷",
	compare.Error:        "💥",
}

// acceptedEmoji marks a regression accepted by a label.
const acceptedEmoji = "🏷️"

func markdownDoc(v *compare.Verdict, opt MarkdownOptions) *mdDoc {
	attention := attentionRows(v)
	quiet := v.Level == compare.Pass && opt.Accepted == nil // one line; the rest folded
	top := fixedBlock(markerLine(opt.Marker) + markdownVerdictLine(v, attention, opt.Accepted) + errorQuote(v, attention))
	notes := listBlock("", bullets(opt.Notes), "notes")
	var hint *mdBlock
	if showsHint(v) {
		hint = optionalBlock(noBaselineHint + "\n") // stackgate's own words, with code spans
	}
	findings := findingsBlock(attention)
	var chart *mdBlock
	if opt.Chart {
		chart = optionalBlock(MermaidChart(v))
	}
	also := alsoChangedBlock(v, alsoChangedRows(v))
	notComparable := listBlock("**Not comparable**\n", bullets(v.NotComparable), "reasons")
	warnings := listBlock("**Warnings**\n", bullets(v.Warnings), "warnings")
	rows := verdictRows(v)
	link := optionalBlock(runLink(opt.RunURL))
	var details *mdBlock
	blocks := []*mdBlock{top, notes, hint, findings, chart, also, notComparable, warnings}
	if quiet {
		// Everything but the verdict line is folded: what was compared, what changed
		// besides, the warnings, the table, the link.
		details = detailsBlock(v, rows, passSummary(rows, also, warnings), []*mdBlock{also, warnings}, link)
		blocks = []*mdBlock{top, notes, details}
		also, warnings, link = nil, nil, nil
	} else {
		details = detailsBlock(v, rows, "All "+plural(len(rows), "metric", "metrics")+" · what was compared", nil, nil)
		blocks = append(blocks, details, link)
	}
	return &mdDoc{
		blocks: blocks,
		shrinks: []shrink{{details, 0}, {chart, 0}, {also, 0}, {warnings, 0}, {findings, 0},
			{notComparable, 0}, {notes, 0}, {hint, 0}, {link, 0}},
	}
}

// markdownVerdictLine is the first thing a reader sees: a heading with the level and the
// headline unless the verdict passed, when it is one quiet line.
func markdownVerdictLine(v *compare.Verdict, rows []verdictRow, acc *Acceptance) string {
	text := EscapeMarkdown(headline(v, rows))
	suite := EscapeMarkdown(v.Suite)
	switch {
	case acc != nil:
		by := "by someone the GitHub API did not name"
		if acc.By != "" {
			by = "by @" + EscapeMarkdown(acc.By)
		}
		return fmt.Sprintf("### %s ACCEPTED · %s — regression accepted with the label “%s” %s: %s\n",
			acceptedEmoji, suite, EscapeMarkdown(acc.Label), by, text)
	case v.Level == compare.Pass:
		return strings.TrimSpace(fmt.Sprintf("%s **PASS** · %s — %s", levelEmoji[v.Level], suite, text)) + "\n"
	}
	return strings.TrimSpace(fmt.Sprintf("### %s %s · %s — %s", levelEmoji[v.Level], strings.ToUpper(string(v.Level)), suite, text)) + "\n"
}

// errorQuote quotes what an error's reason says beyond its first line (a process's log),
// line by line, when no row of the findings carries it.
func errorQuote(v *compare.Verdict, rows []verdictRow) string {
	d := errorDetail(v)
	if d == "" || (len(rows) > 0 && rows[0].level == compare.Error) {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, line := range strings.Split(d, "\n") {
		b.WriteString("> " + EscapeMarkdown(strings.TrimSpace(line)) + "\n")
	}
	return b.String()
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

// markdownLevel is a level in a table cell: its mark, and its word in bold when it needs
// action.
func markdownLevel(l compare.Level) string {
	word := levelWord(l)
	if word != string(l) {
		word = "**" + word + "**"
	}
	return strings.TrimSpace(levelEmoji[l] + " " + word)
}

// findingsBlock is the table of what did not pass, worst first: the cells show the
// numbers, "why" the rest of the reason.
func findingsBlock(rows []verdictRow) *mdBlock {
	if len(rows) == 0 {
		return nil
	}
	items := make([]string, len(rows))
	for i, r := range rows {
		c := r.cells()
		items[i] = "| " + strings.Join([]string{markdownLevel(r.level), EscapeMarkdown(c.scenario), EscapeMarkdown(c.metric),
			EscapeMarkdown(c.baseline), EscapeMarkdown(c.head), EscapeMarkdown(c.change), EscapeMarkdown(r.why())}, " | ") + " |\n"
	}
	return tableRowsBlock("| | scenario | metric | baseline | head | change | why |\n| :-- | :-- | :-- | --: | --: | --: | :-- |\n", items, "", "finding", "findings")
}

// alsoChangedBlock is the table of significant changes that did not decide the verdict.
func alsoChangedBlock(v *compare.Verdict, rows []verdictRow) *mdBlock {
	if len(rows) == 0 {
		return nil
	}
	items := make([]string, len(rows))
	for i, r := range rows {
		c := r.cells()
		items[i] = "| " + strings.Join([]string{EscapeMarkdown(c.scenario), EscapeMarkdown(c.metric), EscapeMarkdown(c.baseline),
			EscapeMarkdown(c.head), EscapeMarkdown(c.change), EscapeMarkdown(c.p), changeKind(r.metric)}, " | ") + " |\n"
	}
	head := "**Also changed** (significant, but not what decided the verdict)\n\n" +
		"| scenario | metric | " + baseName(v) + " | head | change | p | |\n| :-- | :-- | --: | --: | --: | --: | :-- |\n"
	return tableRowsBlock(head, items, "", "change", "changes")
}

// tableRowsBlock is a table whose rows are left out from the bottom when the budget needs
// it, a line saying how many; tail closes it.
func tableRowsBlock(head string, items []string, tail, one, many string) *mdBlock {
	b := &mdBlock{head: head, items: items, tail: tail, omittedGap: "\n", omitted: func(n int) string {
		return "… " + plural(n, "more "+one, "more "+many) + " omitted (see the full report)\n"
	}}
	b.keep = make([]int, len(items))
	for i := range items {
		b.keep[i] = i
	}
	b.keepAll()
	return b
}

// detailsBlock folds what was compared and the table of every metric, and for a pass also
// what changed besides and the warnings (before, above the table) and the link (after).
func detailsBlock(v *compare.Verdict, rows []verdictRow, summary string, before []*mdBlock, after *mdBlock) *mdBlock {
	if len(rows) == 0 && v.Level != compare.Pass {
		return nil
	}
	var head strings.Builder
	head.WriteString("<details><summary>" + EscapeMarkdown(summary) + "</summary>\n\n")
	head.WriteString(markdownFacts(v) + "\n")
	for _, b := range before {
		if t := b.String(); t != "" {
			head.WriteString(t + "\n")
		}
	}
	var tail strings.Builder
	if drift := driftLines(rows); len(drift) > 0 {
		tail.WriteString("\n" + strings.Join(bullets(drift), ""))
	}
	if t := after.String(); t != "" {
		tail.WriteString("\n" + t)
	}
	tail.WriteString("\n</details>\n")
	if len(rows) == 0 {
		return &mdBlock{head: head.String() + tail.String()}
	}
	if v.Mode == compare.ModeNone {
		head.WriteString("| scenario | metric | head | cv |\n| :-- | :-- | --: | --: |\n")
	} else {
		head.WriteString("| scenario | metric | " + baseName(v) + " | head | change | p | verdict |\n| :-- | :-- | --: | --: | --: | --: | :-- |\n")
	}
	items := make([]string, len(rows))
	for i, r := range rows {
		c := r.cells()
		cells := []string{c.scenario, c.metric, c.head, c.cv}
		if v.Mode != compare.ModeNone {
			cells = []string{c.scenario, c.metric, c.baseline, c.head, c.change, c.p}
		}
		for j := range cells {
			cells[j] = EscapeMarkdown(cells[j])
		}
		if v.Mode != compare.ModeNone {
			cells = append(cells, markdownLevel(r.level))
		}
		items[i] = "| " + strings.Join(cells, " | ") + " |\n"
	}
	b := tableRowsBlock(head.String(), items, tail.String(), "row", "rows")
	b.vanish = true
	return b
}

// passSummary is the folded part's title for a pass: what it holds.
func passSummary(rows []verdictRow, also, warnings *mdBlock) string {
	parts := []string{"Details: " + plural(len(rows), "metric", "metrics")}
	if also != nil {
		parts = append(parts, plural(len(also.items), "significant change", "significant changes"))
	}
	if warnings != nil {
		parts = append(parts, plural(len(warnings.items), "warning", "warnings"))
	}
	return strings.Join(parts, " · ")
}

func bullets(lines []string) []string {
	items := make([]string, len(lines))
	for i, l := range lines {
		items[i] = "- " + EscapeMarkdown(l) + "\n"
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
	tail       string // after the items (closing a <details>); left out with the head
	vanish     bool   // without items left, show nothing, not even the line saying so
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
		return len(b.head) + len(b.tail)
	case b.kept == 0 && b.vanish:
		return 0
	case b.kept == 0:
		return len(b.omittedLine())
	}
	omitted := b.omittedLine()
	if omitted != "" {
		omitted = b.omittedGap + omitted
	}
	return len(b.head) + b.keptBytes + len(omitted) + len(b.tail)
}

func (b *mdBlock) String() string {
	switch {
	case b == nil:
		return ""
	case len(b.items) == 0:
		return b.head + b.tail
	case b.kept == 0 && b.vanish:
		return ""
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
	s.WriteString(b.tail)
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
