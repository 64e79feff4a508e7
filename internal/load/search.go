package load

import "bytes"

// bodySearch looks for a substring in a body that arrives in segments (reads,
// chunks) of any size, with memory bounded by the substring's length: it keeps
// only the last len(needle)-1 bytes seen, which is all a match that spans a
// boundary can start in.
type bodySearch struct {
	needle []byte
	tail   []byte // the last len(needle)-1 bytes seen
	joint  []byte // scratch: tail followed by the start of the next segment
	found  bool
}

func newBodySearch(needle []byte) bodySearch {
	m := max(len(needle)-1, 0)
	return bodySearch{
		needle: needle,
		tail:   make([]byte, 0, 2*m),
		joint:  make([]byte, 0, 2*m),
		found:  len(needle) == 0,
	}
}

// reset prepares for the next body.
func (s *bodySearch) reset() {
	s.tail = s.tail[:0]
	s.found = len(s.needle) == 0
}

// feed searches the next segment of the body.
func (s *bodySearch) feed(seg []byte) {
	if s.found || len(seg) == 0 {
		return
	}
	m := len(s.needle) - 1
	if len(s.tail) > 0 {
		s.joint = append(append(s.joint[:0], s.tail...), seg[:min(len(seg), m)]...)
		if bytes.Contains(s.joint, s.needle) {
			s.found = true
			return
		}
	}
	if bytes.Contains(seg, s.needle) {
		s.found = true
		return
	}
	s.keepTail(seg)
}

// keepTail remembers the last len(needle)-1 bytes of everything fed so far.
func (s *bodySearch) keepTail(seg []byte) {
	m := len(s.needle) - 1
	if len(seg) >= m {
		s.tail = append(s.tail[:0], seg[len(seg)-m:]...)
		return
	}
	s.tail = append(s.tail, seg...)
	if over := len(s.tail) - m; over > 0 {
		s.tail = append(s.tail[:0], s.tail[over:]...)
	}
}
