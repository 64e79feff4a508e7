package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{
		"port":         "8080",
		"addr":         "127.0.0.1:8080",
		"database_url": "postgres://u@127.0.0.1:5432/db?x={port}",
	}
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string // substring of the error; "" = no error
	}{
		{name: "no placeholders", in: "gunicorn -w 4", want: "gunicorn -w 4"},
		{name: "one", in: "--bind={addr}", want: "--bind=127.0.0.1:8080"},
		{name: "several and repeated", in: "{port}:{port}/{addr}", want: "8080:8080/127.0.0.1:8080"},
		{name: "literal braces", in: `{{"port": {port}}}`, want: `{"port": 8080}`},
		{name: "escaped placeholder stays literal", in: "{{port}}", want: "{port}"},
		{name: "escaped brace around placeholder", in: "{{{port}}}", want: "{8080}"},
		{name: "values are not re-expanded", in: "{database_url}", want: "postgres://u@127.0.0.1:5432/db?x={port}"},
		{name: "empty string", in: "", want: ""},
		{name: "unknown name lists known ones", in: "{prot}", wantErr: "unknown placeholder {prot} (known: {addr}, {database_url}, {port})"},
		{name: "unterminated", in: "x{port", wantErr: `unterminated placeholder "{port"`},
		{name: "nested braces", in: "{a{port}}", wantErr: `"{" inside placeholder "{a{"`},
		{name: "empty placeholder", in: "a{}b", wantErr: "empty placeholder {} at offset 1"},
		{name: "lone closing brace", in: "a}b", wantErr: `unmatched "}" at offset 1`},
		{name: "placeholder then lone closing brace", in: "{port}}", wantErr: `unmatched "}" at offset 6`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.in, vars)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Expand(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestExpandWithoutVars(t *testing.T) {
	_, err := Expand("{x}", nil)
	if err == nil || !strings.Contains(err.Error(), "(known: none)") {
		t.Fatalf("err = %v, want it to say no names are known", err)
	}
}
