package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Definition is the canonical form of what shapes a measurement — database setup, stack,
// load settings, scenarios, profile — as flat "key = value" pairs with defaults filled in
// and paths normalised. Gate rules (tolerances, α, run counts), readiness and stop timeouts
// and comments are not in it: they may change without invalidating baselines. Keys use
// process and scenario names rather than positions, so reordering changes nothing.
// Results store it whole, so "not comparable" can say exactly which setting changed.
type Definition map[string]string

// Definition returns the canonical definition of s.
func (s *Suite) Definition() Definition {
	d := Definition{}
	d.put("profile", s.Profile)
	for i, c := range s.Build {
		d.command(fmt.Sprintf("build[%d]", i+1), c)
	}
	d.env("hosts", s.Hosts)
	d.put("database.name", s.Database.Name)
	for k, v := range s.DatabaseSettings() {
		d.put("database.settings."+k, v)
	}
	for i, c := range s.Database.Setup {
		d.command(fmt.Sprintf("database.setup[%d]", i+1), c)
	}
	for _, p := range s.Processes {
		at := "process." + p.Name
		d.put(at+".run", p.Run)
		d.put(at+".dir", cleanDir(p.Dir))
		d.env(at+".env", p.Env)
		d.put(at+".listen", p.Listen)
		d.put(at+".user", p.User)
		d.put(at+".cpus", p.CPUs)
	}
	d.put("load.target", s.Load.Target)
	d.put("load.timeout", s.Load.Timeout.String())
	d.put("load.warmup", s.Load.Warmup.String())
	d.put("load.duration", s.Load.Duration.String())
	d.put("load.cpus", s.Load.CPUs)
	if s.Duet {
		d.put("load.duet", true)
	}
	for _, sc := range s.Scenarios {
		d.scenario(s, sc)
	}
	return d
}

func (d Definition) scenario(s *Suite, sc Scenario) {
	at := "scenario." + sc.Name
	d.put(at+".method", sc.Method)
	d.put(at+".path", sc.Path)
	d.env(at+".headers", sc.Headers)
	d.put(at+".body", sc.Body)
	d.put(at+".rate", s.ScenarioRate(sc))
	d.put(at+".connections", s.ScenarioConnections(sc))
	d.put(at+".expect.status", sc.Expect.Status)
	d.put(at+".expect.content_type", sc.Expect.ContentType)
	d.put(at+".expect.body_contains", sc.Expect.BodyContains)
	d.put(at+".expect.json_fields", sc.Expect.JSONFields)
}

func (d Definition) command(at string, c Command) {
	if c.SQL != "" {
		d.put(at+".sql", filepath.ToSlash(filepath.Clean(c.SQL)))
	} else {
		d.put(at+".run", c.Run)
	}
	d.put(at+".dir", cleanDir(c.Dir))
	d.env(at+".env", c.Env)
}

func (d Definition) env(at string, env map[string]string) {
	for k, v := range env {
		d.put(at+"."+k, v)
	}
}

// put stores v in its canonical JSON text; empty values are left out, so adding an
// optional setting at its default value does not change the hash.
func (d Definition) put(key string, v any) {
	text := fmt.Sprint(v) // only for values JSON cannot write (validation rejects NaN rates)
	if b, err := json.Marshal(v); err == nil {
		text = string(b)
	}
	switch text {
	case `""`, "null", "[]", "{}", "0":
		return
	default:
		d[key] = text
	}
}

func cleanDir(dir string) string { return filepath.ToSlash(filepath.Clean(dir)) }

// Hash is the SHA-256 of the canonical definition, "sha256:<hex>".
func (d Definition) Hash() string {
	h := sha256.New()
	for _, k := range d.keys() {
		fmt.Fprintf(h, "%s=%s\n", k, d[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func (d Definition) keys() []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Change is one setting that differs between two definitions ("" = not set).
type Change struct {
	Key, Old, New string
}

func (c Change) String() string {
	show := func(v string) string {
		if v == "" {
			return "(not set)"
		}
		return v
	}
	return fmt.Sprintf("%s: %s → %s", c.Key, show(c.Old), show(c.New))
}

// Diff lists the settings that differ from old to d, sorted by key.
func (d Definition) Diff(old Definition) []Change {
	var out []Change
	seen := map[string]bool{}
	for _, k := range append(old.keys(), d.keys()...) {
		if seen[k] {
			continue
		}
		seen[k] = true
		if old[k] != d[k] {
			out = append(out, Change{Key: k, Old: old[k], New: d[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ForScenario is the part of the definition that shapes scenario name's measurement: every
// suite-wide setting and that scenario's own. A baseline stays comparable for a scenario
// when another scenario is added or changed.
func (d Definition) ForScenario(name string) Definition {
	out := Definition{}
	for k, v := range d {
		if !strings.HasPrefix(k, "scenario.") || strings.HasPrefix(k, "scenario."+name+".") {
			out[k] = v
		}
	}
	return out
}
