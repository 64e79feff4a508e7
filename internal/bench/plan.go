package bench

import "math/rand/v2"

// Step is one (run, scenario) pair of the plan.
type Step struct {
	Run      int // 1-based
	Scenario int // index into the suite's scenarios
}

// Plan orders runs × scenarios: run by run, with the scenarios shuffled anew in every run
// so that no scenario always follows the same one (warm caches, thermal state, a noisy
// neighbour at a fixed time). The order is a pure function of the seed.
func Plan(scenarios, runs int, seed uint64) []Step {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	plan := make([]Step, 0, scenarios*runs)
	for r := 1; r <= runs; r++ {
		for _, s := range rng.Perm(scenarios) {
			plan = append(plan, Step{Run: r, Scenario: s})
		}
	}
	return plan
}
