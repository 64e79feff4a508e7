package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated sections of README.md")

// TestREADMETablesAreGenerated keeps the README's endpoint and knob tables
// equal to the tables in the code.
func TestREADMETablesAreGenerated(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	got := string(readme)
	for _, s := range []struct{ name, content string }{
		{"endpoints", markdownEndpoints()},
		{"knobs", markdownKnobs()},
	} {
		got, err = replaceSection(got, s.name, s.content)
		if err != nil {
			t.Fatal(err)
		}
	}
	if got == string(readme) {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README.md's generated tables are stale: go test ./cmd/refstack -run TestREADME -update")
}

// replaceSection puts content between the section's begin and end markers.
func replaceSection(doc, name, content string) (string, error) {
	beginMarker := "<!-- begin generated: " + name
	endMarker := "<!-- end generated: " + name + " -->"
	begin := strings.Index(doc, beginMarker)
	end := strings.Index(doc, endMarker)
	if begin < 0 || end < begin {
		return "", &missingSectionError{name}
	}
	bodyStart := begin + strings.Index(doc[begin:], "\n") + 1
	return doc[:bodyStart] + content + doc[end:], nil
}

type missingSectionError struct{ name string }

func (e *missingSectionError) Error() string {
	return "README.md has no generated section " + e.name
}

func TestHelpDescribesEveryCommandEndpointAndKnob(t *testing.T) {
	var out bytes.Buffer
	writeHelp(&out)
	help := out.String()
	want := []string{"refstack serve", "refstack seed", "DATABASE_URL", "-addr", "-pool", "-rows", "-seed", "-database-url"}
	for _, e := range endpoints {
		want = append(want, e.method+" "+e.path)
	}
	for _, k := range knobTable {
		want = append(want, k.name+"="+k.value)
	}
	for _, w := range want {
		if !strings.Contains(help, w) {
			t.Errorf("help does not mention %q", w)
		}
	}
}
