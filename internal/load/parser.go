package load

import (
	"bytes"
	"errors"
	"io"
)

const (
	// maxLineBytes is the longest status, header or chunk-size line accepted; a
	// connection keeps at most this many bytes of an unfinished line between reads.
	maxLineBytes = 16 << 10
	// maxHeaderBytes bounds the header (or trailer) block of one response.
	maxHeaderBytes = 1 << 20
)

// Malformed responses. They are counted as IO errors; the values exist so that tests
// can tell why a response was refused.
var (
	errNoResponse      = errors.New("connection ended before any response byte")
	errMalformedStatus = errors.New("malformed status line")
	errMalformedHeader = errors.New("malformed header line")
	errContentLength   = errors.New("invalid Content-Length")
	errMalformedChunk  = errors.New("malformed chunk")
	errLineTooLong     = errors.New("response line too long")
	errHeaderTooLarge  = errors.New("response header too large")
	errOverlong        = errors.New("bytes after the end of the response that do not start another: the response is longer than its framing (Content-Length, chunked) says")
)

// response is what the engine needs to know about one answer.
type response struct {
	status int
	close  bool  // the connection cannot carry another request
	found  bool  // the body contained the needle (true when there is no needle)
	length int64 // body bytes (after removing the chunked framing)
}

// framing is what a response header says about its body and its connection.
type framing struct {
	status        int
	http10        bool
	contentLength int64 // -1 when absent
	chunked       bool  // the last transfer coding is chunked
	otherCoding   bool  // a transfer coding other than chunked: the body ends at EOF
	close         bool  // Connection: close
	keepAlive     bool  // Connection: keep-alive (matters for HTTP/1.0)
}

// parseState is where the parser is in a response.
type parseState uint8

const (
	stStatus    parseState = iota // expecting a status line
	stHeader                      // expecting a header line or the blank line
	stBody                        // Content-Length body: left bytes to go
	stChunkSize                   // expecting a chunk-size line
	stChunkData                   // inside a chunk: left bytes to go
	stChunkEnd                    // expecting the CRLF after a chunk
	stTrailer                     // expecting a trailer line or the blank line
	stToEOF                       // body delimited by the end of the connection
)

// parser reads HTTP/1.1 responses pushed to it in pieces of any size, as they come off
// the socket, without allocating: an event loop cannot block in the middle of a response.
// Lines are parsed in place; a line split between two reads is left unconsumed for the
// caller to present again with the bytes that follow. Bodies are counted and discarded
// unless a body check needs to search them.
type parser struct {
	head    bool // the requests are HEAD: responses have no body whatever their headers say
	state   parseState
	started bool // a byte of the current response was seen
	f       framing
	left    int64 // bytes left in the body or the chunk
	hdr     int   // header or trailer bytes so far
	resp    response
	search  bodySearch
}

func newParser(needle []byte, head bool) parser {
	return parser{head: head, search: newBodySearch(needle), f: framing{contentLength: -1}}
}

// feed parses data and returns how many bytes it consumed and whether that completed a
// response (then p.resp describes it and the bytes after it belong to the next one).
// Unconsumed bytes of an incomplete response are an unfinished line: present them again
// followed by more.
func (p *parser) feed(data []byte) (used int, done bool, err error) {
	if len(data) > 0 {
		p.started = true
	}
	for used < len(data) {
		switch p.state {
		case stBody, stChunkData:
			k := int(min(p.left, int64(len(data)-used)))
			p.body(data[used : used+k])
			used += k
			p.left -= int64(k)
			if p.left > 0 {
				return used, false, nil
			}
			if p.state == stBody {
				return used, true, p.ended(data[used:])
			}
			p.state = stChunkEnd
		case stToEOF:
			p.body(data[used:])
			return len(data), false, nil
		default:
			i := bytes.IndexByte(data[used:], '\n')
			if i < 0 {
				if len(data)-used >= maxLineBytes {
					return used, false, errLineTooLong
				}
				return used, false, nil
			}
			if i >= maxLineBytes {
				return used, false, errLineTooLong
			}
			line := data[used : used+i]
			used += i + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			done, err := p.line(line)
			if done && err == nil {
				err = p.ended(data[used:])
			}
			if done || err != nil {
				return used, done, err
			}
		}
	}
	return used, false, nil
}

// eof tells the parser that the connection ended. It completes a body delimited by the
// end of the connection; anywhere else the response is cut short.
func (p *parser) eof() (done bool, err error) {
	switch {
	case p.state == stToEOF:
		return true, p.finish()
	case !p.started:
		return false, errNoResponse
	}
	return false, io.ErrUnexpectedEOF
}

// line handles one complete line in the states that expect lines.
func (p *parser) line(line []byte) (done bool, err error) {
	switch p.state {
	case stStatus:
		if !p.f.parseStatusLine(line) {
			return false, errMalformedStatus
		}
		p.hdr = len(line)
		p.state = stHeader
	case stHeader:
		if p.hdr += len(line) + 2; p.hdr > maxHeaderBytes {
			return false, errHeaderTooLarge
		}
		if len(line) == 0 {
			return p.headerDone()
		}
		return false, p.f.addField(line)
	case stChunkSize:
		size, ok := parseChunkSize(line)
		if !ok {
			return false, errMalformedChunk
		}
		if size == 0 {
			p.state, p.hdr = stTrailer, 0
			return false, nil
		}
		p.state, p.left = stChunkData, size
	case stChunkEnd:
		if len(line) != 0 {
			return false, errMalformedChunk
		}
		p.state = stChunkSize
	case stTrailer:
		if len(line) == 0 {
			return true, p.finish()
		}
		if p.hdr += len(line) + 2; p.hdr > maxHeaderBytes {
			return false, errHeaderTooLarge
		}
	}
	return false, nil
}

// headerDone decides how the body is framed (RFC 9112, section 6.3), skipping interim
// (1xx) responses: 101 is final, the connection then speaks another protocol.
func (p *parser) headerDone() (done bool, err error) {
	f := &p.f
	if f.status >= 100 && f.status < 200 && f.status != 101 {
		*f = framing{contentLength: -1}
		p.state = stStatus
		return false, nil
	}
	p.resp = response{status: f.status, close: f.close || f.http10 && !f.keepAlive}
	p.search.reset()
	switch {
	case f.status == 101:
		p.resp.close = true
		return true, p.finish()
	case p.head || f.status == 204 || f.status == 304:
		return true, p.finish()
	case f.chunked:
		p.state = stChunkSize
	case f.otherCoding || f.contentLength < 0:
		p.resp.close = true
		p.state = stToEOF
	case f.contentLength == 0:
		return true, p.finish()
	default:
		p.state, p.left = stBody, f.contentLength
	}
	return false, nil
}

// body takes body bytes: counted, and searched when a body check is set.
func (p *parser) body(b []byte) {
	p.resp.length += int64(len(b))
	p.search.feed(b)
}

// ended completes the response and checks what follows it in the same read: on a
// connection that stays open it can only be the start of another response (pipelining).
// Anything else means the response was longer than its framing said — a wrong answer,
// which a reconnect must not hide.
func (p *parser) ended(rest []byte) error {
	_ = p.finish()
	const start = "HTTP/1."
	n := min(len(rest), len(start))
	if p.resp.close || string(rest[:n]) == start[:n] {
		return nil
	}
	return errOverlong
}

// finish completes the response and prepares for the next one.
func (p *parser) finish() error {
	p.resp.found = p.search.found
	p.state, p.started, p.f = stStatus, false, framing{contentLength: -1}
	return nil
}

// parseStatusLine reads "HTTP/1.x NNN [reason]".
func (f *framing) parseStatusLine(line []byte) bool {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' {
		return false
	}
	if len(line) > 12 && line[12] != ' ' {
		return false
	}
	status := 0
	for _, c := range line[9:12] {
		if !isDigit(c) {
			return false
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return false
	}
	f.status = status
	f.http10 = line[7] == '0'
	return true
}

// addField notes the header fields that decide framing and keep-alive; the others are
// skipped.
func (f *framing) addField(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		return errMalformedHeader // obsolete line folding
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return errMalformedHeader
	}
	name, value := line[:colon], trimSpace(line[colon+1:])
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseContentLength(value)
		if !ok || f.contentLength >= 0 && f.contentLength != n {
			return errContentLength
		}
		f.contentLength = n
	case equalFold(name, "transfer-encoding"):
		f.chunked = equalFold(lastToken(value), "chunked")
		f.otherCoding = !f.chunked
	case equalFold(name, "connection"):
		f.addConnectionTokens(value)
	}
	return nil
}

func (f *framing) addConnectionTokens(value []byte) {
	for len(value) > 0 {
		token := value
		if i := bytes.IndexByte(value, ','); i >= 0 {
			token, value = value[:i], value[i+1:]
		} else {
			value = nil
		}
		token = trimSpace(token)
		f.close = f.close || equalFold(token, "close")
		f.keepAlive = f.keepAlive || equalFold(token, "keep-alive")
	}
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseChunkSize reads "hex[;extensions]"; 15 hex digits keep the size far from
// overflowing.
func parseChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		d, ok := hexValue(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

func hexValue(c byte) (byte, bool) {
	switch {
	case isDigit(c):
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// equalFold compares b with lower, an ASCII lower-case string, ignoring case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// lastToken returns the last element of a comma-separated list.
func lastToken(v []byte) []byte {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return trimSpace(v)
}
