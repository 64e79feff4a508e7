package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
)

// The PR comment's charts are checked as GitHub shows them: rendered by npm's mermaid
// package in headless Chromium, offline, from the node_modules that .ci/run installs
// (a pinned version, into .cache/npm at the repository's root; STACKGATE_MERMAID may name
// another mermaid.min.js). Without it the test skips, except under CI=true.

// mermaidBundle is where .ci/run installs mermaid, from this package's directory.
const mermaidBundle = "../../.cache/npm/node_modules/mermaid/dist/mermaid.min.js"

func findMermaid(t *testing.T) string {
	t.Helper()
	path := mermaidBundle
	if p := os.Getenv("STACKGATE_MERMAID"); p != "" {
		path = p
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		msg := "npm's mermaid is not installed (" + path + "): run `npm install --prefix .cache/npm --no-save mermaid@11.4.1` at the repository's root, as .ci/run does, to render the PR comment's charts"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return abs
}

// renderedChart is what the page finds in one rendered chart.
type renderedChart struct {
	Error  string
	Title  string
	Labels []string // the categories, top to bottom
	Zero   float64  // x of the line at 0
	Bars   []renderedBar
}

// renderedBar is a rect of a bar series: Mermaid draws every bar from the axis' low end,
// those of no length too (a few pixels), which the mask series covers.
type renderedBar struct {
	Series  int
	Fill    string
	X, W, Y float64
}

// mermaidPage renders every source with mermaid and writes what it finds into the page.
const mermaidPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mermaid</title></head>
<body style="margin:0; background:#fff">
<div id="charts" style="width:760px"></div>
<script type="application/json" id="sources">SOURCES</script>
<script src="BUNDLE"></script>
<script>
(async () => {
  const results = [];
  try {
    mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
    const sources = JSON.parse(document.getElementById("sources").textContent);
    for (let i = 0; i < sources.length; i++) {
      const r = {Labels: [], Bars: []};
      try {
        const {svg} = await mermaid.render("chart" + i, sources[i]);
        const div = document.createElement("div");
        div.innerHTML = svg;
        document.getElementById("charts").appendChild(div);
        const s = div.querySelector("svg");
        r.Title = [...s.querySelectorAll("g.chart-title text")].map(e => e.textContent).join(" ");
        r.Labels = [...s.querySelectorAll("g.left-axis g.label text")].map(e => e.textContent);
        const zero = s.querySelector("g.line-plot-7 path");
        r.Zero = zero ? parseFloat(zero.getAttribute("d").slice(1)) : -1;
        for (const g of s.querySelectorAll("g[class^=bar-plot-]")) {
          const series = parseInt(g.getAttribute("class").slice(9));
          for (const b of g.querySelectorAll("rect")) {
            const w = parseFloat(b.getAttribute("width"));
            r.Bars.push({Series: series, Fill: b.getAttribute("fill"), X: parseFloat(b.getAttribute("x")), W: w, Y: parseFloat(b.getAttribute("y"))});
          }
        }
      } catch (e) {
        r.Error = String(e && e.message || e);
      }
      results.push(r);
    }
  } catch (e) {
    results.push({Error: "page: " + String(e)});
  }
  const out = document.createElement("pre");
  out.id = "stackgate-mermaid";
  out.textContent = JSON.stringify(results);
  document.body.appendChild(out);
})();
</script>
</body></html>
`

var mermaidBlock = regexp.MustCompile("(?s)```mermaid\n(.*?)```\n")

// renderMermaid renders the Mermaid sources in Chromium, one page for all, and saves a
// screenshot of them as shot (in the temporary directory, for people to look at) unless
// shot is "".
func renderMermaid(t *testing.T, browser, bundle string, sources []string, shot string) []renderedChart {
	t.Helper()
	data, err := json.Marshal(sources) // escapes <, > and & as \u003c…: no "</script>" inside
	if err != nil {
		t.Fatal(err)
	}
	html := strings.Replace(strings.Replace(mermaidPage, "SOURCES", string(data), 1), "BUNDLE", "file://"+bundle, 1)
	page := filepath.Join(t.TempDir(), "mermaid.html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	if shot != "" {
		path := filepath.Join(t.TempDir(), "shot.png")
		screenshot(t, browser, page, path, 800, 440*len(sources), "--virtual-time-budget=20000")
		keep(t, path, shot)
		return nil
	}
	dom, log := chromium(t, browser, page, "--dump-dom", "--virtual-time-budget=60000", "--window-size=800,900")
	var charts []renderedChart
	if err := json.Unmarshal([]byte(domText(t, dom, "stackgate-mermaid", log)), &charts); err != nil {
		t.Fatalf("reading what mermaid rendered: %v", err)
	}
	return charts
}

// mermaidSources are the Mermaid blocks of a Markdown text.
func mermaidSources(markdown string) []string {
	var sources []string
	for _, m := range mermaidBlock.FindAllStringSubmatch(markdown, -1) {
		sources = append(sources, m[1])
	}
	return sources
}

// Every chart of every comment renders; its bars run from 0 in their level's colour, one
// per scenario charted, each labelled with the scenario and its change. All charts are
// rendered in one page, to start the browser once.
func TestMermaidInBrowser(t *testing.T) {
	browser := findBrowser(t)
	bundle := findMermaid(t)
	cases := append(markdownCases(), markdownCase{"hostile names", hostileChartVerdict(), MarkdownOptions{Chart: true}},
		markdownCase{"p99 only", p99OnlyVerdict(), MarkdownOptions{Chart: true}})
	var sources, shown []string
	var wants []changeChart
	var names []string
	for _, c := range cases {
		src := mermaidSources(Markdown(c.verdict, c.opt))
		want := changeCharts(c.verdict)
		if len(src) != len(want) {
			t.Errorf("%s: %d Mermaid blocks for %d charts", c.name, len(src), len(want))
			continue
		}
		sources, wants = append(sources, src...), append(wants, want...)
		for range src {
			names = append(names, c.name)
		}
		if c.name == "fail" || c.name == "100_scenarios" || c.name == "hostile names" {
			shown = append(shown, src...)
		}
	}
	got := renderMermaid(t, browser, bundle, sources, "")
	if len(got) != len(sources) {
		t.Fatalf("%d charts rendered of %d", len(got), len(sources))
	}
	for i := range wants {
		t.Run(names[i]+" "+wants[i].metric, func(t *testing.T) { checkRenderedChart(t, &wants[i], got[i]) })
	}
	renderMermaid(t, browser, bundle, shown, "stackgate-mermaid-screenshot.png")
}

func checkRenderedChart(t *testing.T, want *changeChart, got renderedChart) {
	t.Helper()
	if got.Error != "" {
		t.Fatalf("mermaid could not render the %s chart: %s", want.metric, got.Error)
	}
	if !strings.HasPrefix(got.Title, want.metric+": change of head against the "+want.base) {
		t.Errorf("title %q", got.Title)
	}
	var labels []string
	for _, l := range got.Labels {
		if strings.TrimSpace(l) != "" {
			labels = append(labels, l)
		}
	}
	if len(labels) != len(want.bars) {
		t.Fatalf("%s: %d labels %q, want %d", want.metric, len(labels), labels, len(want.bars))
	}
	nonzero := 0
	for i, b := range want.bars {
		if !strings.Contains(labels[i], strings.TrimSuffix(mermaidName(b.scenario), "…")[:min(8, len(mermaidName(b.scenario)))]) ||
			!strings.HasSuffix(labels[i], mermaidText(b.label)) {
			t.Errorf("%s: label %d is %q, want the scenario %q and %q", want.metric, i, labels[i], b.scenario, b.label)
		}
		if math.Abs(b.value) > 1e-9 {
			nonzero++
		}
	}
	// What shows of a bar is what the mask of its row, drawn over it, leaves.
	maskEnd := map[float64]float64{}
	for _, bar := range got.Bars {
		if bar.Series == maskSeries {
			maskEnd[bar.Y] = bar.X + bar.W
		}
	}
	visible := 0
	for _, bar := range got.Bars {
		end, ok := maskEnd[bar.Y]
		if bar.Series == maskSeries || !ok || bar.X+bar.W-math.Max(bar.X, end) < 0.5 {
			continue
		}
		visible++
		if bar.Fill != mermaidSeries[bar.Series].colour {
			t.Errorf("%s: a bar of series %d in %s", want.metric, bar.Series, bar.Fill)
		}
		// From 0 to the value: right of 0, the mask ends at 0; left of it, the bar does.
		if left, right := math.Max(bar.X, end), bar.X+bar.W; math.Abs(left-got.Zero) > 1.5 && math.Abs(right-got.Zero) > 1.5 {
			t.Errorf("%s: a bar from x=%.1f to %.1f does not start at 0 (x=%.1f)", want.metric, left, right, got.Zero)
		}
	}
	if visible != nonzero {
		t.Errorf("%s: %d bars show, want %d", want.metric, visible, nonzero)
	}
}

// hostileChartVerdict has scenario names that could break a Mermaid string or the code
// fence around it.
func hostileChartVerdict() *compare.Verdict {
	v := manyScenarios(6, 1)
	for i, name := range []string{`a"b`, "```\nx", "#35; %% comment", "<b>bold</b> & [x]", "GET /users/{id}?q=1;x", "très long scénario — 名前 ✓ " + strings.Repeat("x", 40)} {
		v.Scenarios[i].Name = name
	}
	return v
}

// p99OnlyVerdict fails on p99 while throughput did not move: the chart shows p99.
func p99OnlyVerdict() *compare.Verdict {
	v := manyScenarios(3, 3)
	return v
}

// The chart's text is safe whatever the names: no quote ends a string early, no line ends
// the fence, no "%%" starts a comment, no entity code is left to decode.
func TestMermaidText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"json", "json"},
		{`a"b`, "a'b"},
		{"list[0]", "list[0]"},
		{"```\n<b>#x;%%", "``` ‹b›#\u200bx;%\u200b%"},
		{"GET /users/{id}?q=1;x", "GET /users/{id}?q=1;x"},
		{"+18.2%", "+18.2%"},
	}
	for _, c := range cases {
		if got := mermaidText(c.in); got != c.want {
			t.Errorf("mermaidText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := mermaidName(strings.Repeat("é", 40)); len([]rune(got)) != mermaidMaxName {
		t.Errorf("a long name is cut to %d characters: %q", len([]rune(got)), got)
	}
}

// One chart per gated metric with a finding, the worst first; bars worst first, findings
// before the others, at most chartMaxBars; nothing to chart for a pass or a verdict that
// compared nothing.
func TestChangeCharts(t *testing.T) {
	charts := changeCharts(failingVerdict())
	var metrics []string
	for _, c := range charts {
		metrics = append(metrics, c.metric)
	}
	if got := strings.Join(metrics, " "); got != "error_rate p99 throughput" {
		t.Errorf("charts of %s, want error_rate p99 throughput", got)
	}
	p99 := charts[1]
	if p99.bars[0].scenario != "db" || p99.bars[0].level != compare.Fail || p99.findings != 1 || len(p99.bars) != 3 || p99.total != 3 {
		t.Errorf("p99 chart: %+v", p99)
	}
	if tp := charts[2]; tp.warn != -1 || tp.fail != -5 {
		t.Errorf("throughput's tolerances are on its bad side: warn %g, fail %g", tp.warn, tp.fail)
	}
	many := changeCharts(manyScenarios(100, 4))
	if len(many) != 1 || len(many[0].bars) != chartMaxBars || many[0].findings != 25 || many[0].total != 100 {
		t.Errorf("100 scenarios, 25 failing: %d charts, %d bars, %d findings", len(many), len(many[0].bars), many[0].findings)
	}
	for _, v := range []*compare.Verdict{passingVerdict(), noBaselineVerdict(), notComparableVerdict()} {
		if c := changeCharts(v); len(c) != 0 {
			t.Errorf("%s verdict: %d charts", v.Level, len(c))
		}
	}
	if MermaidChart(passingVerdict()) != "" {
		t.Error("a chart for a pass")
	}
}
