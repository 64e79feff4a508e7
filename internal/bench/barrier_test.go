package bench

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The sides of a duet meet before every phase: no side starts round r+1 before every side
// has finished waiting in round r.
func TestBarrierRounds(t *testing.T) {
	const sides, rounds = 2, 200
	b := newBarrier(sides)
	var mu sync.Mutex
	arrived := make([]int, rounds)
	var wg sync.WaitGroup
	for range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				mu.Lock()
				arrived[r]++
				mu.Unlock()
				if err := b.wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if arrived[r] != sides {
					t.Errorf("round %d: passed the barrier with %d of %d arrived", r, arrived[r], sides)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// A side that failed never arrives: the one waiting for it returns with the failure as
// soon as the failure cancels its context.
func TestBarrierGivesUpWithTheContext(t *testing.T) {
	b := newBarrier(2)
	ctx, cancel := context.WithCancelCause(context.Background())
	failed := errors.New("base: the stack died")
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel(failed)
	}()
	if err := b.wait(ctx); !errors.Is(err, failed) {
		t.Fatalf("wait returned %v, want the other side's failure", err)
	}
}
