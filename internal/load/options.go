package load

import (
	"fmt"
	"math"
	"runtime"

	"github.com/stackgate/stackgate/internal/cpuset"
)

// maxBodyContains bounds Check.BodyContains: every connection keeps two buffers of about
// this size to find it across reads and chunk boundaries.
const maxBodyContains = 64 << 10

// maxPipeline bounds Options.Pipeline.
const maxPipeline = 256

// normalized returns the options with defaults filled in, or an error naming the first
// option that cannot run.
func (o Options) normalized() (Options, error) {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.Connections < 1:
		return o, fmt.Errorf("load options: connections must be at least 1, got %d", o.Connections)
	case o.Duration <= 0:
		return o, fmt.Errorf("load options: duration must be positive, got %v", o.Duration)
	case o.Warmup < 0:
		return o, fmt.Errorf("load options: warm-up must not be negative, got %v", o.Warmup)
	case o.Timeout < 0:
		return o, fmt.Errorf("load options: timeout must not be negative, got %v", o.Timeout)
	case !(o.Rate >= 0) || math.IsInf(o.Rate, 0):
		return o, fmt.Errorf("load options: rate must be a finite number >= 0, got %v", o.Rate)
	case !(o.RampTo >= 0) || math.IsInf(o.RampTo, 0):
		return o, fmt.Errorf("load options: ramp target rate must be a finite number >= 0, got %v", o.RampTo)
	case o.RampTo > 0 && o.Rate == 0:
		return o, fmt.Errorf("load options: a rate ramp needs a starting rate (open loop)")
	case o.Pipeline < 0 || o.Pipeline > maxPipeline:
		return o, fmt.Errorf("load options: pipeline depth must be between 0 and %d, got %d", maxPipeline, o.Pipeline)
	case o.Loops < 0:
		return o, fmt.Errorf("load options: loops must not be negative, got %d", o.Loops)
	}
	if err := o.Check.validate(); err != nil {
		return o, fmt.Errorf("load options: %w", err)
	}
	o.Pipeline = max(o.Pipeline, 1)
	if o.RampTo == 0 {
		o.RampTo = o.Rate
	}
	if err := cpuset.Check(o.CPUs); err != nil {
		return o, fmt.Errorf("load options: %w", err)
	}
	switch {
	case o.Loops == 0 && len(o.CPUs) > 0:
		o.Loops = len(o.CPUs)
	case o.Loops == 0:
		o.Loops = DefaultLoops()
	}
	o.Loops = min(o.Loops, o.Connections)
	return o, nil
}

// DefaultLoops is the number of event loops when Options.Loops is 0: one per CPU the
// process may run on (GOMAXPROCS, which Go derives from the affinity mask and the
// cgroup's CPU limit) but one, and at least one. The P left over matters: a loop waits
// in epoll_pwait2 without its P, and with no idle P the runtime's monitor takes that P
// back every 20 µs, waking up tens of thousands of times a second — measured here as
// about 10 % more CPU per request. A process pinned to one CPU runs one loop; it should
// raise GOMAXPROCS to 2 for the same reason (stackgate load does).
func DefaultLoops() int {
	return max(min(runtime.GOMAXPROCS(0), runtime.NumCPU())-1, 1)
}

func (c Check) validate() error {
	if c.Status != 0 && (c.Status < 100 || c.Status > 999) {
		return fmt.Errorf("check status must be a 3-digit HTTP status, got %d", c.Status)
	}
	if len(c.BodyContains) > maxBodyContains {
		return fmt.Errorf("check body substring is %d bytes, more than the %d allowed", len(c.BodyContains), maxBodyContains)
	}
	if c.BodyLength < 0 {
		return fmt.Errorf("check body length must not be negative, got %d", c.BodyLength)
	}
	return nil
}
