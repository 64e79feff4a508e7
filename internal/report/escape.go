package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// markdownEntity is what replaces a character that Markdown (GitHub-flavoured, with
// tables, strikethrough and math) or HTML would read as markup ("" for other characters).
// Numeric character references are used rather than backslash escapes because they also
// hold inside raw HTML (<details>, <summary>), and CommonMark never treats a character
// reference as a delimiter.
func markdownEntity(r rune) string {
	switch r {
	case '|':
		return "&#124;" // table cell separator
	case '*':
		return "&#42;" // emphasis, list item
	case '_':
		return "&#95;" // emphasis (not inside a word: see EscapeMarkdown)
	case '`':
		return "&#96;" // code span
	case '~':
		return "&#126;" // strikethrough, code fence
	case '[':
		return "&#91;" // link, image
	case ']':
		return "&#93;"
	case '<':
		return "&lt;" // HTML tag, autolink
	case '>':
		return "&gt;" // HTML tag, block quote
	case '&':
		return "&amp;" // character reference
	case '#':
		return "&#35;" // heading
	case '\\':
		return "&#92;" // backslash escape
	case '$':
		return "&#36;" // math
	}
	return ""
}

// EscapeMarkdown makes s, a string stackgate does not control (a suite or scenario name, a
// reason embedding error text, a warning, a revision), show as literal text in Markdown
// and in HTML, on one line: markup characters become character references, line breaks
// and tabs become spaces, and other control or bidirectional-override characters become
// U+FFFD, so the text can neither break a table nor inject HTML. An underscore between
// two letters or digits stays as it is, so that "error_rate" reads as it is in raw
// Markdown too: GitHub never takes one inside a word for emphasis.
func EscapeMarkdown(s string) string {
	if strings.IndexFunc(s, needsMarkdownEscape) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	prev := rune(0)
	for i, r := range s {
		next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
		switch e := markdownEntity(r); {
		case r == '_' && isWordRune(prev) && isWordRune(next):
			b.WriteByte('_')
		case e != "":
			b.WriteString(e)
		case isLineBreak(r) || r == '\t':
			b.WriteByte(' ')
		case isControl(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// isWordRune: a letter or a digit, between which an underscore is not emphasis.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// escapeTerminal keeps s on one line of a terminal and stops it from sending escape
// sequences: control characters (line breaks, tabs, ESC) and bidirectional overrides are
// shown as Go escapes ("\n", "\x1b", "\u202e").
func escapeTerminal(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !isControl(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func needsMarkdownEscape(r rune) bool { return markdownEntity(r) != "" || isControl(r) }

func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// isControl reports the characters that are not text: C0 and C1 controls, DEL, line and
// paragraph separators, and the bidirectional embeddings, overrides and isolates that can
// make text read differently from what it is.
func isControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
