package result

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeResult: no file content makes reading a result panic; a rejection is always a
// *FileError naming the file; what is accepted holds only values a measurement gives.
func FuzzDecodeResult(f *testing.F) {
	good, _ := json.Marshal(sample())
	f.Add(good)
	f.Add([]byte(`{"schema": "stackgate.result/v1", "scenarios": [{"name": "x", "runs": [{"metrics": {"p99": 1e999}}]}]}`))
	f.Add([]byte(`{"schema": "stackgate.result/v1", "scenarios": [{"name": "x", "runs": [{"metrics": {"throughput": 0, "p99": -1, "error_rate": 0}}]}]}`))
	f.Add([]byte(`{"schema": "stackgate.result/v1", "scenarios": [{"name": "x", "runs": [{"metrics": {"throughput": 1}, "counts": {"requests": 1, "errors": 2}}]}]}`))
	f.Add([]byte(`{"schema": "stackgate.result/v2"}`))
	f.Add([]byte(`{"schema": "stackgate.result/v0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode("r.json", data)
		var fe *FileError
		if err != nil {
			if !errors.As(err, &fe) || fe.Path != "r.json" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		for i := range r.Scenarios {
			sc := &r.Scenarios[i]
			for _, run := range sc.Runs {
				for name, v := range run.Metrics {
					if CheckSample(name, v) != nil {
						t.Fatalf("accepted %s = %v", name, v)
					}
				}
			}
			for _, v := range sc.Samples("throughput") {
				if v <= 0 {
					t.Fatalf("accepted a valid run with throughput %v", v)
				}
			}
			sc.Metrics()
			sc.PooledCounts()
		}
	})
}

// FuzzDecodeHistogram: an encoded histogram from a file stackgate does not control never
// makes it panic.
func FuzzDecodeHistogram(f *testing.F) {
	f.Add("HISTFAAAACl4nJNpmSzMwMDAyAABzFCaEUzOmNZg/wEiyCTIwMjPzMjJxMAMAGS1BW8=")
	f.Add("HISTFAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := DecodeHistogram(s)
		if err == nil && h != nil {
			h.ValueAtQuantile(99)
		}
	})
}
