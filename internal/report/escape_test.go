package report

import (
	"regexp"
	"strings"
	"testing"
)

// references are the character references EscapeMarkdown writes.
var references = regexp.MustCompile(`&(#[0-9]+|lt|gt|amp);`)

// intraword are the underscores inside words, which are not markup.
var intraword = regexp.MustCompile(`[\pL\pN]_+[\pL\pN]`)

func TestEscapeMarkdown(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain text stays", "db p99 +18.2 % (p=0.002)", "db p99 +18.2 % (p=0.002)"},
		{"html tag", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"table separator", "a|b", "a&#124;b"},
		{"bold", "**x**", "&#42;&#42;x&#42;&#42;"},
		{"emphasis and strikethrough", "_a_ ~~b~~", "&#95;a&#95; &#126;&#126;b&#126;&#126;"},
		{"underscores inside words stay readable", "error_rate db_cpu_per_req", "error_rate db_cpu_per_req"},
		{"underscores at a word's edge", "a_ _b x_*y*_z 1_2", "a&#95; &#95;b x&#95;&#42;y&#42;&#95;z 1_2"},
		{"code span", "`rm -rf /`", "&#96;rm -rf /&#96;"},
		{"link", "[click](https://evil.example)", "&#91;click&#93;(https://evil.example)"},
		{"image", "![x](y)", "!&#91;x&#93;(y)"},
		{"heading", "# title", "&#35; title"},
		{"entity is shown, not decoded", "&lt;b&gt;", "&amp;lt;b&amp;gt;"},
		{"backslash escape", `\*not bold\*`, "&#92;&#42;not bold&#92;&#42;"},
		{"math", "$x^2$", "&#36;x^2&#36;"},
		{"html comment end", "--> <!--", "--&gt; &lt;!--"},
		{"line breaks", "a\nb\r\nc\rd\u2028e", "a b c d e"},
		{"tab", "a\tb", "a b"},
		{"control characters", "a\x1b[2Jb\x00c", "a\uFFFD&#91;2Jb\uFFFDc"},
		{"bidi override", "abc\u202Edef", "abc\uFFFDdef"},
		{"unicode text stays", "café −3.1 % ±2% ✅", "café −3.1 % ±2% ✅"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := EscapeMarkdown(c.in)
			if got != c.want {
				t.Errorf("EscapeMarkdown(%q) = %q, want %q", c.in, got, c.want)
			}
			if strings.ContainsAny(intraword.ReplaceAllString(references.ReplaceAllString(got, ""), ""), "|*_`~[]<>&#\\$\n\r") {
				t.Errorf("EscapeMarkdown(%q) = %q still holds markup", c.in, got)
			}
		})
	}
}

func TestEscapeTerminal(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain text stays", "db: p99 +18.2 % <b>|x|</b>", "db: p99 +18.2 % <b>|x|</b>"},
		{"line break", "a\nb", `a\nb`},
		{"tab", "a\tb", `a\tb`},
		{"escape sequence", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"C1 control", "a\u009bb", `a\u009bb`},
		{"bidi override", "a\u202Eb", `a\u202eb`},
		{"unicode text stays", "−3.1 % ±∞ µs", "−3.1 % ±∞ µs"},
	}
	for _, c := range cases {
		if got := escapeTerminal(c.in); got != c.want {
			t.Errorf("%s: escapeTerminal(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
