// Package baseline is the store of baselines: results promoted by `stackgate baseline
// update` into files in the user's repository, reviewed as diffs. A baseline file keeps, per
// scenario and metric, the samples of every run with their median and confidence interval,
// and a short history of earlier baselines' medians so that slow creep under tolerance is
// visible. Bulky raw data (histograms, per-second series) go to a sidecar file. Every write
// is atomic.
package baseline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// Schema identifies the version of the baseline file format.
const Schema = "stackgate.baseline/v1"

// HistoryLimit is how many earlier baselines a file remembers.
const HistoryLimit = 10

// DefaultDir is the baselines directory, relative to the config file's directory.
const DefaultDir = "baselines"

// Baseline is the content of a baseline file.
type Baseline struct {
	Schema   string    `json:"schema"`
	Suite    string    `json:"suite"`
	Recorded time.Time `json:"recorded"`
	// Raw names the sidecar with the full result (histograms, series), next to this file.
	Raw            string             `json:"raw"`
	Tool           string             `json:"tool"`
	Profile        string             `json:"profile"`
	DefinitionHash string             `json:"definition_hash"`
	Definition     map[string]string  `json:"definition"`
	Fingerprint    result.Fingerprint `json:"fingerprint"`
	Git            result.Git         `json:"git"`
	Environment    map[string]string  `json:"environment,omitempty"` // see result.Result
	Started        time.Time          `json:"started"`
	Scenarios      []Scenario         `json:"scenarios"`
	// History holds earlier baselines of this file, oldest first.
	History  []Point          `json:"history,omitempty"`
	Warnings []result.Warning `json:"warnings,omitempty"`
}

// Scenario is one scenario's samples and summaries.
type Scenario struct {
	Name    string            `json:"name"`
	Runs    int               `json:"runs"`
	Metrics map[string]Metric `json:"metrics"`
	// Requests and Errors are each run's attempted and failed requests (result.Counts), in
	// run order: the gate pools them to judge the error rate. Absent in older files.
	Requests []int64 `json:"requests,omitempty"`
	Errors   []int64 `json:"errors,omitempty"`
}

// Metric is one metric's samples (one per valid run, in run order) and their summary.
type Metric struct {
	Median  float64   `json:"median"`
	Lo      float64   `json:"lo"`
	Hi      float64   `json:"hi"`
	Samples []float64 `json:"samples"`
}

// Point is an earlier baseline, remembered by its medians.
type Point struct {
	Recorded       time.Time                     `json:"recorded"`
	Revision       string                        `json:"revision,omitempty"`
	DefinitionHash string                        `json:"definition_hash"`
	Medians        map[string]map[string]float64 `json:"medians"`
}

// Path is where the baseline of suite for runner lives under dir. Quick baselines have
// their own file: quick results are only ever compared with quick baselines.
func Path(dir, runner string, s *config.Suite) string {
	name := s.Suite
	if s.Profile == config.ProfileQuick {
		name += "." + config.ProfileQuick
	}
	return filepath.Join(dir, runner, name+".json")
}

// rawPath is the sidecar of the baseline at path.
func rawPath(path string) string {
	return path[:len(path)-len(filepath.Ext(path))] + ".raw.json"
}

// Read loads the baseline at path. A missing file is reported with fs.ErrNotExist (no
// baseline yet); an unreadable one is a *result.FileError naming it — never a silent pass.
func Read(path string) (*Baseline, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var b Baseline
	if err := result.ReadJSON(path, Schema, &b); err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, &result.FileError{Path: path, Err: err}
	}
	return &b, nil
}

// Parse decodes a baseline already read, e.g. from a commit with `git show`; name stands
// for the file in messages. It checks what Read checks.
func Parse(name string, data []byte) (*Baseline, error) {
	var b Baseline
	if err := result.DecodeJSON(name, data, Schema, &b); err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, &result.FileError{Path: name, Err: err}
	}
	return &b, nil
}

// check refuses a baseline that nothing can be judged against: no scenario, a scenario
// without runs, samples or counts that cannot be lined up into runs, or values no
// measurement gives (see result.Check).
func (b *Baseline) check() error {
	err := b.checkShape()
	if err == nil {
		err = b.Result().Check()
	}
	if err != nil {
		return fmt.Errorf("%w; the file was edited by hand or is damaged: restore it from version control", err)
	}
	return nil
}

func (b *Baseline) checkShape() error {
	if len(b.Scenarios) == 0 {
		return errors.New("no scenarios")
	}
	for _, sc := range b.Scenarios {
		if sc.Runs < 1 {
			return fmt.Errorf("scenario %q: %d runs", sc.Name, sc.Runs)
		}
		for _, name := range metricOrder(sc.Metrics) {
			if m := sc.Metrics[name]; len(m.Samples) != sc.Runs {
				return fmt.Errorf("scenario %q, metric %q: %d samples for %d runs", sc.Name, name, len(m.Samples), sc.Runs)
			}
		}
		if len(sc.Requests)+len(sc.Errors) > 0 && (len(sc.Requests) != sc.Runs || len(sc.Errors) != sc.Runs) {
			return fmt.Errorf("scenario %q: %d request and %d error counts for %d runs", sc.Name, len(sc.Requests), len(sc.Errors), sc.Runs)
		}
	}
	return nil
}

// Promotable says why r cannot become a baseline (nil when it can): only a complete
// measurement with a valid run of every scenario can.
func Promotable(r *result.Result) error {
	if !r.Complete {
		return fmt.Errorf("the result is incomplete (%s): only a complete measurement can become a baseline", r.Error)
	}
	if len(r.Scenarios) == 0 {
		return errors.New("the result has no scenarios: there is nothing to record")
	}
	for _, sc := range r.Scenarios {
		if len(sc.Samples(metric.Throughput)) == 0 {
			return fmt.Errorf("scenario %q has no valid run: a baseline needs runs to compare with", sc.Name)
		}
	}
	return nil
}

// FromResult makes a baseline of a complete result.
func FromResult(r *result.Result, recorded time.Time, rawName string) (*Baseline, error) {
	if err := Promotable(r); err != nil {
		return nil, err
	}
	b := &Baseline{
		Schema: Schema, Suite: r.Suite, Recorded: recorded.UTC(), Raw: rawName, Tool: r.Tool,
		Profile: r.Profile, DefinitionHash: r.DefinitionHash, Definition: r.Definition,
		Fingerprint: r.Fingerprint, Git: r.Git, Environment: r.Environment, Started: r.Started, Warnings: r.Warnings,
	}
	for _, sc := range r.Scenarios {
		bs := Scenario{Name: sc.Name, Runs: len(sc.Samples(metric.Throughput)), Metrics: map[string]Metric{}}
		for _, name := range sc.Metrics() {
			samples := sc.Samples(name)
			sum := compare.Summarize(samples)
			bs.Metrics[name] = Metric{Median: sum.Median, Lo: sum.Lo, Hi: sum.Hi, Samples: samples}
		}
		bs.Requests, bs.Errors = runCounts(sc)
		b.Scenarios = append(b.Scenarios, bs)
	}
	return b, nil
}

// runCounts lists the request and error counts of sc's valid runs, or nothing when a valid
// run has none.
func runCounts(sc result.Scenario) (requests, errs []int64) {
	for _, r := range sc.Runs {
		if len(r.Invalid) > 0 {
			continue
		}
		if r.Counts == nil {
			return nil, nil
		}
		requests = append(requests, r.Counts.Requests)
		errs = append(errs, r.Counts.Errors)
	}
	return requests, errs
}

// Result rebuilds the comparable part of a result from the baseline: the header and one
// run per sample. (Histograms and series are in the raw sidecar.)
func (b *Baseline) Result() *result.Result {
	r := &result.Result{
		Schema: result.Schema, Tool: b.Tool, Suite: b.Suite, Profile: b.Profile,
		DefinitionHash: b.DefinitionHash, Definition: b.Definition, Fingerprint: b.Fingerprint,
		Git: b.Git, Environment: b.Environment, Started: b.Started, Complete: true, Warnings: b.Warnings,
	}
	for _, sc := range b.Scenarios {
		rs := result.Scenario{Name: sc.Name}
		for i := 0; i < sc.Runs; i++ {
			run := result.Run{Run: i + 1, Metrics: map[string]float64{}}
			for name, m := range sc.Metrics {
				run.Metrics[name] = m.Samples[i]
			}
			if len(sc.Requests) == sc.Runs && len(sc.Errors) == sc.Runs {
				run.Counts = &result.Counts{Requests: sc.Requests[i], Errors: sc.Errors[i]}
			}
			rs.Runs = append(rs.Runs, run)
		}
		r.Scenarios = append(r.Scenarios, rs)
	}
	return r
}

// point summarises the baseline for the history of its successor.
func (b *Baseline) point() Point {
	p := Point{Recorded: b.Recorded, Revision: b.Git.Revision, DefinitionHash: b.DefinitionHash, Medians: map[string]map[string]float64{}}
	for _, sc := range b.Scenarios {
		p.Medians[sc.Name] = map[string]float64{}
		for name, m := range sc.Metrics {
			p.Medians[sc.Name][name] = m.Median
		}
	}
	return p
}

// CompareHistory is the history in the form the comparison uses: every earlier baseline
// and this one, oldest first, so that a head result's drift spans them all.
func (b *Baseline) CompareHistory() []compare.HistoryPoint {
	var out []compare.HistoryPoint
	for _, p := range append(append([]Point(nil), b.History...), b.point()) {
		out = append(out, compare.HistoryPoint{Recorded: p.Recorded, Revision: p.Revision, DefinitionHash: p.DefinitionHash, Medians: p.Medians})
	}
	return out
}

// RawResult reads the full result kept in the sidecar of the baseline at path (histograms,
// per-second series: what reports draw). It is only returned when it is the result this
// baseline was made from.
func (b *Baseline) RawResult(path string) (*result.Result, error) {
	r, err := result.Read(filepath.Join(filepath.Dir(path), b.Raw))
	if err != nil {
		return nil, err
	}
	if r.Suite != b.Suite || r.DefinitionHash != b.DefinitionHash || !r.Started.Equal(b.Started) {
		return nil, &result.FileError{Path: b.Raw, Err: fmt.Errorf("not the result baseline %s was made from", path)}
	}
	return r, nil
}
