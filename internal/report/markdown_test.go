package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stackgate/stackgate/internal/compare"
)

const testMarker = "<!-- stackgate:refstack -->"

// markdownCases are the PR comments of every verdict, as the Action posts them (with the
// overview charts), and of an accepted regression.
func markdownCases() []markdownCase {
	var cases []markdownCase
	for _, c := range verdictCases {
		opt := MarkdownOptions{Marker: testMarker, RunURL: "https://github.com/acme/shop/actions/runs/123456789", Chart: true}
		if c.name == "fail" {
			opt.Notes = []string{"this PR changes baselines/lab-1/refstack.json: the gate used the base branch's baseline"}
		}
		cases = append(cases, markdownCase{c.name, c.verdict(), opt})
	}
	accepted := MarkdownOptions{Marker: testMarker, Chart: true, Accepted: &Acceptance{Label: "stackgate: accept-regression", By: "octocat"}}
	cases = append(cases, markdownCase{"accepted", failingVerdict(), accepted})
	unknown := accepted
	unknown.Accepted = &Acceptance{Label: "perf-ok"}
	return append(cases, markdownCase{"accepted_by_unknown", warnVerdict(), unknown})
}

type markdownCase struct {
	name    string
	verdict *compare.Verdict
	opt     MarkdownOptions
}

func TestMarkdown(t *testing.T) {
	for _, c := range markdownCases() {
		t.Run(c.name, func(t *testing.T) {
			got := Markdown(c.verdict, c.opt)
			golden(t, "markdown_"+c.name+".golden", []byte(got))
			if !strings.HasPrefix(got, testMarker+"\n") {
				t.Errorf("the marker is not the first line:\n%s", got)
			}
		})
	}
}

// The comment leads with the verdict: a pass is one line and the rest folded; anything
// else a heading, then what did not pass, worst first, and no reason twice.
func TestMarkdownLeadsWithTheVerdict(t *testing.T) {
	for _, c := range markdownCases() {
		t.Run(c.name, func(t *testing.T) {
			got := Markdown(c.verdict, c.opt)
			lines := strings.Split(strings.TrimPrefix(got, testMarker+"\n"), "\n")
			switch {
			case c.opt.Accepted != nil:
				if !strings.HasPrefix(lines[0], "### 🏷️ ACCEPTED · refstack — regression accepted with the label “"+c.opt.Accepted.Label+"”") ||
					strings.Contains(lines[0], "FAIL") || strings.Contains(lines[0], "WARN") {
					t.Errorf("an accepted regression leads with %q", lines[0])
				}
				if by := c.opt.Accepted.By; by != "" && !strings.Contains(lines[0], "by @"+by) {
					t.Errorf("who accepted it is not named: %q", lines[0])
				}
			case c.verdict.Level == compare.Pass:
				if !strings.HasPrefix(lines[0], "✅ **PASS** · refstack — ") || lines[1] != "" || !strings.HasPrefix(lines[2], "<details><summary>") {
					t.Errorf("a pass is not one line and a folded rest:\n%s", got)
				}
			default:
				if want := "### " + levelEmoji[c.verdict.Level] + " " + strings.ToUpper(string(c.verdict.Level)) + " · refstack — "; !strings.HasPrefix(lines[0], want) {
					t.Errorf("the first line is %q, want it to start with %q", lines[0], want)
				}
			}
			// No reason is printed twice: every "why" of the findings appears once per row.
			rows := map[string]int{}
			for _, r := range attentionRows(c.verdict) {
				rows[EscapeMarkdown(r.why())]++
			}
			for why, n := range rows {
				if len(why) > 12 && strings.Count(got, why) != n {
					t.Errorf("%q appears %d times for %d findings", why, strings.Count(got, why), n)
				}
			}
		})
	}
}

// ourTags are the only HTML the Markdown renderer writes itself.
var ourTags = regexp.MustCompile(`<!-- stackgate:[a-z]+ -->|</?details>|</?summary>`)

// User-controlled strings cannot inject HTML, break a table row or start Markdown markup.
func TestMarkdownEscapesUserStrings(t *testing.T) {
	hostile := []string{
		"<img src=x onerror=alert(1)>", "a|b", "**x**", "<script>alert(1)</script>",
		"line\nbreak | </details>", "[link](javascript:alert(1))", "`code`",
	}
	v := failingVerdict()
	v.Suite = hostile[0]
	v.Reason = hostile[1] + " " + hostile[4]
	v.Baseline.Revision = hostile[3]
	for i := range v.Scenarios {
		v.Scenarios[i].Name = hostile[i]
		v.Scenarios[i].Reason = hostile[i+3]
		for j := range v.Scenarios[i].Metrics {
			v.Scenarios[i].Metrics[j].Reason = hostile[(i+j)%len(hostile)]
		}
	}
	v.Scenarios[1].Metrics[4].Metric = "p|99"
	v.Warnings = hostile
	v.NotComparable = hostile
	got := Markdown(v, MarkdownOptions{Marker: testMarker, Notes: hostile})

	if rest := ourTags.ReplaceAllString(got, ""); strings.Contains(rest, "<") {
		t.Errorf("raw '<' outside the renderer's own tags:\n%s", got)
	}
	for _, bad := range []string{"**x**", "`code`", "[link]"} {
		if strings.Contains(got, bad) {
			t.Errorf("markup %q survived:\n%s", bad, got)
		}
	}
	rows := 0
	for _, line := range strings.Split(got, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		rows++
		if n := strings.Count(line, "|"); n != 8 && n != 9 {
			t.Errorf("table row with %d cell separators (want 8 or 9): %s", n, line)
		}
	}
	if rows == 0 {
		t.Errorf("no table in:\n%s", got)
	}
	if got := strings.Count(got, "<details>"); got != 1 {
		t.Errorf("%d <details> opened, want 1", got)
	}
}

// manyScenarios is a verdict of n scenarios of four metrics each; every failEvery-th
// scenario fails on p99.
func manyScenarios(n, failEvery int) *compare.Verdict {
	v := failingVerdict()
	v.Scenarios = nil
	for i := range n {
		p99 := mv("p99", compare.Pass, sum(10, 4.12, 0.06), sum(10, 4.15, 0.05), 0.4, "p99 +0.7 % (p=0.4)")
		level := compare.Pass
		if i%failEvery == failEvery-1 {
			level = compare.Fail
			p99 = mv("p99", compare.Fail, sum(10, 4.12, 0.06), sum(10, 4.87, 0.04), 0.0004, "p99 +18.2 % (p=0.0004, fail tolerance 10 %)")
		}
		v.Scenarios = append(v.Scenarios, compare.ScenarioVerdict{
			Name: fmt.Sprintf("endpoint-%04d", i), Level: level, Reason: p99.Reason,
			Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Pass, sum(10, 9850, 0.011), sum(10, 9790, 0.01), 0.64, "throughput −0.6 % (p=0.64)"),
				mv("error_rate", compare.Pass, compare.Summary{N: 10}, compare.Summary{N: 10}, 1, "error_rate +0.00 pt (p=1)"),
				mv("p50", compare.Pass, sum(10, 0.91, 0.04), sum(10, 0.93, 0.03), 0.19, "p50 +2.2 % (p=0.19)"),
				p99,
			},
		})
	}
	v.Gated = 3 * n
	return v
}

var (
	findingRow = regexp.MustCompile(`(?m)^\| ❌ \*\*FAIL\*\* \| endpoint-\d+ \| p99 \|`)
	detailRow  = regexp.MustCompile(`(?m)^\| endpoint-\d+ \| [^|]+ \| `)
)

// A verdict of 2 000 scenarios fits any budget: the marker and the verdict line stay, the
// full table's rows go first, then the chart and the findings' rows, and a line says how
// many rows were left out.
func TestMarkdownSizeBudget(t *testing.T) {
	v := manyScenarios(2000, 250) // 8 failing scenarios among 8 000 rows
	const findings, rows = 8, 8000
	head := testMarker + "\n" + markdownVerdictLine(v, attentionRows(v), nil)
	if full := Markdown(v, MarkdownOptions{Marker: testMarker, MaxBytes: 1 << 30, Chart: true}); !strings.Contains(full, "```mermaid") ||
		len(detailRow.FindAllString(full, -1)) != rows || strings.Contains(full, "omitted") {
		t.Error("with room to spare, nothing must be left out")
	}
	var sweep []int // growing budgets: the rows kept never decrease
	for b := len(head) + 60; b < 70000; b += 4999 {
		sweep = append(sweep, b)
	}
	lastRows := 0
	for i, budget := range append(sweep, 0, 65536, 4000, 1800, 1300) {
		got := Markdown(v, MarkdownOptions{Marker: testMarker, MaxBytes: budget, Chart: true})
		if budget == 0 {
			budget = DefaultMarkdownBytes
		}
		failing := len(findingRow.FindAllString(got, -1))
		detail := len(detailRow.FindAllString(got, -1))
		switch {
		case len(got) > budget:
			t.Errorf("budget %d: %d bytes", budget, len(got))
		case !strings.HasPrefix(got, head):
			t.Errorf("budget %d: marker and verdict line not first:\n%.300s", budget, got)
		case detail > 0 && (failing < findings || !strings.Contains(got, "```mermaid")):
			t.Errorf("budget %d: rows of the full table kept before the findings (%d) or the chart", budget, failing)
		case detail > 0 && !strings.Contains(got, fmt.Sprintf("… %d more rows omitted (see the full report)", rows-detail)):
			t.Errorf("budget %d: no line says how many rows were omitted:\n%.3000s", budget, got)
		case failing < findings && !strings.Contains(got, fmt.Sprintf("… %d more findings omitted (see the full report)", findings-failing)):
			t.Errorf("budget %d: no line says how many findings were omitted:\n%.3000s", budget, got)
		case !utf8.ValidString(got):
			t.Errorf("budget %d: invalid UTF-8", budget)
		}
		if i < len(sweep) {
			if failing+detail < lastRows {
				t.Errorf("budget %d: fewer rows (%d) than with a smaller budget (%d)", budget, failing+detail, lastRows)
			}
			lastRows = failing + detail
		}
	}
	if got := Markdown(v, MarkdownOptions{Marker: testMarker}); len(detailRow.FindAllString(got, -1)) < 100 {
		t.Errorf("the default budget keeps too few rows:\n%.1000s", got)
	}
	if got := Markdown(v, MarkdownOptions{Marker: testMarker, MaxBytes: 1800}); len(findingRow.FindAllString(got, -1)) != findings {
		t.Errorf("a budget of 1800 bytes has room for the 8 findings:\n%s", got)
	}
}

// The omitted rows are the bottom passing ones: the rows kept are the first ones.
func TestMarkdownDropsRowsFromTheBottom(t *testing.T) {
	v := manyScenarios(200, 1000) // no failing scenario
	got := Markdown(v, MarkdownOptions{MaxBytes: 6000})
	if !strings.Contains(got, "| endpoint-0000 | throughput |") {
		t.Errorf("the first row was dropped:\n%s", got)
	}
	if strings.Contains(got, "| endpoint-0199 |") {
		t.Errorf("the last row was kept:\n%s", got)
	}
}

// When even the parts that are never dropped exceed the budget, the body is cut, still
// within budget, valid UTF-8, and not inside a character reference.
func TestMarkdownCutsWhatCannotBeDropped(t *testing.T) {
	v := errorVerdict()
	v.Reason = strings.Repeat("<é|> ", 5000)
	for _, budget := range []int{1, 3, 10, 100, 1000, 4097} {
		got := Markdown(v, MarkdownOptions{Marker: testMarker, MaxBytes: budget})
		if len(got) > budget {
			t.Errorf("budget %d: %d bytes", budget, len(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("budget %d: invalid UTF-8: %q", budget, got)
		}
		if amp := strings.LastIndexByte(got, '&'); amp >= 0 && !strings.Contains(got[amp:], ";") {
			t.Errorf("budget %d: cut inside a character reference: %q", budget, got[max(0, amp-10):])
		}
		if budget >= 100 && !strings.HasPrefix(got, testMarker+"\n### 💥 ERROR") {
			t.Errorf("budget %d: marker and verdict line lost: %q", budget, got)
		}
	}
}

func TestMarkerLine(t *testing.T) {
	cases := []struct {
		marker, want string
	}{
		{"", ""},
		{testMarker, testMarker + "\n"},
		{"<!-- stackgate:a.b_c--d -->", "<!-- stackgate:a.b_c--d -->\n"},
		{"<!-- a --!> <b>x</b> -->", "&lt;!-- a --!&gt; &lt;b&gt;x&lt;/b&gt; --&gt;\n"},
		{"<!-- x --> <script>alert(1)</script> <!-- -->", "&lt;!-- x --&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;!-- --&gt;\n"},
		{"<!-- x\n<b>y</b> -->", "&lt;!-- x &lt;b&gt;y&lt;/b&gt; --&gt;\n"},
		{"<!-->", "&lt;!--&gt;\n"},
		{"<!-- never closed", "&lt;!-- never closed\n"},
		{"stackgate:refstack", "stackgate:refstack\n"},
	}
	for _, c := range cases {
		if got := markerLine(c.marker); got != c.want {
			t.Errorf("markerLine(%q) = %q, want %q", c.marker, got, c.want)
		}
	}
}

func TestRunLink(t *testing.T) {
	cases := []struct {
		url, want string
	}{
		{"", ""},
		{"https://github.com/acme/shop/actions/runs/1", "[Workflow run](https://github.com/acme/shop/actions/runs/1): the full report is among its artifacts.\n"},
		{"https://ghe.example/a/b/actions/runs/1?x=(y) z", "[Workflow run](https://ghe.example/a/b/actions/runs/1?x=%28y%29%20z): the full report is among its artifacts.\n"},
		{"javascript:alert(1)", "Workflow run: javascript:alert(1)\n"},
		{"not a [url]", "Workflow run: not a &#91;url&#93;\n"},
	}
	for _, c := range cases {
		if got := runLink(c.url); got != c.want {
			t.Errorf("runLink(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}

// A verdict without scenarios (the suite stopped before measuring) renders its verdict line
// and no empty tables.
func TestMarkdownWithoutScenarios(t *testing.T) {
	v := errorVerdict()
	v.Scenarios = nil
	got := Markdown(v, MarkdownOptions{})
	if strings.Contains(got, "|") || strings.Contains(got, "<details>") {
		t.Errorf("empty table rendered:\n%s", got)
	}
	if !strings.HasPrefix(got, "### 💥 ERROR · refstack — update could not be measured") {
		t.Errorf("verdict line missing:\n%s", got)
	}
	var b strings.Builder
	if err := Terminal(&b, v, TerminalOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "scenario  metric") {
		t.Errorf("empty table rendered:\n%s", b.String())
	}
}
