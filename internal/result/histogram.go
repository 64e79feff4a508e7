package result

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// EncodeHistogram writes h in HdrHistogram's compressed base64 form ("HISTFAAA…"), which
// HdrHistogram's own tools can read.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram reads a histogram written by EncodeHistogram.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	return h, nil
}
