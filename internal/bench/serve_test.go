package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/scratch"
	"github.com/stackgate/stackgate/internal/stack"
)

// helperServerEnv makes the test binary a stack's process (TestHelperServer): an HTTP
// server on the address it names.
const helperServerEnv = "STACKGATE_BENCH_TEST_SERVER"

// TestHelperServer is not a test: it is the stack's process of TestServe, the test binary
// started again by the stack. It answers /json correctly and /broken with a 500 until it
// is stopped.
func TestHelperServer(t *testing.T) {
	addr := os.Getenv(helperServerEnv)
	if addr == "" {
		t.Skip("the stack's process of TestServe")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"message":"Hello, World!"}`)
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/healthz", func(http.ResponseWriter, *http.Request) {})
	t.Fatal(http.ListenAndServe(addr, mux))
}

// Serve provisions a suite as Measure does and hands each scenario's checked endpoint to
// its caller, with the stack running; the stack is stopped afterwards, and a scenario
// whose endpoint answers wrongly is refused before the caller sees it.
func TestServe(t *testing.T) {
	if _, err := pg.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	dir := t.TempDir()
	suiteFile := filepath.Join(dir, "stackgate.toml")
	err := os.WriteFile(suiteFile, fmt.Appendf(nil, `suite = "serve"
[[process]]
name = "app"
run = [%q, "-test.run=^TestHelperServer$"]
env = { %s = "{addr}" }
ready = { http = "/healthz" }

[load]
rate = 100

[[scenario]]
name = "json"
path = "/json"
expect = { status = 200, body_contains = "Hello" }

[[scenario]]
name = "broken"
path = "/broken"
expect = { status = 200 }
`, os.Args[0], helperServerEnv), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	suite, err := config.Read(suiteFile)
	if err != nil {
		t.Fatal(err)
	}
	work, err := scratch.New("", false)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	opt := Options{Suite: suite, OutDir: t.TempDir(), ScratchDir: work, Env: stack.Environ(os.Environ())}
	var served []string
	err = Serve(t.Context(), opt, func(_ context.Context, sc config.Scenario, url string) error {
		served = append(served, sc.Name+" "+url)
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	// json is served; broken, next, is refused at its check.
	if len(served) != 1 || !strings.HasPrefix(served[0], "json http://127.0.0.1:") {
		t.Fatalf("served %q; want the json scenario's endpoint only", served)
	}
	if err == nil || !strings.Contains(err.Error(), "scenario broken") || !strings.Contains(err.Error(), "500") {
		t.Errorf("Serve = %v, want the check's error naming the broken scenario", err)
	}
	url := strings.TrimPrefix(served[0], "json ")
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after Serve returned", url)
	}
}
