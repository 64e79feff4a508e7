package baseline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/result"
)

// FuzzParse: no baseline file content makes stackgate panic; rejections name the file, and
// what is accepted can be compared (its samples line up into runs).
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "demo.json")
	if _, _, err := Update(path, sample(1, 2, 3), time.Unix(0, 0)); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add([]byte(`{"schema": "stackgate.baseline/v1", "scenarios": [{"name": "x", "runs": 2, "metrics": {"p99": {"samples": [1]}}}]}`))
	f.Add([]byte(`{"schema": "stackgate.baseline/v1", "scenarios": [{"name": "x", "runs": 1, "metrics": {"throughput": {"samples": [0]}, "p99": {"samples": [1]}, "error_rate": {"samples": [0]}}}]}`))
	f.Add([]byte(`{"schema": "stackgate.baseline/v1", "scenarios": []}`))
	f.Add([]byte(`{"schema": "stackgate.baseline/v0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("b.json", data)
		var fe *result.FileError
		if err != nil {
			if !errors.As(err, &fe) || fe.Path != "b.json" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		if len(b.Scenarios) == 0 {
			t.Fatal("accepted a baseline without scenarios")
		}
		r := b.Result()
		for i := range r.Scenarios {
			if n := len(r.Scenarios[i].Samples("throughput")); n == 0 {
				t.Fatalf("accepted scenario %q without a throughput sample", r.Scenarios[i].Name)
			}
			for _, v := range r.Scenarios[i].Samples("throughput") {
				if v <= 0 {
					t.Fatalf("accepted throughput %v", v)
				}
			}
		}
		b.CompareHistory()
		b.Drift()
	})
}
