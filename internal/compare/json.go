package compare

import (
	"encoding/json"
	"fmt"
	"math"
)

// A relative change from a zero median is infinite, which JSON numbers cannot hold: the
// verdict file writes it as the string "+Inf" or "-Inf" (a finite change stays a number,
// in its usual place), so a verdict can always be written and read back.

// MarshalJSON writes the metric's verdict with an infinite change as a string.
func (m MetricVerdict) MarshalJSON() ([]byte, error) {
	type plain MetricVerdict
	if finite(m.Change) {
		return json.Marshal(plain(m))
	}
	return json.Marshal(struct {
		plain
		Change jsonFloat `json:"change"`
	}{plain(m), jsonFloat(m.Change)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *MetricVerdict) UnmarshalJSON(b []byte) error {
	type plain MetricVerdict
	var v struct {
		*plain
		Change jsonFloat `json:"change"`
	}
	v.plain = (*plain)(m)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	m.Change = float64(v.Change)
	return nil
}

// MarshalJSON writes the drift with an infinite change as a string.
func (d Drift) MarshalJSON() ([]byte, error) {
	type plain Drift
	if finite(d.Change) {
		return json.Marshal(plain(d))
	}
	return json.Marshal(struct {
		plain
		Change jsonFloat `json:"change"`
	}{plain(d), jsonFloat(d.Change)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Drift) UnmarshalJSON(b []byte) error {
	type plain Drift
	var v struct {
		*plain
		Change jsonFloat `json:"change"`
	}
	v.plain = (*plain)(d)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	d.Change = float64(v.Change)
	return nil
}

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }

// jsonFloat is a number in JSON, or "+Inf", "-Inf" or "NaN" where JSON has none.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("reading a change: %w", err)
		}
		*f = jsonFloat(v)
	}
	return nil
}
