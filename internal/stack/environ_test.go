package stack

import (
	"maps"
	"slices"
	"testing"
)

// What a runner and a workflow put in the environment that must never reach a process the
// pull request's code controls — and what must.
func TestEnviron(t *testing.T) {
	parent := []string{
		"PATH=/usr/bin", "HOME=/home/runner", "LANG=C.UTF-8", "GITHUB_SHA=abc", "GITHUB_REPOSITORY=o/r",
		"RUNNER_TEMP=/tmp/r", "ACTIONS_CACHE_URL=https://cache", "CI=true", "TOKENIZERS_PARALLELISM=false",
		"INPUT_GITHUB-TOKEN=ghs_secret", "INPUT_CONFIG=stackgate.toml", "GITHUB_TOKEN=ghs_secret",
		"GH_TOKEN=ghp_secret", "gh_token=ghp_secret", "GH_ENTERPRISE_TOKEN=x", "GITHUB_ENTERPRISE_TOKEN=x",
		"ACTIONS_RUNTIME_TOKEN=jwt", "ACTIONS_RUNTIME_URL=https://pipelines", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=jwt",
		"ACTIONS_ID_TOKEN_REQUEST_URL=https://token", "ACTIONS_CACHE_TOKEN=x", "ACTIONS_RESULTS_TOKEN=x",
	}
	want := []string{
		"PATH=/usr/bin", "HOME=/home/runner", "LANG=C.UTF-8", "GITHUB_SHA=abc", "GITHUB_REPOSITORY=o/r",
		"RUNNER_TEMP=/tmp/r", "ACTIONS_CACHE_URL=https://cache", "CI=true", "TOKENIZERS_PARALLELISM=false",
	}
	if got := Environ(parent); !slices.Equal(got, want) {
		t.Errorf("Environ =\n  %q\nwant\n  %q", got, want)
	}
}

// The recorded environment keeps what can change a measurement, hides secret values and
// leaves out credentials and what every invocation sets anew.
func TestRecorded(t *testing.T) {
	got := Recorded([]string{
		"PATH=/usr/bin", "LANG=C.UTF-8", "GOGC=50", "DB_SLEEP=0.02", "API_KEY=hunter2", "DB_PASSWORD=pw",
		"GITHUB_RUN_ID=42", "RUNNER_TEMP=/tmp/r", "PWD=/w", "SHLVL=2", "_=/usr/bin/stackgate", "STACKGATE_LOCK=/tmp/l",
		"GITHUB_TOKEN=ghs_x", "INPUT_CONFIG=x", "EMPTY=",
	})
	want := map[string]string{
		"PATH": "/usr/bin", "LANG": "C.UTF-8", "GOGC": "50", "DB_SLEEP": "0.02", "EMPTY": "",
		"API_KEY": "sha256:f52fbd32b2b3", "DB_PASSWORD": "sha256:30c952fab122",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Recorded =\n  %v\nwant\n  %v", got, want)
	}
}
