package load

import (
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The hot paths, each expected at 0 allocs/op: request write, response parse, histogram
// record.

func BenchmarkRequestWrite(b *testing.B) {
	srv := startRawServer(b, func(_ *rawServer, c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	tgt, err := newTarget(Request{URL: srv.url("/json"), Header: map[string]string{"Accept": "application/json"}}, Check{})
	if err != nil {
		b.Fatal(err)
	}
	fd := dialRaw(b, srv.ln.Addr().(*net.TCPAddr))
	b.SetBytes(int64(len(tgt.wire)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := writeFD(fd, tgt.wire); err != nil && !isAgain(err) {
			b.Fatal(err)
		}
	}
}

// dialRaw opens a connection the way the loops do.
func dialRaw(tb testing.TB, addr *net.TCPAddr) int {
	tb.Helper()
	sa := &syscall.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	fd, err := connectBlocking(sa, time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Close(fd) })
	return fd
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
			p := newParser([]byte(bc.needle), false)
			raw := []byte(bc.raw)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				used, done, err := p.feed(raw)
				if err != nil || !done || used != len(raw) || p.resp.status != 200 || !p.resp.found {
					b.Fatalf("%+v, %d, %v, %v", p.resp, used, done, err)
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

// answerEachRequest answers every request (GET, no body) with raw, without allocating:
// it only counts the blank lines that end request headers.
func answerEachRequest(raw []byte) func(*rawServer, net.Conn) {
	return func(_ *rawServer, c net.Conn) {
		buf := make([]byte, 64<<10)
		out := make([]byte, 0, 64<<10)
		matched := 0
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			out = out[:0]
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
					out = append(out, raw...)
				}
			}
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

var helloResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"message\":\"Hello, World!\"}")

// BenchmarkClosedLoop is the whole engine on loopback: b.N is irrelevant, each run is a
// 200 ms phase; it reports the requests per second and the allocations per request.
func BenchmarkClosedLoop(b *testing.B) {
	srv := startRawServer(b, answerEachRequest(helloResponse))
	var requests int64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		res, err := Run(b.Context(), Request{URL: srv.url("/json")}, Options{Connections: 16, Duration: 200 * time.Millisecond, Check: Check{BodyContains: "Hello"}})
		if err != nil || res.Errors.Total() > 0 {
			b.Fatalf("%v, %+v", err, res.Errors)
		}
		requests += res.Requests
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(requests), "allocs/req")
}
