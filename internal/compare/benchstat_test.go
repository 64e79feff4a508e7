package compare

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// benchstatDir holds benchstat's own output on two benchfmt files (see its README.md).
var benchstatDir = filepath.Join("testdata", "benchstat")

// TestAgreementWithBenchstat checks our medians, confidence intervals and two-sided
// p-values against what the real benchstat printed for the same samples (to the precision
// it printed). The gate's own test is one-sided; this pins the shared machinery.
func TestAgreementWithBenchstat(t *testing.T) {
	base := readBenchfmt(t, "base.txt")
	head := readBenchfmt(t, "head.txt")
	medians := readBenchstatCSV(t)
	rows := readBenchstatText(t)
	if len(rows) != len(base) {
		t.Fatalf("benchstat printed %d rows for %d benchmarks", len(rows), len(base))
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			b, h := base[name], head[name]
			sb, sh := Summarize(b), Summarize(h)
			want := medians[name]
			if !near(sb.Median, want[0]) || !near(sh.Median, want[1]) {
				t.Errorf("medians %v, %v; benchstat %v, %v", sb.Median, sh.Median, want[0], want[1])
			}
			if got := ciPercent(sb) + " " + ciPercent(sh); got != row.ci {
				t.Errorf("confidence intervals ±%s; benchstat ±%s", got, row.ci)
			}
			if got := fmt.Sprintf("%0.3f", TwoSidedP(b, h)); got != row.p {
				t.Errorf("p=%s; benchstat p=%s", got, row.p)
			}
			if got := sampleSizes(len(b), len(h)); got != row.n {
				t.Errorf("n=%s; benchstat n=%s", got, row.n)
			}
		})
	}
}

// readBenchfmt reads a benchfmt file: benchmark name (without "Benchmark") → its values.
func readBenchfmt(t *testing.T, file string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(benchstatDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]float64{}
	r := benchfmt.NewReader(f, file)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			name := strings.TrimPrefix(string(rec.Name.Full()), "Benchmark")
			out[name] = append(out[name], rec.Values[0].Value)
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readBenchstatCSV reads the medians benchstat printed in full precision: name → base, head.
func readBenchstatCSV(t *testing.T) map[string][2]float64 {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(benchstatDir, "benchstat.csv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, line := range strings.Split(string(text), "\n") {
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || len(rec) < 7 || rec[0] == "" || rec[0] == "geomean" {
			continue
		}
		b, err1 := strconv.ParseFloat(rec[1], 64)
		h, err2 := strconv.ParseFloat(rec[3], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("benchstat.csv: %q: %v %v", line, err1, err2)
		}
		out[rec[0]] = [2]float64{b, h}
	}
	return out
}

// benchstatRow is what benchstat's text table printed for one benchmark.
type benchstatRow struct {
	ci string // "3% 6%": the half-widths of both confidence intervals
	p  string // "0.007"
	n  string // "10" or "8+12"
}

var benchstatLine = regexp.MustCompile(`^(\S+)\s+\S+ ±\s*(\S+)%\s+\S+ ±\s*(\S+)%\s+\S+ \(p=(\S+) n=(\S+)\)`)

func readBenchstatText(t *testing.T) map[string]benchstatRow {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(benchstatDir, "benchstat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]benchstatRow{}
	for _, line := range strings.Split(string(text), "\n") {
		if m := benchstatLine.FindStringSubmatch(line); m != nil {
			out[m[1]] = benchstatRow{ci: m[2] + " " + m[3], p: m[4], n: m[5]}
		}
	}
	return out
}

// ciPercent is the interval's half-width as benchstat prints it (Summary.PctRangeString).
func ciPercent(s Summary) string {
	if s.Median == 0 {
		return "0"
	}
	return fmt.Sprintf("%.0f", 100*max(s.Hi/s.Median-1, 1-s.Lo/s.Median))
}

func sampleSizes(a, b int) string {
	if a == b {
		return strconv.Itoa(a)
	}
	return fmt.Sprintf("%d+%d", a, b)
}

func near(a, b float64) bool { return a == b || (a-b)/b < 1e-12 && (b-a)/b < 1e-12 }
