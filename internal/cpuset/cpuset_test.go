package cpuset

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		cpus []int
		want string
	}{
		{nil, ""},
		{[]int{3}, "3"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{0, 2, 3, 4, 7}, "0,2-4,7"},
	}
	for _, tt := range tests {
		if got := Format(tt.cpus); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.cpus, got, tt.want)
		}
	}
}

func TestOfListHas(t *testing.T) {
	s := Of([]int{5, 0, 64, 1023, -1, Max})
	if got, want := s.List(), []int{0, 5, 64, 1023}; !slices.Equal(got, want) {
		t.Errorf("List() = %v, want %v", got, want)
	}
	for _, cpu := range []int{-1, 1, 63, Max} {
		if s.Has(cpu) {
			t.Errorf("Has(%d) = true", cpu)
		}
	}
}

func TestCheckAndRest(t *testing.T) {
	available, err := Thread()
	if err != nil {
		t.Fatal(err)
	}
	all := available.List()
	if err := Check(all); err != nil {
		t.Errorf("Check(every available CPU) = %v", err)
	}
	if err := Check([]int{Max + 1}); err == nil || !strings.Contains(err.Error(), "is not available") {
		t.Errorf("Check(missing CPU) = %v, want 'is not available'", err)
	}
	if _, err := Rest(all); err == nil || !strings.Contains(err.Error(), "leave at least one") {
		t.Errorf("Rest(all) = %v, want an error asking to leave a CPU", err)
	}
	if len(all) < 2 {
		t.Skip("one CPU available: nothing to partition")
	}
	rest, err := Rest(all[:1])
	if err != nil || !slices.Equal(rest, all[1:]) {
		t.Errorf("Rest(%v) = %v, %v; want %v", all[:1], rest, err, all[1:])
	}
}

func TestSetThreadRestores(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := Thread()
	if err != nil {
		t.Fatal(err)
	}
	first := old.List()[:1]
	if err := SetThread(Of(first)); err != nil {
		t.Fatal(err)
	}
	now, _ := Thread()
	if got := now.List(); !slices.Equal(got, first) {
		t.Errorf("after SetThread(%v): %v", first, got)
	}
	if err := SetThread(old); err != nil {
		t.Fatal(err)
	}
}
