package load

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// A response follows each case so that the test also proves the parser
// consumed exactly one response: the next one must parse.
const nextResponse = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"

func TestReadResponse(t *testing.T) {
	long := strings.Repeat("x", maxLineBytes)
	tests := []struct {
		name      string
		raw       string
		head      bool
		needle    string
		status    int
		close     bool
		notFound  bool  // the needle is not in the body
		length    int64 // body bytes
		err       error // nil: the parse succeeds and nextResponse follows
		lastBytes bool  // the body runs to EOF: nothing may follow
	}{
		{name: "content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200, length: 5},
		{name: "header names in any case", raw: "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 5\r\nCONNECTION: Keep-Alive\r\n\r\nhello", status: 200, length: 5},
		{name: "bare LF line endings", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", status: 200, length: 2},
		{name: "no reason phrase", raw: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", status: 404},
		{name: "zero length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200},
		{name: "repeated equal content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", status: 200, length: 2},
		{name: "chunked with extension and trailers", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n", status: 200, length: 15},
		{name: "chunked wins over content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", status: 200, length: 2},
		{name: "connection close", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true, length: 2},
		{name: "connection close in a token list", raw: "HTTP/1.1 200 OK\r\nConnection: upgrade, Close\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true, length: 2},
		{name: "HTTP/1.0 keep-alive with length", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", status: 200, length: 2},
		{name: "HTTP/1.0 with length closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true, length: 2},
		{name: "HTTP/1.0 without length reads to EOF", raw: "HTTP/1.0 200 OK\r\n\r\nhello world", needle: "world", status: 200, close: true, lastBytes: true, length: 11},
		{name: "HTTP/1.1 without length reads to EOF", raw: "HTTP/1.1 200 OK\r\n\r\nbody", status: 200, close: true, lastBytes: true, length: 4},
		{name: "unknown transfer coding reads to EOF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody", status: 200, close: true, lastBytes: true, length: 4},
		{name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "304 has no body despite its length", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", status: 304},
		{name: "HEAD has no body despite its length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head: true, status: 200},
		{name: "100 continue skipped", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", status: 201, length: 2},
		{name: "103 early hints skipped", raw: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200},
		{name: "101 is final and ends HTTP", raw: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", status: 101, close: true},
		{name: "needle found", raw: "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", needle: "lo wo", status: 200, length: 11},
		{name: "needle missing", raw: "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", needle: "planet", status: 200, notFound: true, length: 11},
		{name: "needle across chunks", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"i\r\n1\r\nd\r\n4\r\n\": 4\r\n1\r\n}\r\n0\r\n\r\n", needle: `"id": 4`, status: 200, length: 9},
		{name: "no body, needle missing", raw: "HTTP/1.1 204 No Content\r\n\r\n", needle: "x", status: 204, notFound: true},

		{name: "nothing at all", raw: "", err: errNoResponse},
		{name: "garbage status line", raw: "SSH-2.0-OpenSSH\r\n\r\n", err: errMalformedStatus},
		{name: "HTTP/2 status line", raw: "HTTP/2 200\r\n\r\n", err: errMalformedStatus},
		{name: "two-digit status", raw: "HTTP/1.1 20 OK\r\n\r\n", err: errMalformedStatus},
		{name: "status below 100", raw: "HTTP/1.1 099 Odd\r\n\r\n", err: errMalformedStatus},
		{name: "header without colon", raw: "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", err: errMalformedHeader},
		{name: "obsolete line folding", raw: "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n", err: errMalformedHeader},
		{name: "negative content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: errContentLength},
		{name: "conflicting content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", err: errContentLength},
		{name: "huge content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", err: errContentLength},
		{name: "truncated headers", raw: "HTTP/1.1 200 OK\r\nContent-Len", err: io.ErrUnexpectedEOF},
		{name: "truncated body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", err: io.ErrUnexpectedEOF},
		{name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: errMalformedChunk},
		{name: "chunk without CRLF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n", err: errMalformedChunk},
		{name: "truncated chunked body", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", err: io.ErrUnexpectedEOF},
		{name: "header line too long", raw: "HTTP/1.1 200 OK\r\nX-Long: " + long + "\r\n\r\n", err: errLineTooLong},
		{name: "EOF after interim response", raw: "HTTP/1.1 100 Continue\r\n\r\n", err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, next := tt.raw, response{status: 200, found: tt.needle == "" || strings.Contains("next", tt.needle), length: 4}
			switch {
			case tt.err != nil || tt.lastBytes:
			case tt.head: // the next answer is to a HEAD request too: its length frames nothing
				raw += "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
				next.length = 0
			default:
				raw += nextResponse
			}
			// The same bytes in one piece and one byte at a time must parse alike.
			for _, piece := range []int{len(raw) + 1, 1} {
				got, err := parseStream([]byte(raw), tt.needle, tt.head, piece)
				if tt.err != nil {
					if !errors.Is(err, tt.err) {
						t.Fatalf("pieces of %d: err = %v, want %v", piece, err, tt.err)
					}
					continue
				}
				want := []response{{status: tt.status, close: tt.close, found: !tt.notFound, length: tt.length}}
				if !tt.lastBytes {
					want = append(want, next)
				}
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("pieces of %d: responses %+v, err %v; want %+v", piece, got, err, want)
				}
			}
		})
	}
}

// parseStream feeds raw to a parser in pieces of at most piece bytes, as a loop would
// (keeping unconsumed bytes for the next read), and returns the responses until the end
// of the stream or the first error.
func parseStream(raw []byte, needle string, head bool, piece int) ([]response, error) {
	p := newParser([]byte(needle), head)
	var got []response
	var pending []byte
	for off := 0; ; {
		if off == len(raw) {
			if len(pending) > 0 {
				return got, io.ErrUnexpectedEOF
			}
			done, err := p.eof()
			if done {
				got = append(got, p.resp)
				return got, nil
			}
			if errors.Is(err, errNoResponse) && len(got) > 0 {
				return got, nil // a clean end between responses
			}
			return got, err
		}
		k := min(piece, len(raw)-off)
		data := append(pending, raw[off:off+k]...)
		off += k
		for len(data) > 0 {
			used, done, err := p.feed(data)
			data = data[used:]
			if err != nil {
				return got, err
			}
			if !done {
				break
			}
			got = append(got, p.resp)
		}
		pending = append([]byte(nil), data...)
	}
}

// The body search must find a needle wherever the reads split the body,
// including reads of one byte and needles that span many of them.
func TestBodySearchAcrossSegments(t *testing.T) {
	body := `{"id": 4242, "randomNumber": 1234}`
	tests := []struct {
		needle string
		found  bool
	}{
		{`"id": 4242`, true},
		{`1234}`, true},
		{`{`, true},
		{body, true},
		{`"id": 4243`, false},
		{body + " ", false},
	}
	for _, framing := range []string{"length", "chunked"} {
		for _, piece := range []int{1 << 10, 1, 2, 7} {
			for _, tt := range tests {
				raw := "HTTP/1.1 200 OK\r\nContent-Length: 34\r\n\r\n" + body
				if framing == "chunked" {
					raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(body, 3) + "0\r\n\r\n"
				}
				got, err := parseStream([]byte(raw), tt.needle, false, piece)
				if err != nil || len(got) != 1 || got[0].found != tt.found {
					t.Errorf("%s, pieces of %d, needle %q: responses %+v, err = %v; want found = %v",
						framing, piece, tt.needle, got, err, tt.found)
				}
			}
		}
	}
}

// chunk encodes s as chunks of n bytes.
func chunk(s string, n int) string {
	var b strings.Builder
	for len(s) > 0 {
		k := min(n, len(s))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, s[:k])
		s = s[k:]
	}
	return b.String()
}

// A body check must not be fooled by a previous body's tail.
func TestBodySearchResetsBetweenResponses(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ndef"
	got, err := parseStream([]byte(raw), "cd", false, 1<<10)
	if err != nil || len(got) != 2 || got[0].found || got[1].found {
		t.Errorf("responses %+v, err %v; want two without the needle", got, err)
	}
}

func FuzzParseResponse(f *testing.F) {
	seeds := []string{
		nextResponse,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x\r\nhello\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nto the end",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n" + nextResponse,
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "ell", false, uint8(0))
		f.Add([]byte(s), "", true, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, needle string, head bool, piece uint8) {
		// Every response consumes at least one byte, so there cannot be more responses
		// than bytes: a parser that loops would trip this. However the bytes are split,
		// the responses are the same — except that bytes after a response that cannot
		// start another are caught with that response when they arrive with it, and
		// after it when they arrive later: either way the stream ends in an error.
		whole, wholeErr := parseStream(data, needle, head, len(data)+1)
		split, splitErr := parseStream(data, needle, head, int(piece%16)+1)
		if len(whole) > len(data) {
			t.Fatalf("%d responses from %d bytes", len(whole), len(data))
		}
		same := slices.Equal(whole, split) && (wholeErr == nil) == (splitErr == nil)
		caughtLater := errors.Is(wholeErr, errOverlong) && splitErr != nil &&
			len(split) == len(whole)+1 && slices.Equal(split[:len(whole)], whole)
		if !same && !caughtLater {
			t.Fatalf("in one piece: %+v, %v; in pieces of %d: %+v, %v", whole, wholeErr, piece%16+1, split, splitErr)
		}
		for _, r := range whole {
			if r.status < 100 || r.status > 999 || r.length < 0 {
				t.Fatalf("response %+v accepted", r)
			}
		}
	})
}
