package main

import (
	"context"
	"fmt"
	"sync"
)

// memStore is the store in memory, for tests: it counts the calls of each
// method and fails them all with err when err is set.
type memStore struct {
	mu    sync.Mutex
	rows  map[int32]int32
	err   error
	calls map[string]int
}

var _ store = (*memStore)(nil)

// newMemStore holds the deterministic dataset of n rows, seed 1.
func newMemStore(n int) *memStore {
	s := &memStore{rows: make(map[int32]int32, n), calls: make(map[string]int)}
	for _, w := range worldRows(n, 1) {
		s.rows[w.ID] = w.RandomNumber
	}
	return s
}

func (s *memStore) Row(_ context.Context, id int32) (world, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["Row"]++
	return s.row(id)
}

func (s *memStore) row(id int32) (world, error) {
	if s.err != nil {
		return world{}, s.err
	}
	n, ok := s.rows[id]
	if !ok {
		return world{}, fmt.Errorf("no world row %d", id)
	}
	return world{ID: id, RandomNumber: n}, nil
}

func (s *memStore) Rows(_ context.Context, ids []int32) ([]world, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["Rows"]++
	rows := make([]world, len(ids))
	for i, id := range ids {
		w, err := s.row(id)
		if err != nil {
			return nil, err
		}
		rows[i] = w
	}
	return rows, nil
}

func (s *memStore) SlowRow(_ context.Context, id int32) (world, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["SlowRow"]++
	return s.row(id)
}

func (s *memStore) Update(_ context.Context, rows []world) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["Update"]++
	if s.err != nil {
		return s.err
	}
	for _, w := range rows {
		s.rows[w.ID] = w.RandomNumber
	}
	return nil
}

func (s *memStore) RandomNumber(_ context.Context, id int32) (int32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["RandomNumber"]++
	w, err := s.row(id)
	return w.RandomNumber, err
}

func (s *memStore) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["Ping"]++
	return s.err
}

func (s *memStore) callCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *memStore) randomNumber(id int32) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows[id]
}
