package load

import (
	"fmt"
	"math"
)

// maxBodyContains bounds Check.BodyContains: every connection keeps two buffers
// of about this size to find it across reads and chunk boundaries.
const maxBodyContains = 64 << 10

// normalized returns the options with defaults filled in, or an error naming the
// first option that cannot run.
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
	}
	if err := o.Check.validate(); err != nil {
		return o, fmt.Errorf("load options: %w", err)
	}
	return o, nil
}

func (c Check) validate() error {
	if c.Status != 0 && (c.Status < 100 || c.Status > 999) {
		return fmt.Errorf("check status must be a 3-digit HTTP status, got %d", c.Status)
	}
	if len(c.BodyContains) > maxBodyContains {
		return fmt.Errorf("check body substring is %d bytes, more than the %d allowed", len(c.BodyContains), maxBodyContains)
	}
	return nil
}
