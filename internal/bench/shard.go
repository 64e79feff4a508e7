package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
)

// Shard is one slice of a suite's scenarios, for one job of a matrix (`-shard 2/3`): the
// scenarios whose position in suite order is Index-1 modulo Count. The Count shards are
// disjoint, cover the suite, differ in size by at most one, and depend on nothing but the
// suite's order, so every job of the matrix computes the same partition.
type Shard struct {
	Index int // 1-based
	Count int
}

// ParseShard reads "i/n" with 1 ≤ i ≤ n.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	index, ierr := strconv.Atoi(i)
	count, nerr := strconv.Atoi(n)
	if !ok || ierr != nil || nerr != nil {
		return Shard{}, fmt.Errorf("shard %q: write it as i/n, e.g. 1/3 (the first of three)", s)
	}
	if count < 1 || index < 1 || index > count {
		return Shard{}, fmt.Errorf("shard %q: i/n needs 1 ≤ i ≤ n", s)
	}
	return Shard{Index: index, Count: count}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Scenarios names the scenarios of the shard, in suite order. It is empty when the suite
// has fewer scenarios than shards.
func (s Shard) Scenarios(all []config.Scenario) []string {
	names := []string{}
	for i, sc := range all {
		if i%s.Count == s.Index-1 {
			names = append(names, sc.Name)
		}
	}
	return names
}

// ShardScenarios names the scenarios of shard spec "i/n" (nil for "": all of them) and
// writes the shard as results record it ("" for a whole suite). A shard without scenarios
// is refused: the matrix is larger than the suite.
func ShardScenarios(spec string, all []config.Scenario) (names []string, shard string, err error) {
	if spec == "" {
		return nil, "", nil
	}
	s, err := ParseShard(spec)
	if err != nil {
		return nil, "", err
	}
	names = s.Scenarios(all)
	if len(names) == 0 {
		return nil, "", fmt.Errorf("shard %s: the suite has only %d scenarios, so shard %d of %d would measure nothing; use at most %d shards", s, len(all), s.Index, s.Count, len(all))
	}
	return names, s.String(), nil
}
