package report

import (
	"bytes"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// The reports are also checked on verdicts that package compare made, so that what they
// derive from its reasons (the "why" of a finding) follows compare's wording.

// judged compares two results of the scenarios given as metric → (baseline median, head
// median, relative noise): twelve runs a side, every metric of the catalogue (those not
// given unchanged), the noise spread evenly around each median.
func judged(t *testing.T, scenarios map[string]map[string][3]float64) *compare.Verdict {
	t.Helper()
	side := func(rev string, head bool) *result.Result {
		r := &result.Result{Schema: result.Schema, Suite: "shop", Profile: "full", DefinitionHash: "sha256:x", Complete: true,
			Fingerprint: result.Fingerprint{Runner: "lab", CPUModel: "cpu", LogicalCPUs: 2}, Git: result.Git{Revision: rev},
			Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		for _, name := range []string{"checkout", "search"} {
			sc := result.Scenario{Name: name}
			for i := range 12 {
				run := result.Run{Run: i + 1, Metrics: map[string]float64{}}
				for _, m := range metric.All {
					v := [3]float64{100, 100, 0.01}
					if m.Name == metric.ErrorRate {
						v = [3]float64{0, 0, 0}
					}
					if given, ok := scenarios[name][m.Name]; ok {
						v = given
					}
					median := v[0]
					if head {
						median = v[1]
					}
					run.Metrics[m.Name] = median * (1 + v[2]*(float64(i)-5.5)/5.5)
				}
				sc.Runs = append(sc.Runs, run)
			}
			r.Scenarios = append(r.Scenarios, sc)
		}
		return r
	}
	in := compare.Input{Base: side("base", false), Head: side("head", true)}
	return compare.Compare(in, compare.RulesFromConfig(gateWithoutDrift()))
}

// realVerdict fails on checkout's p99, warns on search's throughput, cannot confirm
// search's p99 (noisy), and burns 27 % more CPU per request in checkout (not gated).
func realVerdict(t *testing.T) *compare.Verdict {
	return judged(t, map[string]map[string][3]float64{
		"checkout": {metric.P99: {50, 60, 0.01}, metric.CPUPerRequest: {200, 254, 0.01}, metric.P50: {10, 8, 0.01}},
		"search":   {metric.Throughput: {1000, 965, 0.002}, metric.P99: {50, 58, 0.3}},
	})
}

func TestFindingsOfARealVerdict(t *testing.T) {
	v := realVerdict(t)
	rows := attentionRows(v)
	var got []string
	for _, r := range rows {
		got = append(got, string(r.level)+" "+r.scenario+" "+r.metric.Metric+": "+r.why())
	}
	want := []string{
		"fail checkout p99: p=0.00000037, fail tolerance 10 %",
		"warn search throughput: p=0.00000037, beyond the warn tolerance 1 %",
		"inconclusive search p99: beyond the fail tolerance 10 % but not significant (p=",
	}
	if len(got) != len(want) {
		t.Fatalf("findings:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d: %q, want %q…", i, got[i], want[i])
		}
	}
	if h := headline(v, rows); h != "checkout p99 +20.0% and 1 more regression, 1 inconclusive" {
		t.Errorf("headline %q", h)
	}
	also := alsoChangedRows(v)
	if len(also) != 2 || also[0].metric.Metric != metric.CPUPerRequest || changeKind(also[0].metric) != "worse, not gated" ||
		also[1].metric.Metric != metric.P50 || changeKind(also[1].metric) != "improved" {
		t.Errorf("also changed: %+v", also)
	}
}

// The p shown for a change is the p of that change: an improvement's is the p of "head is
// better", the one its reason quotes, never the 1 of "head is worse".
func TestPColumnOfImprovements(t *testing.T) {
	v := realVerdict(t)
	found := false
	for _, r := range verdictRows(v) {
		m := r.metric
		if m == nil || !m.Improved {
			continue
		}
		found = true
		c := r.cells()
		if c.p == "1" || !strings.Contains(m.Reason, "improved, p="+formatPValue(m.PImproved)) || c.p != formatP(m.PImproved) {
			t.Errorf("%s %s: p cell %q, reason %q", r.scenario, m.Metric, c.p, m.Reason)
		}
	}
	if !found {
		t.Fatal("no improvement in the verdict")
	}
}

// formatPValue writes p the way compare's reasons do (two significant digits, no exponent).
func formatPValue(p float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(p, 'e', 1, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Every line of the terminal report fits 80 columns, counted in display cells: for every
// verdict, verbose or not, with every metric of the catalogue and with long names.
func TestTerminalFitsEightyColumns(t *testing.T) {
	verdicts := map[string]*compare.Verdict{"real": realVerdict(t), "long names": longNamesVerdict(t)}
	for _, c := range verdictCases {
		verdicts[c.name] = c.verdict()
	}
	for name, v := range verdicts {
		for _, verbose := range []bool{false, true} {
			var b bytes.Buffer
			if err := Terminal(&b, v, TerminalOptions{Verbose: verbose}); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if w := displayWidth(line); w > TerminalWidth {
					t.Errorf("%s (verbose %v), line %d is %d columns wide:\n%s", name, verbose, i+1, w, line)
				}
			}
		}
	}
}

// longNamesVerdict has a long suite name, scenario names in wide characters and with long
// words, every metric inconclusive with nonzero error rates: the widest cells there are.
func longNamesVerdict(t *testing.T) *compare.Verdict {
	v := judged(t, map[string]map[string][3]float64{
		"checkout": {metric.ErrorRate: {0.52, 0.7, 0.9}, metric.RSSGrowth: {300, 900, 0.9}, metric.ThreadsPeak: {9, 14, 0.5}},
	})
	v.Suite = "the-shop-suite-with-a-name-longer-than-anyone-would-give-it-but-someone-will"
	v.Scenarios[0].Name = "チェックアウト・決済フロー・カート・ユーザー・注文履歴・配送先住所の確認"
	v.Scenarios[1].Name = "GET /api/v2/search?q=a-very-long-query-string-without-any-space-in-it-at-all-really"
	for i := range v.Scenarios {
		for j := range v.Scenarios[i].Metrics {
			v.Scenarios[i].Metrics[j].Level = compare.Inconclusive
		}
	}
	v.Warnings = append(v.Warnings, "a warning with a path "+strings.Repeat("/very-long-directory-name", 6))
	return v
}

// The width counts cells, not bytes or runes.
func TestDisplayWidth(t *testing.T) {
	cases := []struct {
		s    string
		want int
	}{
		{"db p99", 6}, {"±18.2%", 6}, {"µs → ∞", 6}, {"チェック", 8}, {"✅", 2}, {"e\u0301", 1}, {"", 0},
	}
	for _, c := range cases {
		if got := displayWidth(c.s); got != c.want {
			t.Errorf("displayWidth(%q) = %d, want %d", c.s, got, c.want)
		}
	}
	for i, line := range wrapText(strings.Repeat("チェック ", 30)+strings.Repeat("x", 200), 80, 6, 2) {
		if lead := map[bool]int{true: 6, false: 2}[i == 0]; displayWidth(line)+lead > 80 {
			t.Errorf("wrapped line %d of %d cells after %d: %q", i, displayWidth(line), lead, line)
		}
	}
}

// An error is shown as an error: its first line in the verdict line, the rest below, no
// escaped line breaks, and no invitation to record a baseline.
func TestTerminalError(t *testing.T) {
	v := errorVerdict()
	v.Mode, v.Baseline = compare.ModeNone, nil
	v.Scenarios = nil
	v.Reason = "could not measure scenario \"db\" (run 1): process app exited with status 2; last lines of logs/db-1-app.log:\n    panic: boom\n    goroutine 1 [running]:"
	var b bytes.Buffer
	if err := Terminal(&b, v, TerminalOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, `refstack: ERROR — could not measure scenario "db" (run 1): process app exited`) {
		t.Errorf("verdict line:\n%s", out)
	}
	if strings.Contains(out, `\n`) || !strings.Contains(out, "\n      panic: boom\n") {
		t.Errorf("the reason's lines are escaped or lost:\n%s", out)
	}
	if strings.Contains(out, "baseline update") || strings.Contains(out, "Record a baseline") {
		t.Errorf("an error invites recording a baseline:\n%s", out)
	}
	md := Markdown(v, MarkdownOptions{})
	if strings.Contains(md, "baseline update") || !strings.Contains(md, "\n> panic: boom\n") {
		t.Errorf("Markdown of an error:\n%s", md)
	}
}

// One spacing rule, whole counts, and changes of absolute metrics in their own unit.
func TestFormatQuantity(t *testing.T) {
	cases := []struct {
		v    float64
		unit string
		want string
	}{
		{58700, "req/s", "58.7k req/s"}, {0.191, "ms", "191µs"}, {1320, "ms", "1.32s"}, {347, "µs", "347µs"},
		{0.52, "%", "0.52%"}, {17.4, "MB", "17.4 MB"}, {310, "B/req", "310 B/req"},
		{9, "threads", "9 threads"}, {9.5, "threads", "9.50 threads"}, {1, "queries", "1 queries"},
	}
	for _, c := range cases {
		if got := FormatQuantity(c.v, c.unit); got != c.want {
			t.Errorf("FormatQuantity(%g, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

// rss_growth changes in B/req everywhere, never in points; counts are whole.
func TestUnitsInReports(t *testing.T) {
	v := judged(t, map[string]map[string][3]float64{
		"checkout": {metric.RSSGrowth: {300, 900, 0.1}, metric.ThreadsPeak: {9, 9, 0}},
	})
	var page bytes.Buffer
	if err := HTML(&page, v, nil, nil); err != nil {
		t.Fatal(err)
	}
	var term bytes.Buffer
	if err := Terminal(&term, v, TerminalOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"HTML": html.UnescapeString(page.String()), "terminal": term.String(), "Markdown": Markdown(v, MarkdownOptions{})} {
		if !strings.Contains(out, "+600 B/req") || strings.Contains(out, "points") || strings.Contains(out, "9.00") {
			t.Errorf("%s: rss_growth's change is not +600 B/req, or a count is not whole:\n%s", name, out)
		}
	}
}

// gateWithoutDrift is the default [gate] trusting a stored baseline as if measured
// alongside (gate.drift 0): these tests are about what the verdict says, not about drift.
func gateWithoutDrift() config.Gate {
	g := config.DefaultGate()
	zero := 0.0
	g.Drift = &zero
	return g
}
