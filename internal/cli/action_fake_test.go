package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/result"
)

// Fakes for the tests of `stackgate action`: a GitHub API on httptest whose stubs must
// all be used (as cli/cli's httpmock registry), a gate returning real verdicts without
// measuring, and a scratch git repository standing for the workspace.

// fakeGitHub is a GitHub API serving registered stubs, each once, in order of
// registration among those matching. Unmatched requests and unused stubs fail the test;
// every request is recorded for the test to check.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string // the API's path prefix ("/api/v3" for GitHub Enterprise Server)

	mu       sync.Mutex
	stubs    []*stub
	received []received
}

type stub struct {
	method, path string
	query        url.Values
	status       int
	body         string
	header       map[string]string
	used         bool
}

type received struct {
	method, path, query, auth string
	body                      string
}

// String is how tests list requests: "GET /repos/o/r/issues/2/comments?per_page=100".
func (r received) String() string {
	if r.query == "" {
		return r.method + " " + r.path
	}
	return r.method + " " + r.path + "?" + r.query
}

func newFakeGitHub(t *testing.T, prefix string) *fakeGitHub {
	f := &fakeGitHub{t: t, prefix: prefix}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		for _, s := range f.stubs {
			if !s.used {
				t.Errorf("fake GitHub: stub never used: %s %s?%s", s.method, s.path, s.query.Encode())
			}
		}
	})
	return f
}

// apiURL is GITHUB_API_URL for this fake.
func (f *fakeGitHub) apiURL() string { return f.srv.URL + f.prefix }

// on registers a stub: "METHOD /path?query", the answer's status and body, and headers
// as name, value pairs. "{api}" in the body or headers stands for the API's URL.
func (f *fakeGitHub) on(request string, status int, body string, header ...string) {
	method, target, _ := strings.Cut(request, " ")
	u, err := url.Parse(target)
	if err != nil {
		f.t.Fatal(err)
	}
	s := &stub{method: method, path: f.prefix + u.Path, query: u.Query(), status: status, body: body, header: map[string]string{}}
	for i := 0; i+1 < len(header); i += 2 {
		s.header[header[i]] = header[i+1]
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stubs = append(f.stubs, s)
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.received = append(f.received, received{method: r.Method, path: strings.TrimPrefix(r.URL.Path, f.prefix),
		query: r.URL.Query().Encode(), auth: r.Header.Get("Authorization"), body: string(body)})
	var match *stub
	for _, s := range f.stubs {
		if !s.used && s.method == r.Method && s.path == r.URL.Path && reflect.DeepEqual(s.query, r.URL.Query()) {
			match = s
			break
		}
	}
	if match != nil {
		match.used = true
	}
	f.mu.Unlock()
	if match == nil {
		f.t.Errorf("fake GitHub: unexpected request %s %s", r.Method, r.URL)
		http.Error(w, `{"message":"no stub"}`, http.StatusTeapot)
		return
	}
	api := f.apiURL()
	for k, v := range match.header {
		w.Header().Set(k, strings.ReplaceAll(v, "{api}", api))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(match.status)
	io.WriteString(w, strings.ReplaceAll(match.body, "{api}", api))
}

// requests lists what the fake received, in order.
func (f *fakeGitHub) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.received...)
}

// fakeGate is the gate without a measurement: it reads the baseline the way the real gate
// does (through Options.ReadBaseline), records what it was given, writes result and
// verdict files, and returns the verdict verdictFor makes.
type fakeGate struct {
	verdictFor func(opt gate.Options, base *baseline.Baseline) *compare.Verdict

	mu     sync.Mutex
	calls  []gate.Options
	bases  []*baseline.Baseline // the baseline each call read (nil: none)
	judged []*result.Result     // the base revision's results Judge was given (A/B)
}

func (g *fakeGate) Run(_ context.Context, opt gate.Options) (*gate.Outcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, opt)
	read := opt.ReadBaseline
	if read == nil {
		read = baseline.Read
	}
	base, err := read(opt.BaselinePath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &gate.Outcome{}, err
	}
	g.bases = append(g.bases, base)
	return g.outcome(opt, g.verdictFor(opt, base))
}

func (g *fakeGate) outcome(opt gate.Options, v *compare.Verdict) (*gate.Outcome, error) {
	out := &gate.Outcome{Verdict: v, BaselinePath: opt.BaselinePath(),
		ResultPath: filepath.Join(opt.OutDir, result.FileName), VerdictPath: filepath.Join(opt.OutDir, compare.VerdictFile)}
	out.Result = testResult(opt.Suite.Suite, "head", 1)
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return out, err
	}
	if err := result.Write(out.ResultPath, out.Result); err != nil {
		return out, err
	}
	return out, result.WriteJSON(out.VerdictPath, out.Verdict)
}

// Judge judges a merged result: against the base revision's results when given (A/B, no
// baseline is read), else as Run does.
func (g *fakeGate) Judge(opt gate.Options, base, head *result.Result) (*gate.Outcome, error) {
	if base == nil {
		return g.Run(context.Background(), opt)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, opt)
	g.judged = append(g.judged, base)
	return g.outcome(opt, compare.Compare(compare.Input{Base: base, Head: head, Mode: compare.ModeAB}, fakeRules(opt)))
}

func (g *fakeGate) UpdateBaseline(context.Context, gate.Options, string) (*gate.Update, error) {
	return nil, errors.New("the fake gate does not record baselines")
}

// testTime is when the test results were measured.
var testTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testResult is a complete result of scenarios json and db, 12 runs each, whose throughput
// is scale × (1000 + run); the other gated metrics do not change.
func testResult(suite, revision string, scale float64) *result.Result {
	r := &result.Result{
		Schema: result.Schema, Tool: "stackgate test", Suite: suite, Profile: "full",
		DefinitionHash: "sha256:test", Definition: map[string]string{"profile": `"full"`},
		Fingerprint: result.Fingerprint{Runner: "ci", CPUModel: "Test CPU", LogicalCPUs: 2, MemoryBytes: 8 << 30},
		Git:         result.Git{Revision: revision}, Started: testTime, Finished: testTime.Add(time.Hour), Complete: true,
		AllScenarios: []string{"json", "db"},
	}
	for _, name := range r.AllScenarios {
		sc := result.Scenario{Name: name}
		for i := range 12 {
			sc.Runs = append(sc.Runs, result.Run{Run: i + 1, Seq: i + 1, Metrics: map[string]float64{
				"throughput": scale * (1000 + float64(i)), "p99": 10 + float64(i%3)/100, "error_rate": 0,
			}})
		}
		r.Scenarios = append(r.Scenarios, sc)
	}
	return r
}

// verdictAgainst judges, by the rules opt gives, a head result of opt's suite — the
// scenarios of testResult it still has — scaled by scale against base (nil: no baseline).
func verdictAgainst(opt gate.Options, base *baseline.Baseline, scale float64) *compare.Verdict {
	head := testResult(opt.Suite.Suite, "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", scale)
	head.AllScenarios, head.Scenarios = nil, nil
	for _, sc := range opt.Suite.Scenarios {
		head.AllScenarios = append(head.AllScenarios, sc.Name)
		if s := testResult("", "", scale).Scenario(sc.Name); s != nil {
			head.Scenarios = append(head.Scenarios, *s)
		}
	}
	in := compare.Input{Head: head, Mode: compare.ModeBaseline}
	if base != nil {
		in.Base, in.History = base.Result(), base.CompareHistory()
	}
	return compare.Compare(in, fakeRules(opt))
}

// fakeRules are the rules the real gate derives from opt.
func fakeRules(opt gate.Options) compare.Rules {
	rules := compare.RulesFromConfig(opt.Suite.Gate)
	rules.Removed = opt.Removed
	return rules
}

// testBaseline is the JSON of a baseline of testResult(scale).
func testBaseline(t *testing.T, scale float64) []byte {
	t.Helper()
	b, err := baseline.FromResult(testResult("shop", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", scale), testTime, "shop.raw.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// testSuite is the workspace's suite file.
const testSuite = `suite = "shop"

[[process]]
name = "app"
run = ["./app", "-addr", "{addr}"]

[load]
rate = 100

[[scenario]]
name = "json"
path = "/json"

[[scenario]]
name = "db"
path = "/db"

[gate]
drift = 0.0 # the fake gate's samples are one sitting's: these tests are about what the Action does with a verdict

[gate.metric.throughput]
warn = 2.0
fail = 5.0
`

// workspace is a git repository standing for the runner's checkout.
type workspace struct {
	t    *testing.T
	dir  string
	base string // the first commit: the pull request's base
}

// newWorkspace commits files as the base commit.
func newWorkspace(t *testing.T, files map[string]string) *workspace {
	t.Helper()
	w := &workspace{t: t, dir: t.TempDir()}
	w.git("init", "-q", "-b", "master")
	w.commit(files, "base")
	w.base = strings.TrimSpace(w.git("rev-parse", "HEAD"))
	return w
}

func (w *workspace) path(name string) string { return filepath.Join(w.dir, name) }

// commit writes files and commits them, like the merge commit actions/checkout makes.
func (w *workspace) commit(files map[string]string, msg string) {
	w.t.Helper()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(w.path(name)), 0o755); err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(w.path(name), []byte(content), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	w.git("add", "-A")
	w.git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", msg)
}

func (w *workspace) git(args ...string) string {
	w.t.Helper()
	out, err := exec.Command("git", append([]string{"-C", w.dir}, args...)...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
