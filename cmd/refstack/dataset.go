package main

// The dataset must be the same bytes on every machine and every Go version,
// so the generator is written here instead of borrowed from math/rand, whose
// streams are not promised to stay fixed.

const (
	// defaultRows is the size of the world table, as in the TechEmpower
	// benchmarks the standard scenarios come from.
	defaultRows = 10000
	// defaultSeed is the seed of the dataset stackgate's own suite loads.
	defaultSeed = 1
	// maxRandomNumber bounds world.randomnumber: values are in 1..maxRandomNumber.
	maxRandomNumber = 10000
)

// world is one row of the world table.
type world struct {
	ID           int32
	RandomNumber int32
}

// splitmix64 is Sebastiano Vigna's SplitMix64 generator (public domain
// reference: https://prng.di.unimi.it/splitmix64.c). Its state is the seed.
type splitmix64 struct {
	state uint64
}

func (s *splitmix64) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// randomNumber draws a value in 1..maxRandomNumber. The modulo bias is below
// 1e-15 and, unlike rejection sampling, keeps one draw per row.
func (s *splitmix64) randomNumber() int32 {
	return int32(1 + s.next()%maxRandomNumber)
}

// worldRows returns the deterministic dataset: ids 1..n in order, each with a
// random number drawn from splitmix64 seeded with seed.
func worldRows(n int, seed uint64) []world {
	gen := splitmix64{state: seed}
	rows := make([]world, n)
	for i := range rows {
		rows[i] = world{ID: int32(i + 1), RandomNumber: gen.randomNumber()}
	}
	return rows
}
