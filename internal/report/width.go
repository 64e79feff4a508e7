package report

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Terminal text is measured in display cells, not bytes or runes: a CJK character or an
// emoji takes two cells, a combining mark none.

// displayWidth is how many terminal cells s takes (s holds no control characters; ANSI
// colour sequences are added after measuring).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == '\u200b':
		return 0
	case r >= 0x1f300 && r <= 0x1faff: // pictographs and emoji
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// cutToWidth shortens s to at most w cells, ending it with "…" when cut.
func cutToWidth(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n+runeWidth(r) > w-1 {
			break
		}
		b.WriteRune(r)
		n += runeWidth(r)
	}
	return b.String() + "…"
}

// wrapText breaks s into lines of at most w cells: the first line has first cells less
// (taken by what goes before it), the others rest cells less. Lines break between words;
// a word longer than a line is broken where it must.
func wrapText(s string, w, first, rest int) []string {
	var lines []string
	var line strings.Builder
	used, limit := 0, max(w-first, 8)
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		used, limit = 0, max(w-rest, 8)
	}
	for _, word := range strings.Fields(s) {
		ww := displayWidth(word)
		if used > 0 && used+1+ww > limit {
			flush()
		}
		if used > 0 {
			line.WriteByte(' ')
			used++
		}
		for ww > limit-used { // a word longer than the line: break it
			for _, r := range word {
				if used+runeWidth(r) > limit {
					break
				}
				line.WriteRune(r)
				used += runeWidth(r)
				word = word[len(string(r)):]
			}
			flush()
			ww = displayWidth(word)
		}
		line.WriteString(word)
		used += ww
	}
	if used > 0 || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}
