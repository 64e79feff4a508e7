package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestGeneratorFault(t *testing.T) {
	for _, c := range []struct {
		err  error
		mine bool
	}{
		{syscall.EMFILE, true},
		{syscall.ENFILE, true},
		{syscall.EADDRNOTAVAIL, true},
		{syscall.ENOBUFS, true},
		{syscall.ENOMEM, true},
		{fmt.Errorf("connect: %w", syscall.EADDRNOTAVAIL), true},
		// The target's: nothing listens, it reset, it is unreachable or slow.
		{syscall.ECONNREFUSED, false},
		{syscall.ECONNRESET, false},
		{syscall.EHOSTUNREACH, false},
		{syscall.ETIMEDOUT, false},
		{errDialTimeout, false},
	} {
		if got := generatorFault(c.err); got != c.mine {
			t.Errorf("generatorFault(%v) = %v, want %v", c.err, got, c.mine)
		}
	}
	err := generatorError("opening a connection", syscall.EMFILE)
	if !errors.Is(err, ErrGenerator) || !errors.Is(err, syscall.EMFILE) || !strings.Contains(err.Error(), "too many open files (EMFILE): the open-file limit") {
		t.Errorf("generatorError = %q: want ErrGenerator and EMFILE, named with the fix", err)
	}
}

// faultHelperEnv makes the test binary a helper process that runs one phase with an
// open-file limit too low for its connections (see runOutOfFiles).
const faultHelperEnv = "STACKGATE_LOAD_TEST_OUT_OF_FILES"

// A generator that runs out of file descriptors failed itself, not the target: the
// phase stops with ErrGenerator naming EMFILE and counts no connect error — before the
// clock (closed loop, every connection dialled first) and during the window (open loop,
// which dials when a request needs a connection). The limit is lowered in a child
// process, so that the test's own process keeps its file descriptors.
func TestGeneratorOutOfFiles(t *testing.T) {
	if spec := os.Getenv(faultHelperEnv); spec != "" {
		runOutOfFiles(t, spec)
		return
	}
	slow := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		hello(w, r)
	})
	for _, c := range []struct {
		name string
		rate float64
	}{
		{"closed loop", 0},
		{"open loop", 1000}, // 200 ms per request at 1000 req/s needs 200 connections
	} {
		t.Run(c.name, func(t *testing.T) {
			spec, _ := json.Marshal(faultSpec{URL: slow.URL, Rate: c.rate})
			cmd := exec.Command(os.Args[0], "-test.run=^TestGeneratorOutOfFiles$", "-test.count=1")
			cmd.Env = append(os.Environ(), faultHelperEnv+"="+string(spec))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			var got faultOutcome
			for _, line := range strings.Split(string(out), "\n") {
				if rest, ok := strings.CutPrefix(line, "OUTCOME "); ok {
					if err := json.Unmarshal([]byte(rest), &got); err != nil {
						t.Fatal(err)
					}
				}
			}
			t.Logf("%+v", got)
			if !got.Generator || !strings.Contains(got.Err, "EMFILE") || !got.HasResult || got.Connect != 0 {
				t.Errorf("Run = result %v, %d connect errors, %q; want a result without connect errors and ErrGenerator naming EMFILE\n%s",
					got.HasResult, got.Connect, got.Err, out)
			}
		})
	}
}

type faultSpec struct {
	URL  string
	Rate float64
}

type faultOutcome struct {
	Err       string
	Generator bool
	HasResult bool
	Connect   int64
}

// runOutOfFiles, in the helper process, runs a phase of 300 connections with room for
// about ten more file descriptors than are open, and prints what Run returned.
func runOutOfFiles(t *testing.T, spec string) {
	var s faultSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = uint64(len(fds) + 10)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), Request{URL: s.URL}, Options{Connections: 300, Duration: time.Second, Rate: s.Rate, Loops: 1, Timeout: time.Second})
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	o := faultOutcome{Generator: errors.Is(err, ErrGenerator), HasResult: res != nil}
	if err != nil {
		o.Err = err.Error()
	}
	if res != nil {
		o.Connect = res.Errors.Connect
		checkConsistent(t, res)
	}
	b, _ := json.Marshal(o)
	fmt.Printf("OUTCOME %s\n", b)
}
