package bench

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/config"
)

// serveRaw answers every request on a loopback listener with raw.
func serveRaw(t *testing.T, raw string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					if _, err := http.ReadRequest(r); err != nil {
						return
					}
					c.Write([]byte(raw))
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/x"
}

// The correctness check refuses an answer longer than its framing: the load engine would
// count every such answer as an error.
func TestCheckRefusesAnAnswerLongerThanItsFraming(t *testing.T) {
	sc := config.Scenario{Name: "x", Method: "GET", Path: "/x", Expect: config.Expect{Status: 200, BodyContains: "ok"}}
	for _, c := range []struct {
		name, raw, problem string
	}{
		{"right", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ""},
		{"after an interim answer", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ""},
		{"longer than its Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok, and more", `10 bytes after the end of the response (", and more"): it is longer than its framing says (Content-Length 2`},
		{"bytes after a chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nmore", `4 bytes after the end of the response ("more")`},
		{"closes the connection", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkEndpoint(context.Background(), serveRaw(t, c.raw), sc, 5*time.Second)
			var wrong *WrongAnswerError
			switch {
			case c.problem == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.problem != "" && (!errors.As(err, &wrong) || !strings.Contains(wrong.Problem, c.problem)):
				t.Fatalf("error %v, want a wrong answer saying %q", err, c.problem)
			}
		})
	}
}
