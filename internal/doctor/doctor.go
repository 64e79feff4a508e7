package doctor

import (
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/config"
)

// Status is how a finding bears on measurements.
type Status string

const (
	// OK: as it should be.
	OK Status = "ok"
	// Warn: adds noise; measurements stay valid but less sensitive.
	Warn Status = "warn"
	// Bad: would invalidate measurements (`stackgate doctor -strict` fails).
	Bad Status = "bad"
	// Unknown: the machine does not expose it (VMs and containers lack much of /sys).
	Unknown Status = "unknown"
)

// Finding is one property of the runner: what it is, what it should be, why, and the
// command that gets it there.
type Finding struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Value  string `json:"value"`
	Want   string `json:"want"`
	Why    string `json:"why,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Limit is a resource limit (soft and hard); Unlimited stands for RLIM_INFINITY.
type Limit struct {
	Soft, Hard uint64
}

// Unlimited is a limit that is not set.
const Unlimited = ^uint64(0)

// Thresholds of the findings.
const (
	// LoadWarnPerCPU is the 1-minute load average per CPU from which other work adds
	// noise; at 1 per CPU it takes CPUs the measurement needs (bad).
	LoadWarnPerCPU = 0.5
	// BusyWarn and BusyBad are the shares of one CPU from which a foreign process adds
	// noise, or takes so much that measurements are invalid.
	BusyWarn = 0.10
	BusyBad  = 0.50
	// StealBad is the share of CPU time a hypervisor may give to other guests during the
	// check before measurements are invalid; any steal at all is a warning.
	StealBad = 0.02
	// MinOpenFiles is the open-file limit below which a suite with many connections runs
	// out; the fix raises it to RecommendedOpenFiles, which no suite runs out of.
	MinOpenFiles         = 4096
	RecommendedOpenFiles = 65536
	// OpenFilesPerConnection and OpenFilesReserve estimate what a suite needs: a
	// descriptor per connection at both ends, plus the app's pool, logs and libraries.
	OpenFilesPerConnection = 2
	OpenFilesReserve       = 256
	// MinSomaxconn and MinSynBacklog are the listen and SYN queue lengths that keep a
	// burst of connections from being dropped and retried a second later.
	MinSomaxconn  = 4096
	MinSynBacklog = 4096
	// MinEphemeralPorts is the narrowest ephemeral port range that reconnecting clients
	// cannot exhaust while closed sockets wait in TIME_WAIT.
	MinEphemeralPorts = 16384
	// DefaultSampleInterval separates the two samples of /proc that CPU use is measured
	// over.
	DefaultSampleInterval = time.Second
)

// Options of Check.
type Options struct {
	// Suite is the suite the runner measures (nil: none found; pinning is then unknown).
	Suite *config.Suite
	// OpenFiles reads the open-file limit that processes stackgate starts get (nil: not
	// checked). See ChildOpenFiles.
	OpenFiles func() (Limit, error)
	// Wait separates the two samples of /proc (nil: sleep DefaultSampleInterval). Tests
	// change the fake tree here.
	Wait func()
	// Self is the process running the check, never counted as busy (0: this process).
	Self int
}

// Check examines the runner through fsys, a tree rooted at "/" (os.DirFS("/")), and
// returns its findings in a fixed order. Missing files make a finding Unknown, never an
// error.
func Check(fsys fs.FS, opt Options) []Finding {
	before := takeSample(fsys)
	opt.wait()
	after := takeSample(fsys)
	cpus := countCPUs(fsys)
	return []Finding{
		governor(fsys),
		turbo(fsys),
		smt(fsys),
		loadAverage(fsys, cpus),
		busyProcesses(before, after, cpus, opt.self()),
		swap(fsys, before, after),
		openFiles(opt.OpenFiles, opt.Suite),
		somaxconn(fsys),
		synBacklog(fsys),
		portRange(fsys),
		pinning(opt.Suite, cpus),
		virtualization(fsys),
		steal(before, after),
	}
}

func (opt Options) wait() {
	if opt.Wait != nil {
		opt.Wait()
		return
	}
	time.Sleep(DefaultSampleInterval)
}

func (opt Options) self() int {
	if opt.Self != 0 {
		return opt.Self
	}
	return os.Getpid()
}

// Invalidating returns the findings that would invalidate measurements (Bad).
func Invalidating(findings []Finding) []Finding {
	var bad []Finding
	for _, f := range findings {
		if f.Status == Bad {
			bad = append(bad, f)
		}
	}
	return bad
}

// readLine is the first line of a file, trimmed; ok is false when the file is missing,
// unreadable or empty.
func readLine(fsys fs.FS, name string) (string, bool) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	return line, line != ""
}

// unknown is a finding the machine does not expose.
func unknown(name, want, value string) Finding {
	return Finding{Name: name, Status: Unknown, Value: value, Want: want}
}
