package report

import (
	"encoding/json"
	"fmt"

	"github.com/stackgate/stackgate/internal/compare"
)

// VerdictJSON encodes v as the verdict file (compare.VerdictSchema), indented. The model
// keeps its numbers finite except a change from a zero median, which it writes as "+Inf" or
// "-Inf" itself. v is not modified.
func VerdictJSON(v *compare.Verdict) ([]byte, error) {
	c := *v
	c.Schema = compare.VerdictSchema
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the verdict: %w", err)
	}
	return append(b, '\n'), nil
}
