package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// A load generator out of file descriptors failed itself, not the target: stackgate load
// exits 3 ("could not measure") naming EMFILE and the fix, where it used to count every
// failed dial as the target's connect error (exit 0, or a regression in a gate).
func TestLoadGeneratorOutOfFilesCouldNotMeasure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	// The hard limit too: Go raises the soft limit to the hard one when it starts.
	cmd := exec.Command("sh", "-c", `ulimit -n 24 && exec "$0" load -c 100 -d 1s "$1"`, binary, srv.URL)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("stackgate load = %v, want exit 3\n%s", err, out)
	}
	for _, want := range []string{"not the target", "EMFILE", "ulimit -n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
