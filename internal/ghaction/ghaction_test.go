package ghaction

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/result"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Inputs are read as go-githubactions names them (hyphens kept), with defaults.
func TestReadInputs(t *testing.T) {
	in, err := ReadInputs(envOf(map[string]string{
		"INPUT_GITHUB-TOKEN": " secret ", "INPUT_BASELINE-DIR": "perf/baselines", "INPUT_ALLOW-FORKS": "true",
		"INPUT_RUNNER-NAME": "lab-1", "INPUT_FAIL-ON": "warn", "INPUT_MODE": "Record", "INPUT_ACCEPT-LABEL": "perf-ok",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		Config: config.DefaultFile, Mode: ModeRecord, BaselineDir: "perf/baselines", Token: "secret", Comment: true,
		FailOn: "warn", AllowForks: true, RunnerName: "lab-1", AcceptLabel: "perf-ok", OutDir: DefaultOutDir,
	}
	if in != want {
		t.Errorf("ReadInputs:\n got %+v\nwant %+v", in, want)
	}
	if s := (Inputs{Token: "secret"}).String(); strings.Contains(s, "secret") {
		t.Errorf("Inputs.String shows the token: %s", s)
	}
	for _, bad := range []map[string]string{
		{"INPUT_MODE": "benchmark"},
		{"INPUT_COMMENT": "yes please"},
		{"INPUT_SHARD": "1/2", "INPUT_RESULTS": "r/*.json"},
	} {
		var refused *RefusedError
		if _, err := ReadInputs(envOf(bad)); !errors.As(err, &refused) {
			t.Errorf("ReadInputs(%v) = %v, want a RefusedError", bad, err)
		}
	}
}

// The mode × event table, on the real payloads.
func TestDecide(t *testing.T) {
	cases := []struct {
		event, payload, mode, runner string
		edit                         func(map[string]any)
		want                         string // "skip", "record", "gate", "gate base=… check=…", or "refused: …"
	}{
		{EventPullRequest, "pull_request.synchronize.json", ModeGate, "self-hosted", nil, "gate pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPullRequestTarget, "pull_request.opened.json", ModeGate, "", nil, "gate pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPullRequest, "pull_request.synchronize.json", ModeRecord, "self-hosted", nil, "refused: mode record on a pull_request event"},
		{EventPullRequest, "pull_request.synchronize.json", ModeAB, "self-hosted", nil, "ab pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPullRequest, "pull_request.synchronize.json", ModeAB, "self-hosted", fork, "refused: refusing to benchmark pull request #2"},
		{EventMergeGroup, "merge_group", ModeAB, "", nil, "ab base=f95f852bd8fc check=0123456789ab"},
		{EventPush, "push.branch-with-commit.json", ModeAB, "", nil, "refused: mode ab measures a pull request's or merge group's base commit"},
		{EventPush, "push.tag-deleted.json", ModeAB, "", nil, "skip"},
		{EventSchedule, "", ModeAB, "", nil, "refused: mode ab measures"},
		{EventPullRequest, "pull_request.synchronize.json", ModeGate, "self-hosted", fork, "refused: refusing to benchmark pull request #2 from mallory/Hello-World"},
		{EventPullRequest, "pull_request.synchronize.json", ModeGate, "", fork, "refused: refusing to benchmark"},
		{EventPullRequest, "pull_request.synchronize.json", ModeGate, RunnerGitHubHosted, fork, "gate pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPush, "push.branch-with-commit.json", ModeRecord, "", nil, "record"},
		{EventPush, "push.branch-with-commit.json", ModeGate, "", nil, "gate"},
		{EventPush, "push.branch-with-commit.json", ModeRecord, "", otherBranch, "refused: mode record on a push to feature"},
		{EventPush, "push.branch-with-commit.json", ModeGate, "", otherBranch, "gate"},
		{EventPush, "push.tag-deleted.json", ModeRecord, "", nil, "skip"},
		{EventPush, "push.tag-deleted.json", ModeGate, "", undelete, "skip"}, // a tag push
		{EventSchedule, "", ModeGate, "", nil, "gate"},
		{EventWorkflowDispatch, "", ModeRecord, "", nil, "record"},
		{EventMergeGroup, "merge_group", ModeGate, "", nil, "gate base=f95f852bd8fc check=0123456789ab"},
		{EventMergeGroup, "merge_group", ModeRecord, "", nil, "refused: mode record on a merge_group event"},
		// auto, the default: A/B where there is a base commit, the stored baseline elsewhere.
		{EventPullRequest, "pull_request.synchronize.json", ModeAuto, "self-hosted", nil, "ab pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPullRequestTarget, "pull_request.opened.json", ModeAuto, "", nil, "ab pr base=f95f852bd8fc check=ec26c3e57ca3"},
		{EventPullRequest, "pull_request.synchronize.json", ModeAuto, "self-hosted", fork, "refused: refusing to benchmark pull request #2"},
		{EventMergeGroup, "merge_group", ModeAuto, "", nil, "ab base=f95f852bd8fc check=0123456789ab"},
		{EventPush, "push.branch-with-commit.json", ModeAuto, "", nil, "gate"},
		{EventPush, "push.tag-deleted.json", ModeAuto, "", nil, "skip"},
		{EventSchedule, "", ModeAuto, "", nil, "gate"},
		{EventWorkflowDispatch, "", ModeAuto, "", nil, "gate"},
	}
	for _, c := range cases {
		t.Run(c.event+" "+c.payload+" "+c.mode, func(t *testing.T) {
			env := map[string]string{"GITHUB_EVENT_NAME": c.event, "GITHUB_EVENT_PATH": writePayload(t, c.payload, c.edit)}
			ev, err := readEvent(envOf(env))
			if err != nil {
				t.Fatal(err)
			}
			p, err := decide(ev, Inputs{Mode: c.mode}, c.runner)
			if got := describePlan(p, err); !strings.HasPrefix(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func describePlan(p plan, err error) string {
	switch {
	case err != nil:
		var refused *RefusedError
		if !errors.As(err, &refused) {
			return "error: " + err.Error()
		}
		return "refused: " + err.Error()
	case p.skip != "":
		return "skip"
	case p.record:
		return "record"
	}
	s := "gate"
	if p.ab {
		s = "ab"
	}
	if p.pr != nil {
		s += " pr"
	}
	if p.baseSHA != "" {
		s += " base=" + short(p.baseSHA) + " check=" + short(p.checkSHA)
	}
	return s
}

func fork(ev map[string]any) {
	head := ev["pull_request"].(map[string]any)["head"].(map[string]any)
	head["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
}

func otherBranch(ev map[string]any) { ev["ref"] = "refs/heads/feature" }

func undelete(ev map[string]any) { ev["deleted"] = false }

// mergeGroupPayload is a merge_group event (there is no sample in testdata/github).
const mergeGroupPayload = `{"action":"checks_requested","merge_group":{"head_sha":"0123456789abcdef0123456789abcdef01234567",
"head_ref":"refs/heads/gh-readonly-queue/master/pr-2-f95f852b","base_sha":"f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
"base_ref":"refs/heads/master"},"repository":{"full_name":"Codertocat/Hello-World","default_branch":"master"}}`

// writePayload writes a payload of testdata/github, edited, to a temporary file.
func writePayload(t *testing.T, name string, edit func(map[string]any)) string {
	t.Helper()
	var data []byte
	switch name {
	case "":
		return ""
	case "merge_group":
		data = []byte(mergeGroupPayload)
	default:
		var err error
		if data, err = os.ReadFile(filepath.Join("..", "..", "testdata", "github", name)); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		var ev map[string]any
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		edit(ev)
		var err error
		if data, err = json.Marshal(ev); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Off a runner, the Action refuses clearly and never panics (go-githubactions panics
// when GITHUB_OUTPUT or GITHUB_STEP_SUMMARY are unset; the Action checks first).
func TestRunOffRunner(t *testing.T) {
	var out bytes.Buffer
	rep, err := Run(context.Background(), Env{Getenv: envOf(nil), Stdout: &out})
	var refused *RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "GITHUB_EVENT_NAME is not set") || rep.Verdict != "" {
		t.Errorf("Run without a runner: %v, %+v", err, rep)
	}
	// An event but no output files: a tag push is skipped without writing outputs.
	env := map[string]string{"GITHUB_EVENT_NAME": EventPush, "GITHUB_EVENT_PATH": writePayload(t, "push.tag-deleted.json", nil)}
	rep, err = Run(context.Background(), Env{Getenv: envOf(env), Stdout: &out})
	if err != nil || rep.Verdict != "skipped" {
		t.Errorf("tag push without GITHUB_OUTPUT: %v, %+v", err, rep)
	}
	if !strings.Contains(out.String(), "::notice title=stackgate::refs/tags/simple-tag was deleted") {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// A write error of the runner's files is an error, not a panic.
func TestRunnerWriteFailure(t *testing.T) {
	env := map[string]string{
		"GITHUB_EVENT_NAME": EventPush, "GITHUB_EVENT_PATH": writePayload(t, "push.tag-deleted.json", nil),
		"GITHUB_OUTPUT": filepath.Join(t.TempDir(), "missing-dir", "output"),
	}
	_, err := Run(context.Background(), Env{Getenv: envOf(env), Stdout: failingWriter{}})
	if err == nil || !strings.Contains(err.Error(), "writing to the runner") {
		t.Errorf("Run with unwritable outputs: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestRetryWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	resp := func(status int, header ...string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r
	}
	cases := []struct {
		name    string
		resp    *http.Response
		err     error
		attempt int
		wait    time.Duration
		again   bool
	}{
		{"success", resp(200), nil, 0, 0, false},
		{"not found", resp(404), nil, 0, 0, false},
		{"forbidden", resp(403), nil, 0, 0, false},
		{"bad gateway", resp(502), nil, 0, time.Second, true},
		{"bad gateway, third retry", resp(502), nil, 2, 4 * time.Second, true},
		{"not implemented", resp(501), nil, 0, 0, false},
		{"transport error", nil, errors.New("connection reset"), 1, 2 * time.Second, true},
		{"cancelled", nil, context.Canceled, 0, time.Second, false},
		{"too many requests", resp(429), nil, 0, time.Second, true},
		{"secondary rate limit", resp(403, "Retry-After", "30"), nil, 0, 30 * time.Second, true},
		{"retry much later", resp(429, "Retry-After", "3600"), nil, 0, time.Hour, false},
		{"primary rate limit", resp(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000020"), nil, 0, 21 * time.Second, true},
		{"primary rate limit in an hour", resp(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700003600"), nil, 0, time.Hour + time.Second, false},
	}
	for _, c := range cases {
		wait, again := retryWait(c.resp, c.err, c.attempt, now)
		if again != c.again || (again && wait != c.wait) {
			t.Errorf("%s: retryWait = %v, %v; want %v, %v", c.name, wait, again, c.wait, c.again)
		}
	}
}

// A request that is not idempotent (POST: create a comment) is sent again only when the
// failure proves nothing was done: not after a 502, which GitHub may send after creating
// it, but after a refused connection or a rate limit with a hint.
func TestRetryingPostOnlyWhenNothingWasDone(t *testing.T) {
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := attempts.Add(1)
		switch {
		case r.URL.Path == "/limited" && n == 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case r.URL.Path == "/limited":
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close() // nothing listens there any more: the connection is refused
	var slept []time.Duration
	client := &http.Client{Transport: &retrying{next: http.DefaultTransport, now: time.Now, retries: 2,
		sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}}
	post := func(url string) (*http.Response, error) {
		return client.Post(url, "application/json", strings.NewReader(`{"body":"x"}`))
	}

	resp, err := post(srv.URL + "/created-anyway")
	if err != nil || resp.StatusCode != 502 || attempts.Load() != 1 || len(slept) != 0 {
		t.Errorf("POST answered 502: %v %v after %d attempts, slept %v; want one attempt", resp, err, attempts.Load(), slept)
	}
	attempts.Store(0)
	resp, err = post(srv.URL + "/limited")
	if err != nil || resp.StatusCode != 201 || attempts.Load() != 2 || !reflect.DeepEqual(slept, []time.Duration{3 * time.Second}) {
		t.Errorf("POST refused by a rate limit: %v %v after %d attempts, slept %v", resp, err, attempts.Load(), slept)
	}
	slept = nil
	if _, err = post(closedURL); err == nil || len(slept) != 2 {
		t.Errorf("POST to a refused connection: %v, slept %v; want two retries", err, slept)
	}
}

// The retrying transport gives up after DefaultRetries and returns the last answer.
func TestRetryingGivesUp(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var slept []time.Duration
	rt := &retrying{next: http.DefaultTransport, now: time.Now, retries: DefaultRetries,
		sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	req, err := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader(`{"body":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	if resp.StatusCode != 503 || !reflect.DeepEqual(slept, want) || len(bodies) != DefaultRetries+1 {
		t.Errorf("status %d, slept %v (want %v), %d attempts", resp.StatusCode, slept, want, len(bodies))
	}
	for _, b := range bodies {
		if b != `{"body":"x"}` {
			t.Errorf("a retry sent the body %q", b)
		}
	}
}

// The comment the Action posts, for a failing, a passing and an inconclusive verdict: the
// marker first, the notes, the run link.
func TestCommentGolden(t *testing.T) {
	measured := "Measured 0a1b2c3d4e5f, the merge of the pull request's head ec26c3e57ca3 into master."
	runURL := "https://github.com/Codertocat/Hello-World/actions/runs/42"
	for _, c := range []struct {
		name    string
		verdict *compare.Verdict
		notes   []string
	}{
		{"fail", judged(true, 0.8), []string{
			"This pull request changes the baseline baselines/ci/shop.json: this run compared against the base commit's; the new one is used once merged.",
			measured}},
		{"pass", judged(true, 1), []string{measured}},
		{"inconclusive", judged(false, 1), []string{
			"This pull request adds the baseline baselines/ci/shop.json: it is used once merged; this run had no baseline to compare with.",
			measured}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := CommentBody(c.verdict, runURL, c.notes, nil)
			if !strings.HasPrefix(body, Marker("shop")+"\n") || !strings.Contains(body, runURL) {
				t.Errorf("no marker or run link:\n%s", body)
			}
			golden(t, filepath.Join("testdata", "comment_"+c.name+".golden"), body)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

var testTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// judged is a real verdict: head (throughput scaled by scale) against a baseline, or
// against nothing.
func judged(withBase bool, scale float64) *compare.Verdict {
	in := compare.Input{Head: testResult("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", scale), Mode: compare.ModeBaseline}
	if withBase {
		in.Base = testResult("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", 1)
	}
	return compare.Compare(in, compare.RulesFromConfig(gateWithoutDrift()))
}

func testResult(revision string, scale float64) *result.Result {
	r := &result.Result{
		Schema: result.Schema, Suite: "shop", Profile: "full", DefinitionHash: "sha256:test",
		Definition:  map[string]string{"profile": `"full"`},
		Fingerprint: result.Fingerprint{Runner: "ci", CPUModel: "Test CPU", LogicalCPUs: 2, MemoryBytes: 8 << 30},
		Git:         result.Git{Revision: revision}, Started: testTime, Finished: testTime.Add(time.Hour), Complete: true,
	}
	for _, name := range []string{"json", "db"} {
		sc := result.Scenario{Name: name}
		for i := range 12 {
			sc.Runs = append(sc.Runs, result.Run{Run: i + 1, Metrics: map[string]float64{
				"throughput": scale * (1000 + float64(i)), "p99": 10 + float64(i%3)/100, "error_rate": 0,
			}})
		}
		r.Scenarios = append(r.Scenarios, sc)
	}
	return r
}

// gateWithoutDrift is the default [gate] trusting a stored baseline as if measured
// alongside (gate.drift 0): these tests are about what the verdict says, not about drift.
func gateWithoutDrift() config.Gate {
	g := config.DefaultGate()
	zero := 0.0
	g.Drift = &zero
	return g
}
