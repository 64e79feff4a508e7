package result

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

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

// DecodeHistogram reads a histogram written by EncodeHistogram. The text comes from files
// stackgate does not control; a decoder panic is turned into an error (defence in depth:
// the library validates its input, see FuzzDecodeHistogram).
func DecodeHistogram(s string) (h *hdrhistogram.Histogram, err error) {
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("decoding histogram: malformed (%v)", p)
		}
	}()
	h, err = hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	return h, nil
}

// MergeHistograms decodes histograms written by EncodeHistogram and adds them up, as
// hdrhistogram's Merge would. A histogram of stackgate's layout (1 µs … 100 s, 3 digits)
// has 18 432 buckets: decoding each into a histogram of its own, only to merge it, costs
// far more than its few hundred bytes of text, and a report reads thousands. So the first
// is decoded (which validates its layout) and every other of the same layout is read
// straight into the first one's buckets (taken back if it turns out malformed); anything
// else is left to hdrhistogram's decoder and merged value by value, so what is accepted,
// and the sum, are hdrhistogram's. It returns nil for no input; an error names the input
// (a *HistogramError).
func MergeHistograms(encoded []string) (*hdrhistogram.Histogram, error) {
	if len(encoded) == 0 {
		return nil, nil
	}
	first, err := DecodeHistogram(encoded[0])
	if err != nil {
		return nil, &HistogramError{0, err}
	}
	var r bucketReader
	layout, _, err := r.read(encoded[0])
	sum, total := first.Export(), first.TotalCount()
	var others []*hdrhistogram.Histogram
	for i, s := range encoded[1:] {
		if l, payload, rerr := r.read(s); err == nil && rerr == nil && l == layout {
			if n, werr := addBuckets(payload, sum.Counts, total); werr == nil {
				total = n
				continue
			}
		}
		h, derr := DecodeHistogram(s)
		if derr != nil {
			return nil, &HistogramError{i + 1, derr}
		}
		others = append(others, h)
	}
	merged := hdrhistogram.Import(sum)
	for _, h := range others {
		merged.Merge(h)
	}
	return merged, nil
}

// HistogramError is an encoded histogram that could not be read: the Index-th (from 0).
type HistogramError struct {
	Index int
	Err   error
}

func (e *HistogramError) Error() string { return fmt.Sprintf("histogram %d: %v", e.Index, e.Err) }
func (e *HistogramError) Unwrap() error { return e.Err }

// The encoded form (HdrHistogram's V2 compressed encoding): base64 of a cookie and a
// length (big-endian int32s) and zlib-compressed contents: a 40-byte header — cookie,
// payload length, normalizing offset, significant digits (int32s), lowest and highest
// trackable values (int64s), a conversion ratio (float64) — then the payload, every
// bucket's count as a zig-zag LEB128 number of at most 9 bytes (the ninth holds 8 bits), a
// negative one standing for that many empty buckets.
const (
	encodedCookie  = 0x1c849304 // hdrhistogram.V2CompressedEncodingCookieBase
	contentsCookie = 0x1c849303 // hdrhistogram.V2EncodingCookieBase
	headerSize     = 40
	// maxContents bounds what one histogram may decompress to: far more than stackgate's
	// layout needs (9 bytes per bucket); a larger one is left to hdrhistogram's decoder.
	maxContents = headerSize + 9<<20
)

// histogramLayout is what makes two histograms' buckets line up.
type histogramLayout struct {
	digits          int32
	lowest, highest int64
}

// bucketReader reads encoded histograms, reusing its buffers and decompressor.
type bucketReader struct {
	raw      []byte
	contents bytes.Buffer
	zr       io.ReadCloser
}

// read checks the framing of one encoded histogram and returns its layout and payload
// (valid until the next read).
func (r *bucketReader) read(s string) (histogramLayout, []byte, error) {
	var l histogramLayout
	raw, err := base64.StdEncoding.AppendDecode(r.raw[:0], []byte(s))
	r.raw = raw
	if err != nil {
		return l, nil, err
	}
	if len(raw) < 8 || int32(binary.BigEndian.Uint32(raw))&^0xf0 != encodedCookie {
		return l, nil, errors.New("not a V2 compressed HdrHistogram")
	}
	n := int32(binary.BigEndian.Uint32(raw[4:]))
	if n < 0 || int(n) > len(raw)-8 {
		return l, nil, errors.New("compressed length outside the data")
	}
	if err := r.inflate(raw[8 : 8+n]); err != nil {
		return l, nil, err
	}
	c := r.contents.Bytes()
	if len(c) < headerSize || int32(binary.BigEndian.Uint32(c))&^0xf0 != contentsCookie ||
		int64(int32(binary.BigEndian.Uint32(c[4:]))) != int64(len(c)-headerSize) {
		return l, nil, errors.New("malformed contents")
	}
	l = histogramLayout{
		digits:  int32(binary.BigEndian.Uint32(c[12:])),
		lowest:  int64(binary.BigEndian.Uint64(c[16:])),
		highest: int64(binary.BigEndian.Uint64(c[24:])),
	}
	return l, c[headerSize:], nil
}

// inflate decompresses zlib data into r.contents, to its end (which checks its checksum).
func (r *bucketReader) inflate(data []byte) error {
	var err error
	if r.zr == nil {
		r.zr, err = zlib.NewReader(bytes.NewReader(data))
	} else {
		err = r.zr.(zlib.Resetter).Reset(bytes.NewReader(data), nil)
	}
	if err != nil {
		return err
	}
	r.contents.Reset()
	n, err := r.contents.ReadFrom(io.LimitReader(r.zr, maxContents+1))
	if err == nil && n > maxContents {
		err = errors.New("contents too large")
	}
	return err
}

// addBuckets adds payload, the bucket counts of a histogram of len(counts) buckets, to
// counts, whose counts add up to total, and returns their new total. A malformed number, a
// bucket beyond the last or a total past MaxInt64 is an error, and then counts are left as
// they were.
func addBuckets(payload []byte, counts []int64, total int64) (int64, error) {
	n, read, err := walkBuckets(payload, counts, total, 1)
	if err != nil {
		_, _, _ = walkBuckets(payload[:read], counts, 0, -1) // take back what was added
	}
	return n, err
}

// walkBuckets adds sign × the counts in payload to counts, up to the first error, and
// returns the new total and how many bytes of payload it read.
func walkBuckets(payload []byte, counts []int64, total, sign int64) (int64, int, error) {
	var i int64
	at := 0
	for at < len(payload) {
		count, n := zigZag(payload[at:])
		if n == 0 {
			return 0, at, errors.New("truncated count")
		}
		if count < 0 {
			zeros := -count // not positive only for MinInt64
			if zeros <= 0 || zeros > int64(len(counts))-i {
				return 0, at, errors.New("empty buckets beyond the last")
			}
			i += zeros
			at += n
			continue
		}
		switch {
		case i >= int64(len(counts)):
			return 0, at, errors.New("count beyond the last bucket")
		case sign > 0 && count > math.MaxInt64-total:
			return 0, at, errors.New("counts add up past MaxInt64")
		}
		counts[i] += sign * count
		total += count
		i++
		at += n
	}
	return total, at, nil
}

// zigZag reads one zig-zag LEB128 number of at most 9 bytes (n is 0 when b ends first).
func zigZag(b []byte) (v int64, n int) {
	var u uint64
	for n < 9 {
		if n >= len(b) {
			return 0, 0
		}
		c := b[n]
		if n == 8 {
			u |= uint64(c) << 56 // the ninth byte holds 8 bits
			n++
			break
		}
		u |= uint64(c&0x7f) << (7 * n)
		n++
		if c&0x80 == 0 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1), n
}
