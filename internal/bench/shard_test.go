package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
)

// For every suite size and shard count, the shards partition the scenarios exactly
// (disjoint, covering, in suite order), balanced within one scenario.
func TestShardsPartitionTheSuite(t *testing.T) {
	for size := 1; size <= 7; size++ {
		var all []config.Scenario
		var names []string
		for i := range size {
			name := fmt.Sprintf("s%d", i)
			all = append(all, config.Scenario{Name: name})
			names = append(names, name)
		}
		for n := 1; n <= size; n++ {
			seen := map[string]int{}
			lo, hi := size, 0
			for i := 1; i <= n; i++ {
				got := Shard{Index: i, Count: n}.Scenarios(all)
				lo, hi = min(lo, len(got)), max(hi, len(got))
				for j, name := range got {
					seen[name]++
					if j > 0 && slices.Index(names, got[j-1]) > slices.Index(names, name) {
						t.Errorf("%d scenarios, shard %d/%d: %v is not in suite order", size, i, n, got)
					}
				}
			}
			for _, name := range names {
				if seen[name] != 1 {
					t.Errorf("%d scenarios, %d shards: %s is in %d shards", size, n, name, seen[name])
				}
			}
			if hi-lo > 1 {
				t.Errorf("%d scenarios, %d shards: sizes from %d to %d", size, n, lo, hi)
			}
		}
	}
	// More shards than scenarios: the extra shards are empty (the command line refuses them).
	if got := (Shard{Index: 3, Count: 3}).Scenarios([]config.Scenario{{Name: "a"}, {Name: "b"}}); len(got) != 0 {
		t.Errorf("shard 3/3 of 2 scenarios = %v", got)
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/3", Shard{1, 3}, true},
		{"3/3", Shard{3, 3}, true},
		{" 2/5 ", Shard{2, 5}, true},
		{"0/3", Shard{}, false},
		{"4/3", Shard{}, false},
		{"1/0", Shard{}, false},
		{"-1/3", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
		{"1/3/5", Shard{}, false},
		{"", Shard{}, false},
	} {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, got, err)
		}
	}
}

// ShardScenarios: "" is the whole suite; a shard past the suite's size is refused with
// the largest usable count.
func TestShardScenarios(t *testing.T) {
	all := []config.Scenario{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	for _, c := range []struct {
		spec  string
		want  []string
		shard string // as results record it
		says  string
	}{
		{"", nil, "", ""},
		{"1/2", []string{"a", "c"}, "1/2", ""},
		{" 2/2", []string{"b"}, "2/2", ""},
		{"4/4", nil, "", "the suite has only 3 scenarios, so shard 4 of 4 would measure nothing; use at most 3 shards"},
		{"x", nil, "", "write it as i/n"},
	} {
		got, shard, err := ShardScenarios(c.spec, all)
		if c.says != "" {
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("ShardScenarios(%q) error = %v, want it to say %q", c.spec, err, c.says)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") || (got == nil) != (c.want == nil) || shard != c.shard {
			t.Errorf("ShardScenarios(%q) = %v, %q, %v; want %v, %q", c.spec, got, shard, err, c.want, c.shard)
		}
	}
}
