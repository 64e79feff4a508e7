package result

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeResult: no file content makes reading a result panic; a rejection is always a
// *FileError naming the file.
func FuzzDecodeResult(f *testing.F) {
	good, _ := json.Marshal(sample())
	f.Add(good)
	f.Add([]byte(`{"schema": "stackgate.result/v1", "scenarios": [{"name": "x", "runs": [{"metrics": {"p99": 1e999}}]}]}`))
	f.Add([]byte(`{"schema": "stackgate.result/v2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Result
		err := DecodeJSON("r.json", data, Schema, &r)
		var fe *FileError
		if err != nil && (!errors.As(err, &fe) || fe.Path != "r.json") {
			t.Fatalf("error %v does not name the file", err)
		}
		if err == nil {
			for i := range r.Scenarios {
				r.Scenarios[i].Samples("throughput")
				r.Scenarios[i].Metrics()
			}
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
