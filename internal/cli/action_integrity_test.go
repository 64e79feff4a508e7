package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/ghaction"
	"github.com/stackgate/stackgate/internal/result"
)

// A pull request must never pass itself: each test here is a way around the gate that a
// hostile or careless pull request could take, against the fake API with the real payloads.

// stubPublish registers the answers of a first run on the pull request: no comment yet, no
// check run yet; suite names the check run.
func stubPublish(gh *fakeGitHub, suite string) {
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+"/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+"+suite, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
}

// published is the comment and the check run a run of stubPublish posted.
func published(t *testing.T, gh *fakeGitHub) (comment string, check map[string]any) {
	t.Helper()
	var posts []received
	for _, r := range gh.requests() {
		if r.method == "POST" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 {
		t.Fatalf("posted %d times, want a comment and a check run: %v", len(posts), gh.requests())
	}
	return jsonBody(t, posts[0])["body"].(string), jsonBody(t, posts[1])
}

// A pull request that removes the scenario that regressed is not judged on the rest: the
// removed scenario fails, and the comment says why and what to do.
func TestActionRemovedScenarioFails(t *testing.T) {
	ws := standardWorkspace(t)
	ws.commit(map[string]string{"stackgate.toml": strings.Replace(testSuite, "[[scenario]]\nname = \"db\"\npath = \"/db\"\n", "", 1)},
		"merge: the PR drops scenario db")
	gh := newFakeGitHub(t, "")
	stubPublish(gh, "shop")
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = &fakeGate{verdictFor: passing}
	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitRegression, stdout, stderr)
	}
	comment, check := published(t, gh)
	const why = "scenario db is in the baseline but was removed from the suite: record a baseline on the default branch first, or accept it with the label"
	if !strings.Contains(comment, why) || check["conclusion"] != "failure" {
		t.Errorf("check run %v; comment:\n%s", check["conclusion"], comment)
	}
	// With the accept label, the removal is accepted like any regression.
	gh = newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/events?per_page=100", 200, `[{"event":"labeled","label":{"name":"stackgate: accept-regression"},"actor":{"login":"octocat"}}]`)
	stubPublish(gh, "shop")
	label := func(ev map[string]any) {
		pr := ev["pull_request"].(map[string]any)
		pr["labels"] = append(pr["labels"].([]any), map[string]any{"name": ghaction.DefaultAcceptLabel})
	}
	a = newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", label)
	a.gate = &fakeGate{verdictFor: passing}
	if code, stdout, stderr = a.run(); code != ExitOK || a.outputs()["verdict"] != "accepted" {
		t.Errorf("accepted removal: exit %d, verdict %q\nstdout:\n%s\nstderr:\n%s", code, a.outputs()["verdict"], stdout, stderr)
	}
}

// The local side of the same rule: `stackgate compare` of a head that dropped a scenario.
func TestCompareRemovedScenarioIsInconclusive(t *testing.T) {
	dir := t.TempDir()
	base, head := testResult("shop", "base", 1), testResult("shop", "head", 1)
	head.Scenarios, head.AllScenarios = head.Scenarios[:1], head.AllScenarios[:1]
	for name, r := range map[string]*result.Result{"base.json": base, "head.json": head} {
		if err := result.Write(filepath.Join(dir, name), r); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run("compare", "-out", dir, "-fail-on", "inconclusive", filepath.Join(dir, "base.json"), filepath.Join(dir, "head.json"))
	if code != ExitInconclusive || !strings.Contains(out, "removed from the suite") {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitInconclusive, out, errOut)
	}
}

// What decides which baseline and which rules judge a pull request comes from the base
// commit: a pull request that renames its suite or moves it to another runner is judged
// under the old names, against the base commit's baseline, and the comment says so.
func TestActionRenamedSuiteAndRunnerJudgedByBase(t *testing.T) {
	ws := newWorkspace(t, map[string]string{
		"stackgate.toml":         "runner = \"ci\"\n" + testSuite,
		"baselines/ci/shop.json": string(testBaseline(t, 1)),
	})
	ws.commit(map[string]string{
		"stackgate.toml":              strings.Replace("runner = \"lab\"\n"+testSuite, `suite = "shop"`, `suite = "cart"`, 1),
		"baselines/lab/cart.json":     string(testBaseline(t, 0.5)),
		"app.go":                      "package main\n",
		"baselines/ci/unrelated.json": "{}",
	}, "merge: the PR renames the suite, moves it to another runner and brings its own baseline")
	gh := newFakeGitHub(t, "")
	stubPublish(gh, "shop")
	g := &fakeGate{verdictFor: failing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil, "INPUT_RUNNER-NAME", "")
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitRegression, stdout, stderr)
	}
	opt := g.calls[0]
	if opt.Suite.Suite != "shop" || opt.Runner != "ci" || opt.BaselinePath() != ws.path("baselines/ci/shop.json") {
		t.Errorf("judged as suite %q on runner %q against %s", opt.Suite.Suite, opt.Runner, opt.BaselinePath())
	}
	if g.bases[0] == nil || g.bases[0].Scenarios[0].Metrics["throughput"].Median < 1000 {
		t.Errorf("not the base commit's baseline: %+v", g.bases[0])
	}
	comment, _ := published(t, gh)
	for _, want := range []string{"<!-- stackgate:shop -->", `renames the suite "shop" to "cart"`, `changes the runner in stackgate.toml ("ci" → "lab")`} {
		if !strings.Contains(comment, want) {
			t.Errorf("the comment does not say %q:\n%s", want, comment)
		}
	}
}

// writeShards writes the shards of a matrix of n over testResult's scenarios (json, db)
// into dir/result-i/, leaving out the shards in skip; with base, the base revision's
// results of an A/B shard job beside them, scaled by base.
func writeShards(t *testing.T, dir string, n int, head, base float64, skip ...int) {
	t.Helper()
	write := func(path string, r *result.Result) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := result.Write(path, r); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		if containsInt(skip, i) {
			continue
		}
		for _, side := range []struct {
			file  string
			scale float64
		}{{result.FileName, head}, {gate.BaseResultFile, base}} {
			if side.scale == 0 {
				continue
			}
			r := testResult("shop", "0a1b2c3d", side.scale)
			r.Shard = fmt.Sprintf("%d/%d", i, n)
			var mine []result.Scenario
			for k, sc := range r.Scenarios {
				if k%n == i-1 {
					mine = append(mine, sc)
				}
			}
			r.Scenarios = mine
			write(filepath.Join(dir, fmt.Sprintf("result-%d", i), side.file), r)
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Mode ab with the results of shard jobs judges the merged head against the merged base
// revision's results those jobs measured — never a baseline file the pull request holds.
func TestActionABWithResultsNeverReadsThePullRequestsBaseline(t *testing.T) {
	ws := standardWorkspace(t)
	ws.commit(map[string]string{"baselines/ci/shop.json": string(testBaseline(t, 0.5))}, "merge: the PR lowers its baseline")
	shards := t.TempDir()
	writeShards(t, shards, 2, 0.8, 1)
	gh := newFakeGitHub(t, "")
	stubPublish(gh, "shop")
	g := &fakeGate{verdictFor: passing}
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil,
		"INPUT_MODE", "ab", "INPUT_RESULTS", filepath.Join(shards, "result-*", result.FileName))
	a.gate = g
	code, stdout, stderr := a.run()
	if code != ExitRegression {
		t.Fatalf("exit %d, want %d (head 20 %% slower than the base revision)\nstdout:\n%s\nstderr:\n%s", code, ExitRegression, stdout, stderr)
	}
	if len(g.judged) != 1 || len(g.bases) != 0 || g.judged[0].Scenario("db") == nil || g.judged[0].Scenario("json") == nil {
		t.Fatalf("judged against %v, read baselines %v: want the merged base results, no baseline", g.judged, g.bases)
	}
	// Without the base revision's results the job cannot judge: it fails, saying what is missing.
	only := t.TempDir()
	writeShards(t, only, 2, 0.8, 0)
	gh = newFakeGitHub(t, "")
	stubPublish(gh, "shop")
	a = newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil,
		"INPUT_MODE", "ab", "INPUT_RESULTS", filepath.Join(only, "result-*", result.FileName))
	a.gate = &fakeGate{verdictFor: passing}
	if code, stdout, stderr = a.run(); code != ExitNotMeasured || !strings.Contains(stderr, gate.BaseResultFile) {
		t.Errorf("without base results: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// The final job of a matrix whose shard job failed fails closed: an error verdict on the
// pull request naming the missing shard, exit 3 — never a pass on the shards that are there.
func TestActionMissingShardFailsClosed(t *testing.T) {
	for _, tt := range []struct {
		name string
		skip []int
		says string
	}{
		{"one of two shards", []int{2}, "shard 2/2 of the matrix is missing"},
		{"every shard", []int{1, 2}, "matches no file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := standardWorkspace(t)
			shards := t.TempDir()
			writeShards(t, shards, 2, 1, 0, tt.skip...)
			gh := newFakeGitHub(t, "")
			stubPublish(gh, "shop")
			g := &fakeGate{verdictFor: passing}
			a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil,
				"INPUT_RESULTS", filepath.Join(shards, "result-*", result.FileName))
			a.gate = g
			code, stdout, stderr := a.run()
			if code != ExitNotMeasured || !strings.Contains(stderr, tt.says) {
				t.Fatalf("exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s", code, ExitNotMeasured, tt.says, stdout, stderr)
			}
			if len(g.calls) != 0 {
				t.Error("a subset of the shards was judged")
			}
			comment, check := published(t, gh)
			if !strings.Contains(comment, "ERROR") || !strings.Contains(comment, tt.says) || check["conclusion"] != "failure" {
				t.Errorf("check run %v; comment:\n%s", check["conclusion"], comment)
			}
			if out := a.outputs(); out["verdict"] != "error" {
				t.Errorf("verdict output %q", out["verdict"])
			}
		})
	}
}

// A POST that GitHub carried out but answered with a 502 is not sent again blindly: the
// Action looks for the comment (or check run) first and edits what it finds, so a retry
// never leaves two. When GitHub did not carry it out, it is created again.
func TestActionRetriedCreateNeverDuplicates(t *testing.T) {
	ws := standardWorkspace(t)
	gh := newFakeGitHub(t, "")
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, emptyList)
	gh.on("POST "+prRepo+"/issues/2/comments", 502, `{"message":"Server Error"}`) // created nonetheless
	gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, `[{"id":11,"body":"<!-- stackgate:shop -->\nnew",`+byBot+`}]`)
	gh.on("GET /user", 403, integrationForbidden)
	gh.on("PATCH "+prRepo+"/issues/comments/11", 200, `{"id":11,"html_url":"`+commentURL+`"}`)
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 504, `{"message":"Gateway Timeout"}`) // not created
	gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
	gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
	a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
	a.gate = &fakeGate{verdictFor: passing}
	code, stdout, stderr := a.run()
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	checkRequests(t, gh,
		"GET ~/issues/2/comments?per_page=100",
		"POST ~/issues/2/comments",
		"GET ~/issues/2/comments?per_page=100",
		"GET /user",
		"PATCH ~/issues/comments/11",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs",
		"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
		"POST ~/check-runs")
	if out := a.outputs(); out["comment-url"] != commentURL {
		t.Errorf("comment-url %q", out["comment-url"])
	}
	if strings.Contains(stdout, "::warning") {
		t.Errorf("a recovered failure is not a warning:\n%s", stdout)
	}
}

// A comment that begins with the hidden marker but was written by someone else is not the
// sticky comment: the Action leaves it alone and writes its own. With a personal token the
// identity is the token's user.
func TestActionCommentCannotBeHijacked(t *testing.T) {
	hijack := `[{"id":66,"body":"<!-- stackgate:shop -->\n**PASS**","user":{"login":"mallory","type":"User"}}]`
	t.Run("the workflow's token", func(t *testing.T) {
		ws := standardWorkspace(t)
		gh := newFakeGitHub(t, "")
		gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200, hijack)
		gh.on("GET /user", 403, integrationForbidden)
		gh.on("POST "+prRepo+"/issues/2/comments", 201, `{"id":11,"html_url":"`+commentURL+`"}`)
		gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
		gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
		a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
		a.gate = &fakeGate{verdictFor: failing}
		if code, stdout, stderr := a.run(); code != ExitRegression {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		checkRequests(t, gh,
			"GET ~/issues/2/comments?per_page=100",
			"GET /user",
			"POST ~/issues/2/comments",
			"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
			"POST ~/check-runs")
	})
	t.Run("a personal token", func(t *testing.T) {
		ws := standardWorkspace(t)
		gh := newFakeGitHub(t, "")
		gh.on("GET "+prRepo+"/issues/2/comments?per_page=100", 200,
			`[{"id":66,"body":"<!-- stackgate:shop -->\nfake","user":{"login":"mallory"}},{"id":70,"body":"<!-- stackgate:shop -->\nold","user":{"login":"perf-bot"}}]`)
		gh.on("GET /user", 200, `{"login":"perf-bot"}`)
		gh.on("PATCH "+prRepo+"/issues/comments/70", 200, `{"id":70,"html_url":"`+commentURL+`"}`)
		gh.on("GET "+prRepo+checkRunsURL, 200, noCheckRuns)
		gh.on("POST "+prRepo+"/check-runs", 201, `{"id":5}`)
		a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", nil)
		a.gate = &fakeGate{verdictFor: failing}
		if code, stdout, stderr := a.run(); code != ExitRegression {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		checkRequests(t, gh,
			"GET ~/issues/2/comments?per_page=100",
			"GET /user",
			"PATCH ~/issues/comments/70",
			"GET ~/commits/"+prHeadSHA+"/check-runs?check_name=stackgate%3A+shop",
			"POST ~/check-runs")
	})
}

// The accept label accepts a fail only: a warn stays a warn — it passes by default and
// fails the job when fail-on says so, label or not.
func TestActionAcceptLabelLeavesWarn(t *testing.T) {
	label := func(ev map[string]any) {
		pr := ev["pull_request"].(map[string]any)
		pr["labels"] = append(pr["labels"].([]any), map[string]any{"name": ghaction.DefaultAcceptLabel})
	}
	for _, tt := range []struct {
		failOn     string
		code       int
		conclusion string
	}{
		{"regression", ExitOK, "neutral"},
		{"regression,warn", ExitRegression, "failure"},
	} {
		t.Run(tt.failOn, func(t *testing.T) {
			ws := standardWorkspace(t)
			gh := newFakeGitHub(t, "")
			stubPublish(gh, "shop")
			a := newActionRun(t, ws, gh, "pull_request", "pull_request.synchronize.json", label, "INPUT_FAIL-ON", tt.failOn)
			a.gate = &fakeGate{verdictFor: warning}
			code, stdout, stderr := a.run()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			comment, check := published(t, gh)
			if check["conclusion"] != tt.conclusion || strings.Contains(comment, "accepted") {
				t.Errorf("check run %v, want %s; comment:\n%s", check["conclusion"], tt.conclusion, comment)
			}
			if out := a.outputs(); out["verdict"] != string(compare.Warn) {
				t.Errorf("verdict output %q, want warn", out["verdict"])
			}
		})
	}
}

// `stackgate action` drops the token and the runner's other credentials from its own
// environment once read, and still uses the token.
func TestActionForgetsCredentials(t *testing.T) {
	t.Setenv(ghaction.TokenInput, testToken)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "jwt")
	t.Setenv("GITHUB_TOKEN", testToken)
	t.Setenv("STACKGATE_TEST_KEEP", "kept")
	t.Setenv("INPUT_ALLOW-FORKS", "maybe")
	e := forgetCredentials(&env{getenv: os.Getenv})
	for _, name := range []string{ghaction.TokenInput, "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITHUB_TOKEN"} {
		if v, ok := os.LookupEnv(name); ok {
			t.Errorf("%s=%q is still in stackgate's environment", name, v)
		}
	}
	if e.getenv(ghaction.TokenInput) != testToken || e.getenv("INPUT_ALLOW-FORKS") != "maybe" || os.Getenv("STACKGATE_TEST_KEEP") != "kept" {
		t.Errorf("the token input reads %q; STACKGATE_TEST_KEEP %q", e.getenv(ghaction.TokenInput), os.Getenv("STACKGATE_TEST_KEEP"))
	}
}
