package ghaction

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Events the Action acts on (GITHUB_EVENT_NAME).
const (
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
	EventMergeGroup        = "merge_group"
	EventPush              = "push"
	EventSchedule          = "schedule"
	EventWorkflowDispatch  = "workflow_dispatch"
)

// RunnerGitHubHosted is RUNNER_ENVIRONMENT on GitHub's own runners; anything else,
// including nothing, counts as self-hosted.
const RunnerGitHubHosted = "github-hosted"

// event is what triggered the workflow, read from GITHUB_EVENT_NAME and the payload at
// GITHUB_EVENT_PATH into go-github's types.
type event struct {
	name  string
	repo  string // owner/name of the repository the workflow runs in
	pr    *github.PullRequest
	push  *github.PushEvent
	group *github.MergeGroup
}

func readEvent(getenv func(string) string) (*event, error) {
	name, path := getenv("GITHUB_EVENT_NAME"), getenv("GITHUB_EVENT_PATH")
	var data []byte
	switch name {
	case "":
		return nil, refusef("not running in GitHub Actions (GITHUB_EVENT_NAME is not set): stackgate action is the entry point of the GitHub Action; locally, use stackgate run")
	case EventPullRequest, EventPullRequestTarget, EventPush, EventMergeGroup:
		if path == "" {
			return nil, refusef("GITHUB_EVENT_PATH is not set: the runner gives the event's payload there")
		}
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, refusef("reading the event payload: %w", err)
		}
	case EventSchedule, EventWorkflowDispatch:
	default:
		return nil, refusef("stackgate action does not handle %s events: use it on pull_request, pull_request_target, merge_group, push, schedule or workflow_dispatch", name)
	}
	return parseEvent(name, getenv("GITHUB_REPOSITORY"), path, data)
}

// parseEvent decodes the payload of a known event read from path (named in errors). Split
// from readEvent so that fuzzing exercises the decoding without touching files.
func parseEvent(name, repo, path string, data []byte) (*event, error) {
	ev := &event{name: name, repo: repo}
	switch name {
	case EventPullRequest, EventPullRequestTarget:
		var p github.PullRequestEvent
		if err := decodePayload(path, data, &p); err != nil {
			return nil, err
		}
		if p.PullRequest == nil || p.PullRequest.GetBase().GetSHA() == "" {
			return nil, refusef("the %s event at %s has no pull_request with a base commit", name, path)
		}
		ev.pr = p.PullRequest
		ev.repo = firstNonEmpty(ev.repo, p.GetRepo().GetFullName())
	case EventPush:
		var p github.PushEvent
		if err := decodePayload(path, data, &p); err != nil {
			return nil, err
		}
		ev.push = &p
		ev.repo = firstNonEmpty(ev.repo, p.GetRepo().GetFullName())
	case EventMergeGroup:
		var p github.MergeGroupEvent
		if err := decodePayload(path, data, &p); err != nil {
			return nil, err
		}
		if p.MergeGroup == nil || p.MergeGroup.GetBaseSHA() == "" {
			return nil, refusef("the merge_group event at %s has no merge_group with a base commit", path)
		}
		ev.group = p.MergeGroup
		ev.repo = firstNonEmpty(ev.repo, p.GetRepo().GetFullName())
	}
	return ev, nil
}

func decodePayload(path string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return refusef("reading the event payload %s: %w", path, err)
	}
	return nil
}

// plan is what the Action does for an event and a mode (the table in DESIGN §8).
type plan struct {
	skip     string              // nothing to do, and why
	record   bool                // write a new baseline rather than judge
	pr       *github.PullRequest // the pull request the comment goes to
	baseSHA  string              // the commit whose baseline and gate rules apply ("" = the workspace's)
	checkSHA string              // the commit the check run is for ("" = none)
	ab       bool                // measure baseSHA beside the workspace instead of using a stored baseline
}

// decide applies the mode × event table: pull requests and merge groups are judged against
// their base commit and never recorded; a push to the default branch may record; tag pushes
// and branch deletions do nothing; schedule and workflow_dispatch take any mode.
func decide(ev *event, in Inputs, runnerEnv string) (plan, error) {
	in.Mode = eventMode(in.Mode, ev.name)
	p, err := decideEvent(ev, in, runnerEnv)
	if err != nil || in.Mode != ModeAB || p.skip != "" {
		return p, err
	}
	if p.baseSHA == "" {
		return plan{}, refusef("mode ab measures a pull request's or merge group's base commit beside it: a %s event has none; use mode gate (against the stored baseline)", ev.name)
	}
	p.ab = true
	return p, nil
}

// eventMode resolves mode auto for the event: ab where there is a base commit to measure
// beside the head (pull requests, merge groups), gate elsewhere.
func eventMode(mode, event string) string {
	if mode != ModeAuto {
		return mode
	}
	switch event {
	case EventPullRequest, EventPullRequestTarget, EventMergeGroup:
		return ModeAB
	}
	return ModeGate
}

func decideEvent(ev *event, in Inputs, runnerEnv string) (plan, error) {
	record := in.Mode == ModeRecord
	switch ev.name {
	case EventPullRequest, EventPullRequestTarget:
		if record {
			return plan{}, refusef("mode record on a %s event: a baseline is never recorded from a pull request (its code is not merged yet); record on pushes to the default branch", ev.name)
		}
		if err := forkCheck(ev.pr, in.AllowForks, runnerEnv); err != nil {
			return plan{}, err
		}
		return plan{pr: ev.pr, baseSHA: ev.pr.GetBase().GetSHA(), checkSHA: ev.pr.GetHead().GetSHA()}, nil
	case EventMergeGroup:
		if record {
			return plan{}, refusef("mode record on a merge_group event: a baseline is never recorded from code that is not merged yet; record on pushes to the default branch")
		}
		return plan{baseSHA: ev.group.GetBaseSHA(), checkSHA: ev.group.GetHeadSHA()}, nil
	case EventPush:
		return decidePush(ev, record)
	}
	return plan{record: record}, nil
}

func decidePush(ev *event, record bool) (plan, error) {
	ref := ev.push.GetRef()
	switch {
	case ev.push.GetDeleted():
		return plan{skip: fmt.Sprintf("%s was deleted: nothing to measure", ref)}, nil
	case !strings.HasPrefix(ref, "refs/heads/"):
		return plan{skip: fmt.Sprintf("%s is not a branch (a tag push): nothing to measure", ref)}, nil
	}
	branch := strings.TrimPrefix(ref, "refs/heads/")
	if def := ev.push.GetRepo().GetDefaultBranch(); record && branch != def {
		return plan{}, refusef("mode record on a push to %s: baselines are recorded from the default branch (%s) only", branch, def)
	}
	return plan{record: record}, nil
}

// forkCheck refuses a pull request from another repository on a self-hosted runner unless
// allowForks: its code would run on the runner's machine, inside its network.
func forkCheck(pr *github.PullRequest, allowForks bool, runnerEnv string) error {
	head, base := pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName()
	if (head != "" && strings.EqualFold(head, base)) || allowForks || runnerEnv == RunnerGitHubHosted {
		return nil
	}
	if head == "" {
		head = "a deleted fork"
	}
	return refusef("refusing to benchmark pull request #%d from %s on a self-hosted runner: "+
		"its code would run on this machine, with this machine's network and anything it can reach. "+
		"Review the change and push it to a branch of %s to benchmark it, or set allow-forks: true only if this runner is disposable and isolated. "+
		"This refusal is defence in depth, not the boundary: a fork's pull request can change the workflow itself, "+
		"so protect this runner with the repository setting \"Require approval for all outside collaborators\" and do not use self-hosted runners on public repositories",
		pr.GetNumber(), head, base)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
