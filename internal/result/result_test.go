package result

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func sample() *Result {
	return &Result{
		Suite: "demo", Profile: "quick", DefinitionHash: "sha256:abc",
		Definition: map[string]string{"load.duration": `"1s"`},
		Started:    time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Complete:   true,
		Scenarios: []Scenario{{Name: "json", Runs: []Run{
			{Run: 1, Seq: 1, Metrics: map[string]float64{"throughput": 100, "p99": 2, "error_rate": 0}},
			{Run: 2, Seq: 2, Metrics: map[string]float64{"throughput": 110, "p99": 3, "error_rate": 0}, Invalid: []string{"generator saturated"}},
			{Run: 3, Seq: 3, Metrics: map[string]float64{"throughput": 120, "p99": 4, "error_rate": 0}},
		}}},
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := Write(path, sample()); err != nil {
		t.Fatal(err)
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Schema != Schema || r.Suite != "demo" || len(r.Scenarios[0].Runs) != 3 {
		t.Fatalf("round trip lost data: %+v", r)
	}
	got := r.Scenario("json").Samples("throughput")
	if len(got) != 2 || got[0] != 100 || got[1] != 120 {
		t.Errorf("Samples skip invalid runs: got %v, want [100 120]", got)
	}
	if m := r.Scenario("json").Metrics(); strings.Join(m, ",") != "error_rate,p99,throughput" {
		t.Errorf("Metrics = %v", m)
	}
	if r.Scenario("nope") != nil {
		t.Error("unknown scenario found")
	}
}

func TestReadRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name, content, want string
		schema              bool
	}{
		{"truncated", `{"schema": "stackgate.result/v1", "suite": "de`, "not a valid JSON file", false},
		{"newer schema", `{"schema": "stackgate.result/v2"}`, "written by a newer stackgate", true},
		{"older schema", `{"schema": "stackgate.result/v0"}`, "stackgate.result/v0 is older than this stackgate supports", true},
		{"unknown version", `{"schema": "stackgate.result/vX"}`, "not a version of the stackgate.result format", true},
		{"no schema", `{"suite": "x"}`, "a file without a \"schema\" field, not a stackgate.result file", true},
		{"other file", `{"schema": "something/v1"}`, "a file of schema \"something/v1\", not a stackgate.result file", true},
		{"another kind of stackgate file", `{"schema": "stackgate.verdict/v1"}`, "this is a stackgate verdict file (stackgate.verdict/v1), not a stackgate.result file", true},
		{"unknown field", `{"schema": "stackgate.result/v1", "surprise": 1}`, "damaged stackgate.result/v1 file", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.json")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(path)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v does not name the file", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if errors.Is(err, ErrSchema) != c.schema {
				t.Errorf("errors.Is(ErrSchema) = %v", !c.schema)
			}
		})
	}
}

// A failed write must leave the previous file as it was and no temporary file behind.
func TestWriteFileAtomicKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "baseline.json")
	if err := os.Mkdir(target, 0o755); err != nil { // rename over a directory fails
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("new")); err == nil {
		t.Fatal("write over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}

	good := filepath.Join(dir, "good.json")
	if err := WriteFileAtomic(good, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x.json"), []byte("new")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	if b, _ := os.ReadFile(good); string(b) != "old" {
		t.Errorf("old file changed: %q", b)
	}
}

func TestHistogramRoundTrip(t *testing.T) {
	h := hdrhistogram.New(1, 100_000_000, 3)
	for i := int64(1); i <= 1000; i++ {
		_ = h.RecordValue(i * 10)
	}
	s, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "HISTF") {
		t.Errorf("encoding %q is not HdrHistogram's base64 form", s[:10])
	}
	back, err := DecodeHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.TotalCount() != 1000 || back.ValueAtQuantile(99) != h.ValueAtQuantile(99) {
		t.Errorf("decoded histogram differs: count %d p99 %d", back.TotalCount(), back.ValueAtQuantile(99))
	}
	if _, err := DecodeHistogram("HISTFAAAgarbage"); err == nil {
		t.Error("garbage decoded without error")
	}
}
