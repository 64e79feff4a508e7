package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestParseKnobs(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want knobs
	}{
		{"nothing set", nil, knobs{}},
		{"empty is unset", map[string]string{"REFSTACK_CPU_US": "", "REFSTACK_KNOB_PATHS": ""}, knobs{}},
		{"cpu", map[string]string{"REFSTACK_CPU_US": "250"},
			knobs{cpu: 250 * time.Microsecond, settings: []string{"REFSTACK_CPU_US=250"}}},
		{"delay", map[string]string{"REFSTACK_DELAY": "1.5ms"},
			knobs{delay: 1500 * time.Microsecond, settings: []string{"REFSTACK_DELAY=1.5ms"}}},
		{"zero turns a knob off", map[string]string{"REFSTACK_ERROR_EVERY": "0"},
			knobs{settings: []string{"REFSTACK_ERROR_EVERY=0"}}},
		{"wrong answer", map[string]string{"REFSTACK_WRONG_ANSWER": "1"},
			knobs{wrongAnswer: true, settings: []string{"REFSTACK_WRONG_ANSWER=1"}}},
		{"paths with spaces and a trailing comma", map[string]string{"REFSTACK_KNOB_PATHS": " /db, /json,"},
			knobs{paths: []string{"/db", "/json"}, settings: []string{"REFSTACK_KNOB_PATHS= /db, /json,"}}},
		{"all of them, in table order", map[string]string{
			"REFSTACK_KNOB_PATHS": "/slow", "REFSTACK_CRASH_AFTER": "100", "REFSTACK_WRONG_ANSWER": "true",
			"REFSTACK_ERROR_EVERY": "10", "REFSTACK_LEAK_KB": "64", "REFSTACK_EXTRA_QUERIES": "2",
			"REFSTACK_DELAY": "5ms", "REFSTACK_CPU_US": "100",
		}, knobs{
			cpu: 100 * time.Microsecond, delay: 5 * time.Millisecond, extraQueries: 2, leakKB: 64,
			errorEvery: 10, wrongAnswer: true, crashAfter: 100, paths: []string{"/slow"},
			settings: []string{"REFSTACK_CPU_US=100", "REFSTACK_DELAY=5ms", "REFSTACK_EXTRA_QUERIES=2",
				"REFSTACK_LEAK_KB=64", "REFSTACK_ERROR_EVERY=10", "REFSTACK_WRONG_ANSWER=true",
				"REFSTACK_CRASH_AFTER=100", "REFSTACK_KNOB_PATHS=/slow"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseKnobs(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseKnobsErrorsNameTheVariable(t *testing.T) {
	tests := []struct{ name, value string }{
		{"REFSTACK_CPU_US", "abc"},
		{"REFSTACK_CPU_US", "-1"},
		{"REFSTACK_CPU_US", "1.5"},
		{"REFSTACK_CPU_US", "10000001"}, // over 10s
		{"REFSTACK_DELAY", "5"},         // no unit
		{"REFSTACK_DELAY", "-1ms"},
		{"REFSTACK_DELAY", "11s"},
		{"REFSTACK_EXTRA_QUERIES", "many"},
		{"REFSTACK_LEAK_KB", "-4"},
		{"REFSTACK_LEAK_KB", "1048577"}, // over 1 GiB
		{"REFSTACK_ERROR_EVERY", "1/3"},
		{"REFSTACK_WRONG_ANSWER", "yes"},
		{"REFSTACK_CRASH_AFTER", "99999999999999999999"},
		{"REFSTACK_KNOB_PATHS", "/healthz"}, // never knobbed
		{"REFSTACK_KNOB_PATHS", "/db,/dbb"},
		{"REFSTACK_KNOB_PATHS", "db"},
		{"REFSTACK_KNOB_PATHS", ","},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := parseKnobs(envOf(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s", err, tt.name)
			}
		})
	}
}

func TestParseKnobsReportsEveryInvalidVariable(t *testing.T) {
	_, err := parseKnobs(envOf(map[string]string{"REFSTACK_CPU_US": "x", "REFSTACK_DELAY": "y", "REFSTACK_LEAK_KB": "8"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"REFSTACK_CPU_US", "REFSTACK_DELAY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "REFSTACK_LEAK_KB") {
		t.Errorf("error %q names the valid REFSTACK_LEAK_KB", err)
	}
}
