package load

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEncodeRequest(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "GET by default",
			req:  Request{URL: "http://127.0.0.1:8080/json"},
			want: "GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n",
		},
		{
			name: "empty path and query",
			req:  Request{URL: "http://localhost?n=20"},
			want: "GET /?n=20 HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n",
		},
		{
			name: "headers sorted, body framed",
			req: Request{
				Method: "POST",
				URL:    "http://[::1]:9000/update?n=5#frag",
				Header: map[string]string{"X-B": "2", "Accept": "application/json", "X-A": "1"},
				Body:   []byte(`{"a":1}`),
			},
			want: "POST /update?n=5 HTTP/1.1\r\nHost: [::1]:9000\r\nAccept: application/json\r\nX-A: 1\r\nX-B: 2\r\n" +
				"Content-Length: 7\r\nConnection: keep-alive\r\n\r\n{\"a\":1}",
		},
		{
			name: "POST without body still says so",
			req:  Request{Method: "POST", URL: "http://10.0.0.1/x"},
			want: "POST /x HTTP/1.1\r\nHost: 10.0.0.1\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
		},
	}
	for _, tt := range tests {
		tgt, err := newTarget(tt.req, Check{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := string(tgt.wire); got != tt.want {
			t.Errorf("%s: wire =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}

func TestTargetAddress(t *testing.T) {
	tests := []struct{ url, addr string }{
		{"http://127.0.0.1/", "127.0.0.1:80"},
		{"http://127.0.0.1:8080/", "127.0.0.1:8080"},
		{"http://[::1]:81/", "[::1]:81"},
		{"http://LocalHost:5000/", "LocalHost:5000"},
	}
	for _, tt := range tests {
		tgt, err := newTarget(Request{URL: tt.url}, Check{})
		if err != nil || tgt.addr != tt.addr {
			t.Errorf("%s: addr = %v (%v), want %s", tt.url, tgt, err, tt.addr)
		}
	}
}

// Run refuses what cannot run at all, before touching the network, and says why.
func TestRunRejectsBadInput(t *testing.T) {
	ok := Options{Connections: 1, Duration: time.Second}
	url := "http://127.0.0.1:1/"
	tests := []struct {
		name string
		req  Request
		opt  Options
		want string // in the error message
	}{
		{"https", Request{URL: "https://127.0.0.1/"}, ok, "https is not supported"},
		{"relative URL", Request{URL: "/json"}, ok, "absolute http://"},
		{"host name", Request{URL: "http://example.com/"}, ok, "IP literal or localhost"},
		{"user info", Request{URL: "http://u:p@127.0.0.1/"}, ok, "user information"},
		{"bad port", Request{URL: "http://127.0.0.1:99999/"}, ok, "invalid port"},
		{"bad method", Request{Method: "GE T", URL: url}, ok, "method"},
		{"reserved header", Request{URL: url, Header: map[string]string{"content-length": "3"}}, ok, "set by the load engine"},
		{"header injection", Request{URL: url, Header: map[string]string{"X": "a\r\nEvil: 1"}}, ok, "CR, LF"},
		{"bad header name", Request{URL: url, Header: map[string]string{"X Y": "1"}}, ok, "header name"},
		{"body check on HEAD", Request{Method: "HEAD", URL: url}, Options{Connections: 1, Duration: time.Second, Check: Check{BodyContains: "x"}}, "HEAD"},
		{"no connections", Request{URL: url}, Options{Duration: time.Second}, "connections"},
		{"no duration", Request{URL: url}, Options{Connections: 1}, "duration"},
		{"negative warm-up", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Warmup: -1}, "warm-up"},
		{"negative timeout", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Timeout: -1}, "timeout"},
		{"negative rate", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Rate: -1}, "rate"},
		{"NaN rate", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Rate: math.NaN()}, "rate"},
		{"infinite rate", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Rate: math.Inf(1)}, "rate"},
		{"bad status", Request{URL: url}, Options{Connections: 1, Duration: time.Second, Check: Check{Status: 42}}, "status"},
	}
	for _, tt := range tests {
		res, err := Run(context.Background(), tt.req, tt.opt)
		if err == nil || res != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Run = %v, %v; want an error containing %q", tt.name, res, err, tt.want)
		}
	}
}

func TestRunWithEndedContextDoesNotStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, Request{URL: "http://127.0.0.1:1/"}, Options{Connections: 1, Duration: time.Second})
	if res != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, %v; want nil and context.Canceled", res, err)
	}
}
