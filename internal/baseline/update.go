package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// Update promotes r to the baseline at path. The previous baseline joins the history; the
// full result goes to the raw sidecar (see writePair), so a full disk or a crash at any
// point leaves a complete old or a complete new baseline. An unreadable
// previous baseline is refused rather than overwritten: it may be the only copy of data
// someone wants to keep.
func Update(path string, r *result.Result, now time.Time) (old, updated *Baseline, err error) {
	old, err = Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return nil, nil, fmt.Errorf("%w (delete it to start a new baseline)", err)
	}
	updated, err = FromResult(r, now, filepath.Base(rawPath(path)))
	if err != nil {
		return nil, nil, &result.FileError{Path: path, Err: err}
	}
	if old != nil {
		updated.History = append(append([]Point(nil), old.History...), old.point())
		if n := len(updated.History); n > HistoryLimit {
			updated.History = updated.History[n-HistoryLimit:]
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the baseline directory: %w", err)
	}
	if err := writePair(path, updated, r); err != nil {
		return nil, nil, err
	}
	return old, updated, nil
}

// writePair writes the baseline b at path and the full result r in its sidecar: both are
// written in full before either replaces its old version, and the baseline goes in last,
// so a full disk leaves the old pair, and a crash between the two renames leaves a new
// sidecar that RawResult sees does not belong to the old baseline.
func writePair(path string, b *Baseline, r *result.Result) error {
	r.Schema = result.Schema
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", rawPath(path), err)
	}
	base, err := encode(path, b)
	if err != nil {
		return err
	}
	rawFile, err := result.Prepare(rawPath(path), append(raw, '\n'))
	if err != nil {
		return err
	}
	baseFile, err := result.Prepare(path, base)
	if err != nil {
		rawFile.Discard()
		return err
	}
	if err := rawFile.Commit(); err != nil {
		baseFile.Discard()
		return err
	}
	return baseFile.Commit()
}

// encode writes b readably: indented, with each array of numbers on one line, so that a
// baseline update reads as a short diff.
func encode(path string, b *Baseline) ([]byte, error) {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", path, err)
	}
	return append(compactNumberArrays(data), '\n'), nil
}

var numberArray = regexp.MustCompile(`\[\s*-?[0-9][0-9.eE+-]*(?:,\s*-?[0-9][0-9.eE+-]*)*\s*\]`)
var spaces = regexp.MustCompile(`\s+`)

func compactNumberArrays(data []byte) []byte {
	return numberArray.ReplaceAllFunc(data, func(m []byte) []byte {
		s := spaces.ReplaceAllString(string(m), "")
		s = strings.ReplaceAll(s, ",", ", ")
		return []byte(s)
	})
}

// Change is one metric's median before and after a baseline update.
type Change struct {
	Scenario, Metric string
	Old, New         float64
	HasOld           bool
}

// Relative is the relative change from Old to New (NaN without an old value or from 0).
func (c Change) Relative() float64 {
	if !c.HasOld || c.Old == 0 {
		return math.NaN()
	}
	return (c.New - c.Old) / c.Old
}

// Changes lists every metric of updated with its previous median, in scenario and
// catalogue order.
func Changes(old, updated *Baseline) []Change {
	var out []Change
	for _, sc := range updated.Scenarios {
		var prev *Scenario
		if old != nil {
			prev = old.scenario(sc.Name)
		}
		for _, name := range metricOrder(sc.Metrics) {
			c := Change{Scenario: sc.Name, Metric: name, New: sc.Metrics[name].Median}
			if prev != nil {
				if m, ok := prev.Metrics[name]; ok {
					c.Old, c.HasOld = m.Median, true
				}
			}
			out = append(out, c)
		}
	}
	return out
}

func (b *Baseline) scenario(name string) *Scenario {
	for i := range b.Scenarios {
		if b.Scenarios[i].Name == name {
			return &b.Scenarios[i]
		}
	}
	return nil
}

// metricOrder sorts metric names in catalogue order, unknown names last.
func metricOrder(m map[string]Metric) []string {
	known := metric.Names()
	rank := func(name string) int {
		for i, k := range known {
			if k == name {
				return i
			}
		}
		return len(known)
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

// Drift is each metric's change from the oldest remembered baseline of the same
// definition to this one, and how many baselines that spans (0 when there is none).
func (b *Baseline) Drift() (since *Point, changes []Change) {
	for i := range b.History {
		if b.History[i].DefinitionHash == b.DefinitionHash {
			since = &b.History[i]
			break
		}
	}
	if since == nil {
		return nil, nil
	}
	for _, sc := range b.Scenarios {
		for _, name := range metricOrder(sc.Metrics) {
			old, ok := since.Medians[sc.Name][name]
			changes = append(changes, Change{Scenario: sc.Name, Metric: name, Old: old, HasOld: ok, New: sc.Metrics[name].Median})
		}
	}
	return since, changes
}
