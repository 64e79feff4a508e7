package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A response follows each case so that the test also proves the parser
// consumed exactly one response: the next one must parse.
const nextResponse = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"

func TestReadResponse(t *testing.T) {
	long := strings.Repeat("x", readBufferSize)
	tests := []struct {
		name      string
		raw       string
		head      bool
		needle    string
		status    int
		close     bool
		notFound  bool  // the needle is not in the body
		err       error // nil: the parse succeeds and nextResponse follows
		lastBytes bool  // the body runs to EOF: nothing may follow
	}{
		{name: "content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200},
		{name: "header names in any case", raw: "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 5\r\nCONNECTION: Keep-Alive\r\n\r\nhello", status: 200},
		{name: "bare LF line endings", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", status: 200},
		{name: "no reason phrase", raw: "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", status: 404},
		{name: "zero length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200},
		{name: "repeated equal content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", status: 200},
		{name: "chunked with extension and trailers", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n", status: 200},
		{name: "chunked wins over content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", status: 200},
		{name: "connection close", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true},
		{name: "connection close in a token list", raw: "HTTP/1.1 200 OK\r\nConnection: upgrade, Close\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true},
		{name: "HTTP/1.0 keep-alive with length", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", status: 200},
		{name: "HTTP/1.0 with length closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, close: true},
		{name: "HTTP/1.0 without length reads to EOF", raw: "HTTP/1.0 200 OK\r\n\r\nhello world", needle: "world", status: 200, close: true, lastBytes: true},
		{name: "HTTP/1.1 without length reads to EOF", raw: "HTTP/1.1 200 OK\r\n\r\nbody", status: 200, close: true, lastBytes: true},
		{name: "unknown transfer coding reads to EOF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody", status: 200, close: true, lastBytes: true},
		{name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "304 has no body despite its length", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", status: 304},
		{name: "HEAD has no body despite its length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head: true, status: 200},
		{name: "100 continue skipped", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", status: 201},
		{name: "103 early hints skipped", raw: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200},
		{name: "101 is final and ends HTTP", raw: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", status: 101, close: true},
		{name: "needle found", raw: "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", needle: "lo wo", status: 200},
		{name: "needle missing", raw: "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", needle: "planet", status: 200, notFound: true},
		{name: "needle across chunks", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"i\r\n1\r\nd\r\n4\r\n\": 4\r\n1\r\n}\r\n0\r\n\r\n", needle: `"id": 4`, status: 200},
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
			raw := tt.raw
			if tt.err == nil && !tt.lastBytes {
				raw += nextResponse
			}
			p := newParser(strings.NewReader(raw), []byte(tt.needle))
			resp, err := p.readResponse(tt.head)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			want := response{status: tt.status, close: tt.close, found: !tt.notFound}
			if resp != want {
				t.Errorf("response = %+v, want %+v", resp, want)
			}
			if tt.lastBytes {
				if _, err := p.readResponse(false); !errors.Is(err, errNoResponse) {
					t.Errorf("after a body read to EOF: err = %v, want errNoResponse", err)
				}
				return
			}
			next, err := p.readResponse(false)
			if err != nil || next.status != 200 {
				t.Errorf("the next response did not parse (%+v, %v): framing consumed the wrong number of bytes", next, err)
			}
		})
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
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, framing := range []string{"length", "chunked"} {
		for rname, wrap := range readers {
			for _, tt := range tests {
				raw := "HTTP/1.1 200 OK\r\nContent-Length: 34\r\n\r\n" + body
				if framing == "chunked" {
					raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(body, 3) + "0\r\n\r\n"
				}
				p := newParser(wrap(strings.NewReader(raw)), []byte(tt.needle))
				resp, err := p.readResponse(false)
				if err != nil || resp.found != tt.found {
					t.Errorf("%s, %s reads, needle %q: found = %v, err = %v; want found = %v",
						framing, rname, tt.needle, resp.found, err, tt.found)
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
	p := newParser(strings.NewReader(raw), []byte("cd"))
	for i := range 2 {
		resp, err := p.readResponse(false)
		if err != nil || resp.found {
			t.Errorf("response %d: found = %v, err = %v; want not found", i, resp.found, err)
		}
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
	}
	for _, s := range seeds {
		f.Add([]byte(s), "ell", false)
		f.Add([]byte(s), "", true)
	}
	f.Fuzz(func(t *testing.T, data []byte, needle string, head bool) {
		p := newParser(bytes.NewReader(data), []byte(needle))
		// Every response consumes at least one byte, so there cannot be more
		// responses than bytes: a parser that loops would trip this.
		for n := 0; ; n++ {
			resp, err := p.readResponse(head)
			if err != nil {
				return
			}
			if n > len(data) {
				t.Fatalf("%d responses from %d bytes", n, len(data))
			}
			if resp.status < 100 || resp.status > 999 {
				t.Fatalf("status %d accepted", resp.status)
			}
		}
	})
}
