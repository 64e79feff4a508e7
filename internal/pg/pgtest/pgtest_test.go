package pgtest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/pg"
)

// recorder stands in for a test to see whether missingBinaries skips or fails it.
type recorder struct {
	testing.TB
	outcome string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.outcome = "skip: " + fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.outcome = "fatal: " + fmt.Sprint(args...)
	runtime.Goexit()
}

func TestMissingBinaries(t *testing.T) {
	notFound := fmt.Errorf("postgresql server binaries not found (searched ...): %w", pg.ErrNotFound)
	tests := []struct {
		name string
		err  error
		ci   bool
		want string
	}{
		{"skipped locally", notFound, false, "skip: "},
		{"fails in CI", notFound, true, "fatal: "},
		{"other errors fail", errors.New("running postgres --version: permission denied"), false, "fatal: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				missingBinaries(r, tt.err, tt.ci)
			}()
			<-done
			if !strings.HasPrefix(r.outcome, tt.want) || !strings.Contains(r.outcome, tt.err.Error()) {
				t.Errorf("outcome %q, want %q with the error", r.outcome, tt.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	srv := Start(t, "app")
	if err := srv.Exec(t.Context(), "app", "SELECT 1"); err != nil {
		t.Fatalf("the database was not created: %v", err)
	}
}
