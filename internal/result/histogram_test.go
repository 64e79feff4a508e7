package result

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// encodedHistograms are histograms of stackgate's layout with latencies spread over four
// decades (an empty one among them), and two of other layouts, encoded.
func encodedHistograms(t testing.TB) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	var hs []*hdrhistogram.Histogram
	for i := range 6 {
		h := hdrhistogram.New(1, 100_000_000, 3)
		for range 200 * i {
			_ = h.RecordValues(int64(50*(1+rng.ExpFloat64()*float64(1+i*i*10))), 1+rng.Int64N(5))
		}
		hs = append(hs, h)
	}
	other := hdrhistogram.New(1, 1_000_000, 2)
	_ = other.RecordValues(700, 3)
	_ = other.RecordValues(90_000, 1)
	hs = append(hs, other, hdrhistogram.New(10, 100_000_000, 3))
	var out []string
	for _, h := range hs {
		s, err := EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// mergedByLibrary is what hdrhistogram's own decoder and Merge make of encoded.
func mergedByLibrary(t testing.TB, encoded []string) (*hdrhistogram.Histogram, error) {
	var merged *hdrhistogram.Histogram
	for _, s := range encoded {
		h, err := DecodeHistogram(s)
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = h
		} else {
			merged.Merge(h)
		}
	}
	return merged, nil
}

// MergeHistograms adds up exactly what hdrhistogram's decoder and Merge add up, in any
// order and with histograms of other layouts among them.
func TestMergeHistograms(t *testing.T) {
	all := encodedHistograms(t)
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 3, 1}, {4}, {2, 6, 5}, {6, 1, 7, 3}, {0, 0}} {
		var in []string
		for _, i := range order {
			in = append(in, all[i])
		}
		got, err := MergeHistograms(in)
		if err != nil {
			t.Fatalf("%v: %v", order, err)
		}
		want, _ := mergedByLibrary(t, in)
		if !got.Equals(want) || got.ValueAtQuantile(99) != want.ValueAtQuantile(99) {
			t.Errorf("%v: merged %d values (p99 %d), hdrhistogram %d (p99 %d)", order, got.TotalCount(), got.ValueAtQuantile(99), want.TotalCount(), want.ValueAtQuantile(99))
		}
	}
	if h, err := MergeHistograms(nil); h != nil || err != nil {
		t.Errorf("no input: %v, %v", h, err)
	}
}

// A histogram that cannot be read is an error naming it, wherever it is.
func TestMergeHistogramsRejects(t *testing.T) {
	good := encodedHistograms(t)[3]
	for _, bad := range []string{"HISTFAAAgarbage", "", good[:len(good)-8], strings.Replace(good, "A", "B", 3)} {
		for at := range 3 {
			in := []string{good, good, good}
			in[at] = bad
			_, err := MergeHistograms(in)
			var he *HistogramError
			if !errors.As(err, &he) || he.Index != at || !strings.Contains(err.Error(), "decoding histogram") {
				t.Errorf("%.20q at %d: error %v", bad, at, err)
			}
		}
	}
}

// FuzzMergeHistograms: no input makes merging panic, and it accepts and adds up exactly
// what hdrhistogram's decoder and Merge do.
func FuzzMergeHistograms(f *testing.F) {
	all := encodedHistograms(f)
	f.Add(all[1], all[2])
	f.Add(all[2], all[6])
	f.Add(all[0], "HISTFAAA")
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []string{a, b, a}
		got, err := MergeHistograms(in)
		want, werr := mergedByLibrary(t, in)
		switch {
		case (err == nil) != (werr == nil):
			t.Fatalf("merge error %v, hdrhistogram's %v", err, werr)
		case err == nil && !got.Equals(want):
			t.Fatalf("merged %d values, hdrhistogram %d", got.TotalCount(), want.TotalCount())
		}
	})
}
