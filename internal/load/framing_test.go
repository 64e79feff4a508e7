package load

import (
	"errors"
	"testing"
)

// Bytes after the end of a response that cannot start another are a framing violation of
// that response: a wrong answer, not a harmless reconnect.
func TestBytesAfterTheResponseAreAnError(t *testing.T) {
	for _, tt := range []struct{ name, raw string }{
		{"longer than its Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"},
		{"a body after a chunked body's end", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA"},
		{"a body with 204", "HTTP/1.1 204 No Content\r\n\r\n{}"},
		{"a stray line end", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStream([]byte(tt.raw), "", false, len(tt.raw)+1)
			if !errors.Is(err, errOverlong) || len(got) != 0 {
				t.Errorf("in one piece: responses %+v, err %v; want the response refused with errOverlong", got, err)
			}
			// Arriving apart, the excess still ends the stream with an error.
			if _, err := parseStream([]byte(tt.raw), "", false, 1); err == nil {
				t.Error("in pieces of one byte: no error")
			}
			// Under load, every such answer is counted as an error.
			srv := startRawServer(t, replyWith(tt.raw))
			res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 2, Duration: window})
			if res.Requests+res.Errors.IO == 0 || res.Errors.IO == 0 || res.Errors.IO < res.Requests {
				t.Errorf("requests %d, errors %+v: the overlong answers were not counted as errors", res.Requests, res.Errors)
			}
		})
	}
	// Another response may follow at once (pipelining): it is not an excess.
	pipelined := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	if got, err := parseStream([]byte(pipelined), "", false, len(pipelined)+1); err != nil || len(got) != 2 {
		t.Errorf("two responses in one piece: %+v, %v", got, err)
	}
	for _, prefix := range []string{"H", "HTTP/", "HTTP/1."} {
		raw := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + prefix
		if got, err := parseStream([]byte(raw), "", false, len(raw)+1); len(got) != 1 || errors.Is(err, errOverlong) {
			t.Errorf("a response followed by %q, the start of another: %+v, %v", prefix, got, err)
		}
	}
}
