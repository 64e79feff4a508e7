package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

const (
	// readBufferSize is the read buffer of each connection; it is also the
	// longest status, header or chunk-size line accepted.
	readBufferSize = 16 << 10
	// maxHeaderBytes bounds the header (or trailer) block of one response.
	maxHeaderBytes = 1 << 20
)

// Malformed responses. They are counted as IO errors; the values exist so that
// tests can tell why a response was refused.
var (
	errNoResponse      = errors.New("connection ended before any response byte")
	errMalformedStatus = errors.New("malformed status line")
	errMalformedHeader = errors.New("malformed header line")
	errContentLength   = errors.New("invalid Content-Length")
	errMalformedChunk  = errors.New("malformed chunk")
	errLineTooLong     = errors.New("response line too long")
	errHeaderTooLarge  = errors.New("response header too large")
)

// response is what the engine needs to know about one answer.
type response struct {
	status int
	close  bool // the connection cannot carry another request
	found  bool // the body contained the needle (true when there is no needle)
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

// parser reads HTTP/1.1 responses from one connection without allocating:
// lines are read in place from the bufio buffer and the body is discarded
// unless a body check needs to search it.
type parser struct {
	r      *bufio.Reader
	search bodySearch
}

func newParser(r io.Reader, needle []byte) *parser {
	return &parser{r: bufio.NewReaderSize(r, readBufferSize), search: newBodySearch(needle)}
}

// readResponse reads one final response, skipping interim (1xx) ones. head
// tells that the request was HEAD, whose response has no body.
func (p *parser) readResponse(head bool) (response, error) {
	f, err := p.readHeader(true)
	for err == nil && isInterim(f.status) {
		f, err = p.readHeader(false)
	}
	if err != nil {
		return response{}, err
	}
	return p.readBody(f, head)
}

// isInterim reports whether status is an informational response that precedes
// the real one. 101 is final: the connection then speaks another protocol.
func isInterim(status int) bool {
	return status >= 100 && status < 200 && status != 101
}

// readHeader reads a status line and its header fields. first marks the start
// of a response, where an ended connection means the server closed it before
// answering rather than in the middle of an answer.
func (p *parser) readHeader(first bool) (framing, error) {
	f := framing{contentLength: -1}
	if first {
		if _, err := p.r.Peek(1); err != nil {
			return f, noResponse(err)
		}
	}
	line, err := p.readLine()
	if err != nil {
		return f, unexpectedEOF(err)
	}
	if !f.parseStatusLine(line) {
		return f, errMalformedStatus
	}
	total := len(line)
	for {
		line, err := p.readLine()
		if err != nil {
			return f, unexpectedEOF(err)
		}
		if total += len(line) + 2; total > maxHeaderBytes {
			return f, errHeaderTooLarge
		}
		if len(line) == 0 {
			return f, nil
		}
		if err := f.addField(line); err != nil {
			return f, err
		}
	}
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

// addField notes the header fields that decide framing and keep-alive; the
// others are skipped.
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

// readBody consumes the body as the header frames it (RFC 9112, section 6.3).
func (p *parser) readBody(f framing, head bool) (response, error) {
	resp := response{status: f.status, close: f.close || f.http10 && !f.keepAlive}
	p.search.reset()
	var err error
	switch {
	case f.status == 101:
		resp.close = true
	case head || f.status == 204 || f.status == 304:
	case f.chunked:
		err = p.readChunked()
	case f.otherCoding:
		resp.close = true
		err = p.readToEOF()
	case f.contentLength >= 0:
		err = p.readN(f.contentLength)
	default:
		resp.close = true
		err = p.readToEOF()
	}
	resp.found = p.search.found
	return resp, err
}

func (p *parser) readChunked() error {
	for {
		line, err := p.readLine()
		if err != nil {
			return unexpectedEOF(err)
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return errMalformedChunk
		}
		if size == 0 {
			return p.skipTrailers()
		}
		if err := p.readN(size); err != nil {
			return err
		}
		if line, err = p.readLine(); err != nil {
			return unexpectedEOF(err)
		}
		if len(line) != 0 {
			return errMalformedChunk
		}
	}
}

func (p *parser) skipTrailers() error {
	total := 0
	for {
		line, err := p.readLine()
		if err != nil {
			return unexpectedEOF(err)
		}
		if len(line) == 0 {
			return nil
		}
		if total += len(line) + 2; total > maxHeaderBytes {
			return errHeaderTooLarge
		}
	}
}

// readN consumes n body bytes, searching them when a body check is set.
func (p *parser) readN(n int64) error {
	for n > 0 {
		seg, err := p.segment(n)
		if err != nil {
			return unexpectedEOF(err)
		}
		n -= int64(len(seg))
		p.consume(seg)
	}
	return nil
}

// readToEOF consumes a body delimited by the end of the connection.
func (p *parser) readToEOF() error {
	for {
		seg, err := p.segment(math.MaxInt64)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p.consume(seg)
	}
}

// segment returns up to limit bytes that are buffered, reading once if none
// are. The bytes stay in the buffer until consume discards them.
func (p *parser) segment(limit int64) ([]byte, error) {
	if p.r.Buffered() == 0 {
		if _, err := p.r.Peek(1); err != nil {
			return nil, err
		}
	}
	return p.r.Peek(int(min(int64(p.r.Buffered()), limit)))
}

func (p *parser) consume(seg []byte) {
	p.search.feed(seg)
	_, _ = p.r.Discard(len(seg)) // cannot fail: seg is buffered
}

// readLine returns the next line without its line ending. The slice is only
// valid until the next read. It returns io.EOF only when no byte was left.
func (p *parser) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, errLineTooLong
	case err == io.EOF && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// noResponse marks an error that ended a connection before any byte of the
// answer: on a reused connection it means the server had closed it while idle.
// A timeout is never that: the server had the request and did not answer.
func noResponse(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", errNoResponse, err)
}

// unexpectedEOF turns an end of stream inside a response into an error.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
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

// parseChunkSize reads "hex[;extensions]"; 15 hex digits keep the size far
// from overflowing.
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
