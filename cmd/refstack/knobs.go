package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// maxKnobDuration bounds REFSTACK_CPU_US and REFSTACK_DELAY: a knob
	// injects a regression of known size, and a request that takes longer
	// would run into the server's write timeout instead.
	maxKnobDuration = 10 * time.Second
	// maxLeakKB bounds REFSTACK_LEAK_KB (1 GiB per request).
	maxLeakKB = 1 << 20
)

// knobs are the regressions to inject, read once at start from the
// environment. The zero value injects nothing.
type knobs struct {
	cpu          time.Duration
	delay        time.Duration
	extraQueries int
	leakKB       int
	errorEvery   int
	wrongAnswer  bool
	crashAfter   int
	// paths limits the knobs to these endpoints; nil means every scenario.
	paths []string
	// settings are the variables that were set, as NAME=value, for the
	// startup line.
	settings []string
}

// knob describes one environment variable. The table drives parsing, the
// help text and the README, so they cannot disagree.
type knob struct {
	name   string
	value  string // the placeholder shown in the docs
	effect string
	set    func(k *knobs, value string) error
}

var knobTable = []knob{
	{name: "REFSTACK_CPU_US", value: "N", effect: "burn N µs of CPU (on the thread's CPU clock) per request",
		set: func(k *knobs, v string) (err error) { k.cpu, err = parseMicroseconds(v); return err }},
	{name: "REFSTACK_DELAY", value: "D", effect: "sleep D (a Go duration: 5ms, 1.5s) per request: latency without CPU",
		set: func(k *knobs, v string) (err error) { k.delay, err = parseDelay(v); return err }},
	{name: "REFSTACK_EXTRA_QUERIES", value: "N", effect: "N extra database round trips (SELECT randomnumber FROM world WHERE id=$1) per request",
		set: func(k *knobs, v string) (err error) { k.extraQueries, err = parseCount(v, 0); return err }},
	{name: "REFSTACK_LEAK_KB", value: "N", effect: "retain N KiB per request forever: memory that grows",
		set: func(k *knobs, v string) (err error) { k.leakKB, err = parseCount(v, maxLeakKB); return err }},
	{name: "REFSTACK_ERROR_EVERY", value: "N", effect: "every Nth request answers 500: a rising error rate",
		set: func(k *knobs, v string) (err error) { k.errorEvery, err = parseCount(v, 0); return err }},
	{name: "REFSTACK_WRONG_ANSWER", value: "1", effect: "status 200 with a wrong body ({\"message\":\"wrong\"}, rows without randomNumber) so correctness checks catch it",
		set: func(k *knobs, v string) (err error) { k.wrongAnswer, err = parseSwitch(v); return err }},
	{name: "REFSTACK_CRASH_AFTER", value: "N", effect: "the process exits with status 3 on the first request after N requests: a crash mid-run",
		set: func(k *knobs, v string) (err error) { k.crashAfter, err = parseCount(v, 0); return err }},
	{name: "REFSTACK_KNOB_PATHS", value: "/db,/json", effect: "limit the knobs to these paths (default: every scenario endpoint)",
		set: func(k *knobs, v string) (err error) { k.paths, err = parsePaths(v); return err }},
}

// parseKnobs reads every knob from getenv. An empty variable is unset and a
// zero value turns its knob off. All invalid variables are reported at once,
// each error naming its variable.
func parseKnobs(getenv func(string) string) (knobs, error) {
	var k knobs
	var errs []error
	for _, kn := range knobTable {
		v := getenv(kn.name)
		if v == "" {
			continue
		}
		if err := kn.set(&k, v); err != nil {
			errs = append(errs, fmt.Errorf("invalid %s=%q: %w", kn.name, v, err))
			continue
		}
		k.settings = append(k.settings, kn.name+"="+v)
	}
	return k, errors.Join(errs...)
}

// active reports whether any knob changes the behaviour of a request.
func (k knobs) active() bool {
	return k.cpu > 0 || k.delay > 0 || k.extraQueries > 0 || k.leakKB > 0 ||
		k.errorEvery > 0 || k.wrongAnswer || k.crashAfter > 0
}

// appliesTo reports whether the knobs act on requests to path.
func (k knobs) appliesTo(path string) bool {
	return k.paths == nil || slices.Contains(k.paths, path)
}

// parseCount parses a whole number >= 0, and <= limit when limit > 0.
func parseCount(v string, limit int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errors.New("want a whole number >= 0")
	}
	if limit > 0 && n > limit {
		return 0, fmt.Errorf("want at most %d", limit)
	}
	return n, nil
}

func parseMicroseconds(v string) (time.Duration, error) {
	n, err := parseCount(v, int(maxKnobDuration/time.Microsecond))
	return time.Duration(n) * time.Microsecond, err
}

func parseDelay(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, errors.New("want a Go duration such as 5ms or 1.5s")
	case d < 0:
		return 0, errors.New("want a duration >= 0")
	case d > maxKnobDuration:
		return 0, fmt.Errorf("want at most %s", maxKnobDuration)
	}
	return d, nil
}

func parseSwitch(v string) (bool, error) {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, errors.New("want 1 or 0 (or true or false)")
	}
	return on, nil
}

// parsePaths parses a comma-separated list of scenario endpoint paths.
// Anything else is refused, so a typo cannot silently disable a knob.
func parsePaths(v string) ([]string, error) {
	var paths []string
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(scenarioPaths(), p) {
			return nil, fmt.Errorf("%q is not a scenario endpoint (want some of %s)", p, strings.Join(scenarioPaths(), ","))
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, errors.New("want at least one path")
	}
	return paths, nil
}

// scenarioPaths lists the paths the knobs can apply to.
func scenarioPaths() []string {
	var paths []string
	for _, e := range endpoints {
		if e.scenario {
			paths = append(paths, e.path)
		}
	}
	return paths
}
