package stack

import (
	"testing"
	"time"
)

func TestPollInterval(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{-1, 10 * time.Millisecond},
		{0, 10 * time.Millisecond},
		{1, 20 * time.Millisecond},
		{2, 40 * time.Millisecond},
		{4, 160 * time.Millisecond},
		{5, 250 * time.Millisecond}, // 320ms capped
		{1000, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := pollInterval(tt.attempt); got != tt.want {
			t.Errorf("pollInterval(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}
