package load

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// The hot paths, each expected at 0 allocs/op. Allocations are counted for the
// whole process, so the servers used here do not allocate per request either.

func BenchmarkRequestWrite(b *testing.B) {
	srv := startRawServer(b, func(_ *rawServer, c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	tgt, err := newTarget(Request{URL: srv.url("/json"), Header: map[string]string{"Accept": "application/json"}}, Check{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := net.Dial("tcp", tgt.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(tgt.wire)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(tgt.wire); err != nil {
			b.Fatal(err)
		}
	}
}

// loopReader serves the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

func BenchmarkParseResponse(b *testing.B) {
	json := `{"id":4242,"randomNumber":1234}`
	cases := []struct {
		name, raw, needle string
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nServer: bench\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
			"Content-Type: application/json\r\nContent-Length: 31\r\n\r\n" + json, ""},
		{"chunked", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			chunk(json, 8) + "0\r\n\r\n", ""},
		{"chunked+check", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			chunk(json, 8) + "0\r\n\r\n", `"randomNumber":1234`},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			p := newParser(&loopReader{data: []byte(bc.raw)}, []byte(bc.needle))
			b.SetBytes(int64(len(bc.raw)))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := p.readResponse(false)
				if err != nil || resp.status != 200 || !resp.found {
					b.Fatalf("%+v, %v", resp, err)
				}
			}
		})
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	d := time.Duration(0)
	for b.Loop() {
		d += 997 * time.Nanosecond
		recordMicros(h, d%(50*time.Millisecond))
	}
}

// answerEachRequest answers every request (GET, no body) with raw, without
// allocating: it only counts the blank lines that end request headers.
func answerEachRequest(raw []byte) func(*rawServer, net.Conn) {
	return func(_ *rawServer, c net.Conn) {
		buf := make([]byte, 64<<10)
		matched := 0
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			for _, ch := range buf[:n] {
				switch {
				case ch == "\r\n\r\n"[matched]:
					matched++
				case ch == '\r':
					matched = 1
				default:
					matched = 0
				}
				if matched == 4 {
					matched = 0
					if _, err := c.Write(raw); err != nil {
						return
					}
				}
			}
		}
	}
}

// BenchmarkExchange is one whole request on a keep-alive loopback connection:
// deadline, write, parse, judge, record.
func BenchmarkExchange(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"message\":\"Hello, World!\"}")
	srv := startRawServer(b, answerEachRequest(raw))
	tgt, err := newTarget(Request{URL: srv.url("/json")}, Check{BodyContains: "Hello"})
	if err != nil {
		b.Fatal(err)
	}
	e := newEngine(context.Background(), tgt, Options{Connections: 1, Duration: time.Hour, Timeout: DefaultTimeout})
	defer e.cancelDial()
	w := e.workers[0]
	if err := w.dial(); err != nil {
		b.Fatal(err)
	}
	defer w.drop()
	e.base = time.Now()
	b.ReportAllocs()
	for b.Loop() {
		begin := e.now()
		out, _ := w.exchange(begin)
		if out != outOK {
			b.Fatalf("outcome %d", out)
		}
		w.tally.record(out, e.now()-begin, 0)
	}
}
