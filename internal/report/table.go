package report

import (
	"io"
	"strings"
)

// table is a plain-text table: the first column left-aligned (names), the others
// right-aligned (numbers) unless listed in left, two spaces between columns. Rows listed
// in spans are one cell written as it is (a heading), not counted in the columns' widths.
type table struct {
	rows  [][]string
	left  map[int]bool
	spans map[int]bool
	// paint, if set, decorates a cell (e.g. with ANSI colour) after its width is measured,
	// so escape sequences do not upset the alignment.
	paint func(row, col int, cell string) string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) widths() []int {
	var widths []int
	for r, row := range t.rows {
		if t.spans[r] {
			continue
		}
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	return widths
}

// width is the display width of the table's widest line.
func (t *table) width() int {
	w := 0
	for r, row := range t.rows {
		if t.spans[r] {
			w = max(w, displayWidth(row[0]))
		}
	}
	ws := t.widths()
	total := 0
	for _, c := range ws {
		total += c
	}
	if len(ws) > 0 {
		total += 2 * (len(ws) - 1)
	}
	return max(w, total)
}

func (t *table) write(w io.Writer) error {
	widths := t.widths()
	var b strings.Builder
	for r, row := range t.rows {
		if t.spans[r] {
			b.WriteString(row[0] + "\n")
			continue
		}
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			text := c
			if t.paint != nil {
				text = t.paint(r, i, c)
			}
			if i > 0 {
				line.WriteString("  ")
			}
			if i == 0 || t.left[i] {
				line.WriteString(text + pad)
			} else {
				line.WriteString(pad + text)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
