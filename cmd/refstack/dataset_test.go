package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

// goldenChecksum is the SHA-256 of the seed-1, 10 000-row dataset in COPY's
// text format, the bytes of
//
//	psql -c "COPY (SELECT * FROM world ORDER BY id) TO STDOUT" | sha256sum
//
// after "refstack seed" (checked against PostgreSQL 15). If this test
// fails, the dataset changed and every stored baseline is void.
const goldenChecksum = "8656a4952638103b6a632e1af70ea8c1f78a02c930aff8892af5d7a04e978650"

func TestDatasetGolden(t *testing.T) {
	rows := worldRows(defaultRows, defaultSeed)
	wantFirst := []world{{1, 2466}, {2, 8520}, {3, 591}, {4, 236}, {5, 8762}}
	if got := rows[:5]; !slices.Equal(got, wantFirst) {
		t.Errorf("first rows %v, want %v", got, wantFirst)
	}
	if got := copyChecksum(rows); got != goldenChecksum {
		t.Errorf("checksum %s, want %s", got, goldenChecksum)
	}
}

// copyChecksum hashes rows as COPY ... TO STDOUT writes them.
func copyChecksum(rows []world) string {
	h := sha256.New()
	for _, w := range rows {
		fmt.Fprintf(h, "%d\t%d\n", w.ID, w.RandomNumber)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDatasetShape(t *testing.T) {
	for _, tt := range []struct {
		rows int
		seed uint64
	}{{1, 1}, {10, 0}, {defaultRows, 42}} {
		rows := worldRows(tt.rows, tt.seed)
		if len(rows) != tt.rows {
			t.Fatalf("%d rows, want %d", len(rows), tt.rows)
		}
		for i, w := range rows {
			if w.ID != int32(i+1) || w.RandomNumber < 1 || w.RandomNumber > maxRandomNumber {
				t.Fatalf("seed %d: row %d is %+v", tt.seed, i, w)
			}
		}
	}
}

func TestDatasetDependsOnlyOnTheSeed(t *testing.T) {
	a, b := worldRows(1000, 7), worldRows(1000, 7)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different rows")
	}
	if slices.Equal(a, worldRows(1000, 8)) {
		t.Error("seeds 7 and 8 gave the same rows")
	}
	// A smaller table is a prefix of a bigger one with the same seed.
	if !slices.Equal(worldRows(10, 7), a[:10]) {
		t.Error("10 rows are not the first 10 of 1000")
	}
}

// TestSplitMix64Reference checks the generator against the output of the
// reference C implementation for seed 1234567.
func TestSplitMix64Reference(t *testing.T) {
	want := []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821}
	gen := splitmix64{state: 1234567}
	for i, w := range want {
		if got := gen.next(); got != w {
			t.Errorf("output %d: %d, want %d", i, got, w)
		}
	}
}
