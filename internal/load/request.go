package load

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// defaultMethod is sent when Request.Method is empty.
const defaultMethod = "GET"

// target is a Request prepared once for all connections: where to dial, the
// exact bytes of one request, and what a right answer looks like.
type target struct {
	addr      string // host:port to dial; no name lookups happen on the hot path
	localhost bool   // addr names localhost: the first dial pins the address it reached
	wire      []byte // the whole request, written with a single Write per request
	head      bool   // responses to HEAD carry no body whatever their headers say
	status    int    // Check.Status
	needle    []byte // Check.BodyContains
	length    int64  // Check.BodyLength
}

// reservedHeaders are set by the engine: a user value would break the framing
// or the keep-alive behaviour that is being measured.
var reservedHeaders = []string{"Host", "Content-Length", "Connection", "Transfer-Encoding"}

func newTarget(req Request, check Check) (*target, error) {
	method := req.Method
	if method == "" {
		method = defaultMethod
	}
	if !isToken(method) {
		return nil, fmt.Errorf("request method %q is not a valid HTTP token", method)
	}
	u, addr, err := parseTargetURL(req.URL)
	if err != nil {
		return nil, err
	}
	if err := validateHeader(req.Header); err != nil {
		return nil, err
	}
	head := method == "HEAD"
	if head && (check.BodyContains != "" || check.BodyLength > 0) {
		return nil, fmt.Errorf("request: a body check cannot pass on HEAD, whose responses have no body")
	}
	return &target{
		addr:      addr,
		localhost: strings.EqualFold(u.Hostname(), "localhost"),
		wire:      encodeRequest(method, u, req.Header, req.Body),
		head:      head,
		status:    check.Status,
		needle:    []byte(check.BodyContains),
		length:    check.BodyLength,
	}, nil
}

// parseTargetURL checks that rawURL is something the raw client can reach
// without name lookups and returns it with the address to dial.
func parseTargetURL(rawURL string) (*url.URL, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("parsing request URL: %w", err)
	}
	switch {
	case u.Scheme == "https":
		return nil, "", fmt.Errorf("request URL %q: https is not supported yet", rawURL)
	case u.Scheme != "http":
		return nil, "", fmt.Errorf("request URL %q: need an absolute http:// URL", rawURL)
	case u.User != nil:
		return nil, "", fmt.Errorf("request URL %q: user information is not supported", rawURL)
	case u.Hostname() == "":
		return nil, "", fmt.Errorf("request URL %q has no host", rawURL)
	}
	host := u.Hostname()
	if !strings.EqualFold(host, "localhost") && net.ParseIP(host) == nil {
		return nil, "", fmt.Errorf("request URL %q: host must be an IP literal or localhost, so that no name lookup is timed", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, "", fmt.Errorf("request URL %q: invalid port %q", rawURL, port)
	}
	return u, net.JoinHostPort(host, port), nil
}

func validateHeader(h map[string]string) error {
	for name, value := range h {
		if !isToken(name) {
			return fmt.Errorf("request header name %q is not a valid HTTP token", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return fmt.Errorf("request header %q: value must not contain CR, LF or NUL", name)
		}
		for _, reserved := range reservedHeaders {
			if strings.EqualFold(name, reserved) {
				return fmt.Errorf("request header %q is set by the load engine", name)
			}
		}
	}
	return nil
}

// encodeRequest builds the request bytes once. Extra headers are sorted so the
// bytes on the wire are the same on every run.
func encodeRequest(method string, u *url.URL, header map[string]string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(u.RequestURI())
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(u.Host)
	b.WriteString("\r\n")
	names := make([]string, 0, len(header))
	for name := range header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(header[name])
		b.WriteString("\r\n")
	}
	if len(body) > 0 || expectsBody(method) {
		b.WriteString("Content-Length: ")
		b.WriteString(strconv.Itoa(len(body)))
		b.WriteString("\r\n")
	}
	b.WriteString("Connection: keep-alive\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}

// expectsBody reports whether servers expect a Content-Length even for an empty body.
func expectsBody(method string) bool {
	return method == "POST" || method == "PUT" || method == "PATCH"
}

// isToken reports whether s is an HTTP token (RFC 9110, section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
