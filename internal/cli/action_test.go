package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/ghaction"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/result"
)

// `stackgate action` end to end: the real command, inputs and event as a runner gives
// them, a scratch git repository as the workspace, a fake GitHub API that checks every
// request, and (but for the last test) a gate that returns real verdicts without measuring.

const testToken = "ghs_TESTTOKEN0123456789abcdefSECRET"

// The pull request of the payloads in testdata/github.
const (
	prRepo     = "/repos/Codertocat/Hello-World"
	prHeadSHA  = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	commentURL = "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-11"
)

// actionRun is one `stackgate action` in a fake runner.
type actionRun struct {
	t      *testing.T
	env    map[string]string
	ws     *workspace
	gate   ghaction.Gate
	sleeps []time.Duration
}

// newActionRun prepares the runner: the event payload (a file of testdata/github, edited
// by edit, with the pull request's base set to the workspace's base commit), GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, and the inputs.
func newActionRun(t *testing.T, ws *workspace, gh *fakeGitHub, eventName, payload string, edit func(map[string]any), inputs ...string) *actionRun {
	t.Helper()
	runner := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "github", payload))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	if pr, ok := ev["pull_request"].(map[string]any); ok {
		pr["base"].(map[string]any)["sha"] = ws.base
	}
	if edit != nil {
		edit(ev)
	}
	if data, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	a := &actionRun{t: t, ws: ws, env: map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": eventName, "GITHUB_EVENT_PATH": filepath.Join(runner, "event.json"),
		"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
		"GITHUB_OUTPUT": filepath.Join(runner, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(runner, "summary"),
		"RUNNER_ENVIRONMENT": "self-hosted", "RUNNER_TEMP": runner, "GITHUB_WORKSPACE": ws.dir,
		"INPUT_CONFIG": ws.path("stackgate.toml"), "INPUT_MODE": "gate", "INPUT_GITHUB-TOKEN": testToken,
		"INPUT_COMMENT": "true", "INPUT_FAIL-ON": "regression", "INPUT_ALLOW-FORKS": "false",
		"INPUT_RUNNER-NAME": "ci", "INPUT_OUT-DIR": filepath.Join(runner, "out"),
		lock.PathEnv: filepath.Join(runner, "stackgate.lock"),
	}}
	if gh != nil {
		a.env["GITHUB_API_URL"] = gh.apiURL()
	}
	for i := 0; i+1 < len(inputs); i += 2 {
		a.env[inputs[i]] = inputs[i+1]
	}
	if err := os.WriteFile(a.env["GITHUB_EVENT_PATH"], data, 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

// run runs `stackgate action` and returns its exit code, stdout and stderr.
func (a *actionRun) run() (int, string, string) {
	a.t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return a.env[k] }}
	ctx := context.Background()
	err := runAction(ctx, e, nil, actionDeps{
		gate: a.gate, http: &http.Client{Timeout: 10 * time.Second}, git: ghaction.GitIn(a.ws.dir),
		sleep: func(_ context.Context, d time.Duration) error { a.sleeps = append(a.sleeps, d); return nil },
	})
	if err != nil {
		fmt.Fprintf(&errOut, "stackgate: %v\n", err)
	}
	return exitCode(ctx, err), out.String(), errOut.String()
}

// outputs parses GITHUB_OUTPUT (name<<delimiter, value, delimiter).
func (a *actionRun) outputs() map[string]string {
	a.t.Helper()
	data, err := os.ReadFile(a.env["GITHUB_OUTPUT"])
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func (a *actionRun) summary() string {
	data, _ := os.ReadFile(a.env["GITHUB_STEP_SUMMARY"])
	return string(data)
}

// checkNoToken fails when the token appears in the output, in a file the runner or
// stackgate wrote, or in a request other than in its Authorization header — and when a
// request did not authenticate with it.
func (a *actionRun) checkNoToken(gh *fakeGitHub, texts ...string) {
	a.t.Helper()
	for i, s := range texts {
		if strings.Contains(s, testToken) {
			a.t.Errorf("the token is in output %d", i)
		}
	}
	for _, dir := range []string{a.env["RUNNER_TEMP"], a.ws.dir} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(testToken)) && path != a.env["GITHUB_EVENT_PATH"] {
					a.t.Errorf("the token is in %s", path)
				}
			}
			return nil
		})
	}
	if gh == nil {
		return
	}
	for _, r := range gh.requests() {
		if r.auth != "Bearer "+testToken {
			a.t.Errorf("%s: Authorization %q, want the token", r, r.auth)
		}
		if strings.Contains(r.body+r.query, testToken) {
			a.t.Errorf("%s: the token is in the request", r)
		}
	}
}

// checkRequests compares what the fake received with want ("METHOD /path?query", the
// repository prefix written as "~").
func checkRequests(t *testing.T, gh *fakeGitHub, want ...string) []received {
	t.Helper()
	got := gh.requests()
	var lines []string
	for _, r := range got {
		lines = append(lines, strings.Replace(r.String(), prRepo, "~", 1))
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("requests:\n  %s\nwant:\n  %s", strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
	}
	return got
}

// jsonBody decodes a request's body.
func jsonBody(t *testing.T, r received) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("%s: body %q: %v", r, r.body, err)
	}
	return m
}

// standardWorkspace has the suite and its baseline at the base commit, and a merge commit
// that changes the application only.
func standardWorkspace(t *testing.T) *workspace {
	ws := newWorkspace(t, map[string]string{"stackgate.toml": testSuite, "baselines/ci/shop.json": string(testBaseline(t, 1))})
	ws.commit(map[string]string{"app.go": "package main\n"}, "merge")
	return ws
}

func failing(opt gate.Options, b *baseline.Baseline) *compare.Verdict {
	return verdictAgainst(opt, b, 0.8)
}
func passing(opt gate.Options, b *baseline.Baseline) *compare.Verdict {
	return verdictAgainst(opt, b, 1)
}

// warning is 3 % slower: beyond the warn tolerance (2 %), within the fail tolerance (5 %).
func warning(opt gate.Options, b *baseline.Baseline) *compare.Verdict {
	return verdictAgainst(opt, b, 0.97)
}

const (
	// byBot is the author of the comments the workflow's GITHUB_TOKEN writes.
	byBot = `"user":{"login":"github-actions[bot]","type":"Bot"}`
	// integrationForbidden is GitHub's answer to GET /user with an installation token.
	integrationForbidden = `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user","status":"403"}`
	emptyList            = `[]`
	noCheckRuns          = `{"total_count":0,"check_runs":[]}`
	checkRunsURL         = "/commits/" + prHeadSHA + "/check-runs?check_name=stackgate%3A+shop"
)

// The first run on a pull request creates the sticky comment and the check run; the next
// run edits both instead of adding new ones. The API is GitHub Enterprise Server's
// (GITHUB_API_URL with /api/v3).
func TestActionCommentsThenEdits(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "/api/v3")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	g := &fakeGate{verdictFor: failing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = g

	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d, want %d (fail)\nstdout:\n%s\nstderr:\n%s", code, ExitRegression, stdout, stderr)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	out := a.outputs()
	md, err := os.ReadFile(out["markdown"])
	if err != nil {
		t.Fatalf("markdown output: %v", err)
	}
	comment := jsonBody(t, reqs[1])["body"].(string)
	if comment != string(md) || !strings.HasPrefix(comment, "<!-- stackgate:shop -->\n") || !strings.Contains(comment, "**FAIL**") ||
		!strings.Contains(comment, "https://github.com/Codertocat/Hello-World/actions/runs/42") {
		t.Errorf("comment (markdown output %s):\n%s", out["markdown"], comment)
	}
	check := jsonBody(t, reqs[3])
	if check["head_sha"] != prHeadSHA || check["conclusion"] != "failure" || check["status"] != "completed" || check["name"] != "stackgate: shop" {
		t.Errorf("check run: %v", check)
	}
	wantOutputs := map[string]string{"verdict": "fail", "comment-url": commentURL, "report": "", "baseline": ""}
	for name, want := range wantOutputs {
		if out[name] != want {
			t.Errorf("output %s = %q, want %q", name, out[name], want)
		}
	}
	for _, name := range []string{"result", "verdict-file"} {
		if _, err := os.Stat(out[name]); err != nil {
			t.Errorf("output %s: %v", name, err)
		}
	}
	if s := a.summary(); !strings.Contains(s, "**FAIL**") || strings.Contains(s, "<!-- stackgate") {
		t.Errorf("job summary:\n%s", s)
	}
	if !strings.Contains(stdout, "::error title=stackgate shop::json throughput: ") {
		t.Errorf("no annotation for the failing metric:\n%s", stdout)
	}
	a.checkNoToken(gh, stdout, stderr)

	// The next push: the same comment and check run are edited.
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, `[{"id":9,"body":"LGTM"},{"id":11,"body":"<!-- stackgate:shop -->\nold",`+byBot+`}]`)
	gh.on("GET /user", 403, integrationForbidden)
	gh.on("PATCH "+prRepo+"/issues/comments/11", 200, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, `{"total_count":1,"check_runs":[{"id":5}]}`)
	gh.on("PATCH "+prRepo+"/check-runs/5", 200, `{"id":5}`)
	a = newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = g
	if code, stdout, stderr = a.run(); code != ExitRegression {
		t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	reqs = checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs",
		"GET ~/issues/2/comments?per_page=100",
		"GET /user",
		"PATCH ~/issues/comments/11",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"PATCH ~/check-runs/5")
	if body := jsonBody(t, reqs[6])["body"].(string); body != comment {
		t.Errorf("edited comment differs from the first:\n%s", body)
	}
	if c := jsonBody(t, reqs[8]); c["conclusion"] != "failure" {
		t.Errorf("updated check run: %v", c)
	}
	a.checkNoToken(gh, stdout, stderr)
	if len(g.calls) != 2 || len(a.sleeps) != 0 {
		t.Errorf("gate called %d times, slept %v", len(g.calls), a.sleeps)
	}
}

// The sticky comment is found on a later page of the comments (Link headers).
func TestActionFindsCommentOnLaterPage(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, `[{"id":3,"body":"first"}]`,
		"Link", `<{api}`+prRepo+`/issues/2/comments?page=2&per_page=100>; rel="next", <{api}`+prRepo+`/issues/2/comments?page=2&per_page=100>; rel="last"`)
	gh.on("GET "+prRepo+"/issues/2/comments?page=2&per_page=100", 200, `[{"id":77,"body":"<!-- stackgate:shop -->\nold",`+byBot+`}]`)
	gh.on("GET /user", 403, integrationForbidden)
	gh.on("PATCH "+prRepo+"/issues/comments/77", 200, `{"id":77,"html_url":"https://github.com/Codertocat/Hello-World/pull/2#issuecomment-77"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.opened.json", nil)
	a.gate = &fakeGate{verdictFor: passing}
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"GET ~/issues/2/comments?page=2&per_page=100",
		"GET /user",
		"PATCH ~/issues/comments/77",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	if c := jsonBody(t, reqs[5]); c["conclusion"] != "success" {
		t.Errorf("check run of a pass: %v", c)
	}
	if out := a.outputs(); out["verdict"] != "pass" || !strings.HasSuffix(out["comment-url"], "-77") {
		t.Errorf("outputs: %v", out)
	}
	a.checkNoToken(gh, stdout, stderr)
}

// A 502 is retried after a back-off (an injected sleep, so the test does not wait), and
// so is a rate limit with Retry-After.
func TestActionRetriesServerErrorsAndRateLimits(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 502, `{"message":"Server Error"}`)
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 403, `{"message":"You have exceeded a secondary rate limit"}`, "Retry-After", "7")
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = &fakeGate{verdictFor: passing}
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	if reqs[2].body != reqs[3].body || reqs[3].body == "" {
		t.Errorf("the retried POST sent another body:\n%s\n%s", reqs[2].body, reqs[3].body)
	}
	if want := []time.Duration{time.Second, 7 * time.Second}; !reflect.DeepEqual(a.sleeps, want) {
		t.Errorf("slept %v, want %v", a.sleeps, want)
	}
	if out := a.outputs(); out["comment-url"] != commentURL {
		t.Errorf("comment-url %q", out["comment-url"])
	}
	if strings.Contains(stdout, "::warning") {
		t.Errorf("a retried failure is not a warning:\n%s", stdout)
	}
}

// forkOf makes the payload's pull request come from another repository.
func forkOf(ev map[string]any) {
	head := ev["pull_request"].(map[string]any)["head"].(map[string]any)
	head["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
}

// A fork's pull request is refused on a self-hosted runner: nothing is measured, nothing
// is asked of the API, and the message explains the risk and the real controls.
func TestActionRefusesForkOnSelfHostedRunner(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	g := &fakeGate{verdictFor: passing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", forkOf)
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitBadInput {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitBadInput, stdout, stderr)
	}
	for _, want := range []string{"mallory/Hello-World", "self-hosted runner", "allow-forks", "Require approval for all outside collaborators"} {
		if !strings.Contains(stderr, want) || !strings.Contains(stdout, "::error") {
			t.Errorf("the refusal does not say %q:\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
		}
	}
	checkRequests(t, gh)
	if len(g.calls) != 0 {
		t.Error("the fork's code was measured")
	}
	if out := a.outputs(); out["verdict"] != "" {
		t.Errorf("verdict output %q", out["verdict"])
	}
	// On GitHub's own runners a fork is no threat to the machine (but its token is read-only).
	a = newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", forkOf, "RUNNER_ENVIRONMENT", ghaction.RunnerGitHubHosted, "INPUT_COMMENT", "false")
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	a.gate = g
	if code, stdout, stderr = a.run(); code != ExitOK || len(g.calls) != 1 {
		t.Errorf("fork on a GitHub-hosted runner: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// With allow-forks, a fork's pull request is measured; the read-only token's 403 on the
// comment is a warning, and the verdict still decides the exit code.
func TestActionForkWithReadOnlyToken(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	forbidden := `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 403, forbidden)
	gh.on("GET "+prRepo+checkRunsURL, 403, forbidden)
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", forkOf, "INPUT_ALLOW-FORKS", "true")
	a.gate = &fakeGate{verdictFor: failing}
	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d, want %d (the verdict's)\nstdout:\n%s\nstderr:\n%s", code, ExitRegression, stdout, stderr)
	}
	checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop")
	if !strings.Contains(stdout, "::warning title=stackgate::the token may not comment on pull request #2") ||
		!strings.Contains(stdout, "::notice title=stackgate::no check run") {
		t.Errorf("no warning for the refused comment:\n%s", stdout)
	}
	if out := a.outputs(); out["verdict"] != "fail" || out["comment-url"] != "" {
		t.Errorf("outputs: %v", out)
	}
	if len(a.sleeps) != 0 {
		t.Errorf("a 403 without a rate limit was retried: %v", a.sleeps)
	}
	a.checkNoToken(gh, stdout, stderr)
}

// A pull request that edits the baseline and loosens the tolerances is still judged by the
// base commit's baseline and rules, and the comment says it changes them.
func TestActionJudgesByBaseCommit(t *testing.T) {
	ws := standardWorkspace(t)
	ws.commit(map[string]string{
		"baselines/ci/shop.json": string(testBaseline(t, 0.5)),
		"stackgate.toml":         strings.Replace(testSuite, "fail = 5.0", "fail = 90.0", 1),
	}, "merge: the PR rewrites the baseline and the rules")
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	g := &fakeGate{verdictFor: failing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if len(g.bases) != 1 || g.bases[0] == nil {
		t.Fatalf("the gate read no baseline")
	}
	if got := g.bases[0].Scenarios[0].Metrics["throughput"].Median; got < 1000 {
		t.Errorf("the gate read the pull request's baseline (throughput median %g), not the base commit's", got)
	}
	if fail := g.calls[0].Suite.Gate.Metrics["throughput"].Fail; fail == nil || *fail != 5 {
		t.Errorf("the gate used the pull request's tolerance %v, not the base commit's 5", fail)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	comment := jsonBody(t, reqs[1])["body"].(string)
	for _, want := range []string{"changes the baseline baselines/ci/shop.json", "changes the gate rules in stackgate.toml", "Measured "} {
		if !strings.Contains(comment, want) {
			t.Errorf("the comment does not say %q:\n%s", want, comment)
		}
	}
}

// Mode ab measures the pull request's base commit beside the head instead of reading a
// stored baseline; the gate rules still come from the base commit.
func TestActionABMeasuresTheBaseCommit(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	g := &fakeGate{verdictFor: failing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil, "INPUT_MODE", "ab")
	a.gate = g
	if code, stdout, stderr := a.run(); code != ExitRegression {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if len(g.calls) != 1 || g.calls[0].Against != ws.base {
		t.Fatalf("the gate was not asked to measure the base commit: %+v", g.calls)
	}
	if len(g.bases) != 1 || g.bases[0] == nil || g.bases[0].Scenarios[0].Metrics["throughput"].Median < 1000 {
		t.Errorf("a baseline, if read at all, must be the base commit's: %+v", g.bases)
	}
	checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
}

// The accept label turns a failing verdict into an accepted one (exit 0), and the comment
// names who applied it, from the events.
func TestActionAcceptLabel(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/events?per_page=100", 200, `[
		{"event":"labeled","label":{"name":"bug"},"actor":{"login":"Codertocat"}},
		{"event":"labeled","label":{"name":"stackgate: accept-regression"},"actor":{"login":"octocat"}}]`)
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	label := func(ev map[string]any) {
		pr := ev["pull_request"].(map[string]any)
		pr["labels"] = append(pr["labels"].([]any), map[string]any{"name": ghaction.DefaultAcceptLabel})
	}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", label)
	a.gate = &fakeGate{verdictFor: failing}
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 (accepted)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/events?per_page=100",
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	comment := jsonBody(t, reqs[2])["body"].(string)
	lines := strings.SplitN(comment, "\n", 3)
	if len(lines) < 2 || !strings.Contains(lines[1], "ACCEPTED") || !strings.Contains(lines[1], "@octocat") || strings.Count(comment, "@octocat") != 1 {
		t.Errorf("the comment does not lead with ACCEPTED and who accepted the regression, once:\n%s", comment)
	}
	if c := jsonBody(t, reqs[4]); c["conclusion"] != "success" {
		t.Errorf("check run of an accepted regression: %v", c)
	}
	if out := a.outputs(); out["verdict"] != "accepted" {
		t.Errorf("verdict output %q", out["verdict"])
	}
	if strings.Contains(stdout, "::error") || !strings.Contains(stdout, "::warning title=stackgate shop::json throughput") {
		t.Errorf("an accepted regression is annotated as a warning:\n%s", stdout)
	}
	var v compare.Verdict
	if data, err := os.ReadFile(a.outputs()["verdict-file"]); err != nil || json.Unmarshal(data, &v) != nil || v.Level != compare.Fail {
		t.Errorf("the verdict file keeps level fail: %v %q", err, v.Level)
	}
}

// Runs that do nothing or are refused touch neither the gate nor the API.
func TestActionDoesNothingOrRefuses(t *testing.T) {
	cases := []struct {
		name, event, payload string
		inputs               []string
		code                 int
		verdict, says        string
	}{
		{"tag deletion", "push", "push.tag-deleted.json", []string{"INPUT_MODE", "record"}, ExitOK, "skipped", "refs/tags/simple-tag was deleted"},
		{"record on a pull request", "pull_request", "pull_request.synchronize.json", []string{"INPUT_MODE", "record"}, ExitBadInput, "", "never recorded from a pull request"},
		{"mode ab on a push", "push", "push.branch-with-commit.json", []string{"INPUT_MODE", "ab"}, ExitBadInput, "", "mode ab measures a pull request's or merge group's base commit"},
		{"bad boolean", "pull_request", "pull_request.synchronize.json", []string{"INPUT_ALLOW-FORKS", "perhaps"}, ExitBadInput, "", `allow-forks "perhaps"`},
		{"bad fail-on", "pull_request", "pull_request.synchronize.json", []string{"INPUT_FAIL-ON", "sometimes"}, ExitBadInput, "", `input fail-on`},
		{"not in Actions", "", "push.tag-deleted.json", nil, ExitBadInput, "", "GITHUB_EVENT_NAME is not set"},
		{"unsupported event", "issue_comment", "push.tag-deleted.json", nil, ExitBadInput, "", "does not handle issue_comment events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := standardWorkspace(t)
			gh := newFakeGitHub(t, "")
			g := &fakeGate{verdictFor: passing}
			a := newActionRun(t, ws, gh, c.event, c.payload, nil, c.inputs...)
			a.gate = g
			code, stdout, stderr := a.run()
			if code != c.code || !strings.Contains(stdout+stderr, c.says) {
				t.Errorf("exit %d (want %d), want it to say %q\nstdout:\n%s\nstderr:\n%s", code, c.code, c.says, stdout, stderr)
			}
			checkRequests(t, gh)
			if len(g.calls) != 0 {
				t.Error("the gate ran")
			}
			// Inputs are checked before the Action starts: then there are no outputs.
			if !strings.HasPrefix(c.name, "bad ") && c.event != "" {
				if out := a.outputs(); out["verdict"] != c.verdict {
					t.Errorf("verdict output %q, want %q", out["verdict"], c.verdict)
				}
			}
		})
	}
}

// recordingGate records baselines the way the real gate does, from a canned result.
type recordingGate struct {
	fakeGate
	from []string
}

func (g *recordingGate) UpdateBaseline(_ context.Context, opt gate.Options, from string) (*gate.Update, error) {
	g.calls = append(g.calls, opt)
	g.from = append(g.from, from)
	r := testResult(opt.Suite.Suite, "head", 1)
	if from != "" {
		var err error
		if r, err = result.Read(from); err != nil {
			return nil, err
		}
	}
	old, updated, err := baseline.Update(opt.BaselinePath(), r, testTime)
	return &gate.Update{Path: opt.BaselinePath(), Old: old, New: updated}, err
}

// A push to the default branch in record mode writes the new baseline into the workspace;
// the same mode on another branch is refused.
func TestActionRecordsOnDefaultBranch(t *testing.T) {
	ws := standardWorkspace(t)
	g := &recordingGate{}
	a := newActionRun(t, ws, nil, "push", "push.branch-with-commit.json", nil, "INPUT_MODE", "record")
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	out := a.outputs()
	if out["verdict"] != "recorded" || out["baseline"] != ws.path("baselines/ci/shop.json") {
		t.Errorf("outputs: %v", out)
	}
	b, err := baseline.Read(ws.path("baselines/ci/shop.json"))
	if err != nil || len(b.History) != 1 {
		t.Errorf("the new baseline (with the old one in its history): %v %+v", err, b)
	}
	if !strings.Contains(a.summary(), "new baseline for shop") {
		t.Errorf("summary:\n%s", a.summary())
	}
	other := func(ev map[string]any) { ev["ref"] = "refs/heads/feature" }
	a = newActionRun(t, ws, nil, "push", "push.branch-with-commit.json", other, "INPUT_MODE", "record")
	a.gate = g
	if code, stdout, stderr = a.run(); code != ExitBadInput || !strings.Contains(stderr, "recorded from the default branch (master) only") {
		t.Errorf("record on a feature branch: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// The final job of a matrix merges the shards' results and posts one comment.
func TestActionJudgesMergedShards(t *testing.T) {
	ws := standardWorkspace(t)
	shards := t.TempDir()
	full := testResult("shop", "0a1b2c3d", 1)
	for i, sc := range full.Scenarios {
		part := *full
		part.Scenarios, part.Shard = []result.Scenario{sc}, fmt.Sprintf("%d/2", i+1)
		if err := result.Write(filepath.Join(shards, fmt.Sprintf("result-%d.json", i+1)), &part); err != nil {
			t.Fatal(err)
		}
	}
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	g := &fakeGate{verdictFor: passing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil,
		"INPUT_RESULTS", filepath.Join(shards, "result-*.json"), "INPUT_RUNNER-NAME", "")
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if len(g.calls) != 1 || g.calls[0].Runner != "ci" {
		t.Errorf("the merged result's runner names the baseline: %+v", g.calls)
	}
	checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
}

// One real end to end run: `stackgate action` on a pull_request event measures the e2e
// suite (-quick) with the real gate, and comments through the fake API. There is no
// baseline at the base commit, so the verdict is inconclusive and the exit code 0.
func TestActionEndToEnd(t *testing.T) {
	if _, err := pg.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	suite, err := os.ReadFile(filepath.Join(root, "cmd", "stackgate", "testdata", "e2e.toml"))
	if err != nil {
		t.Fatal(err)
	}
	suite = bytes.Replace(suite, []byte(`dir = "../../.."`), []byte(fmt.Sprintf("dir = %q", root)), 1)
	ws := newWorkspace(t, map[string]string{"stackgate.toml": string(suite)})
	ws.commit(map[string]string{"app.go": "package main\n"}, "merge")
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+"/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+e2e", 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil, "INPUT_QUICK", "true", "INPUT_RUNNER-NAME", "e2e")
	a.gate = ghaction.RealGate{}
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	reqs := checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+e2e",
		"POST ~/check-runs")
	comment := jsonBody(t, reqs[1])["body"].(string)
	if !strings.HasPrefix(comment, "<!-- stackgate:e2e -->\n") || !strings.Contains(comment, "INCONCLUSIVE") || !strings.Contains(comment, "no baseline yet") {
		t.Errorf("comment:\n%s", comment)
	}
	out := a.outputs()
	r, err := result.Read(out["result"])
	if err != nil {
		t.Fatal(err)
	}
	head := strings.TrimSpace(ws.git("rev-parse", "HEAD"))
	if !r.Complete || r.Git.Revision != head || len(r.Scenarios) != 2 || r.Profile != "quick" {
		t.Errorf("result: complete %v, revision %q (want the checkout %s), %d scenarios, profile %s", r.Complete, r.Git.Revision, head, len(r.Scenarios), r.Profile)
	}
	if out["verdict"] != "inconclusive" {
		t.Errorf("verdict output %q", out["verdict"])
	}
	a.checkNoToken(gh, stdout, stderr)
}

// A shallow checkout without the base commit cannot be judged by it: refused, saying how
// to check out.
func TestActionNeedsBaseCommit(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	g := &fakeGate{verdictFor: passing}
	missing := func(ev map[string]any) {
		ev["pull_request"].(map[string]any)["base"].(map[string]any)["sha"] = "1111111111111111111111111111111111111111"
	}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", missing)
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitBadInput || !strings.Contains(stderr, "the base commit 111111111111 is not in the checkout") || !strings.Contains(stderr, "fetch-depth: 0") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	checkRequests(t, gh)
	if len(g.calls) != 0 {
		t.Error("the gate ran")
	}
}
