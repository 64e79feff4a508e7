package report

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table is a plain-text table: the first column left-aligned (names), the others
// right-aligned (numbers) unless listed in left, two spaces between columns.
type table struct {
	rows [][]string
	// left marks further columns aligned left (words, not numbers).
	left map[int]bool
	// paint, if set, decorates a cell (e.g. with ANSI colour) after its width is measured,
	// so escape sequences do not upset the alignment.
	paint func(row, col int, cell string) string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for r, row := range t.rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			text := c
			if t.paint != nil {
				text = t.paint(r, i, c)
			}
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case i == 0 || t.left[i]:
				b.WriteString(text)
				if i < len(row)-1 {
					b.WriteString(pad)
				}
			default:
				b.WriteString(pad)
				b.WriteString(text)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
