package ghaction

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// DefaultAPIURL is GitHub's API when GITHUB_API_URL is not set (GitHub Enterprise Server
// sets it to its own, e.g. https://ghe.example.com/api/v3).
const DefaultAPIURL = "https://api.github.com"

// DefaultHTTPTimeout bounds one GitHub API request.
const DefaultHTTPTimeout = 30 * time.Second

// maxPages bounds how far a listing is paged through (100 items a page).
const maxPages = 100

// api is the part of GitHub's REST API the Action uses, for one repository.
type api struct {
	c           *github.Client
	owner, repo string
}

func newAPI(env Env, token, apiURL, repository string) (*api, error) {
	owner, repo, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || repo == "" {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q: want owner/name", repository)
	}
	base, err := url.Parse(strings.TrimSuffix(firstNonEmpty(apiURL, DefaultAPIURL), "/") + "/")
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not a URL", apiURL)
	}
	hc := *env.HTTPClient
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &retrying{next: next, sleep: env.Sleep, now: env.Now, retries: DefaultRetries}
	c := github.NewClient(&hc).WithAuthToken(token)
	c.BaseURL = base
	return &api{c: c, owner: owner, repo: repo}, nil
}

// upsertComment edits the pull request's comment that starts with marker, or creates one,
// and returns its address: one sticky comment per suite, however often the PR is pushed.
func (a *api) upsertComment(ctx context.Context, number int, marker, body string) (string, error) {
	id, err := a.findComment(ctx, number, marker)
	if err != nil {
		return "", fmt.Errorf("looking for the stackgate comment: %w", err)
	}
	comment := &github.IssueComment{Body: github.String(body)}
	if id != 0 {
		c, _, err := a.c.Issues.EditComment(ctx, a.owner, a.repo, id, comment)
		if err != nil {
			return "", fmt.Errorf("updating the stackgate comment: %w", err)
		}
		return c.GetHTMLURL(), nil
	}
	c, _, err := a.c.Issues.CreateComment(ctx, a.owner, a.repo, number, comment)
	if err != nil {
		return "", fmt.Errorf("commenting on the pull request: %w", err)
	}
	return c.GetHTMLURL(), nil
}

// findComment pages through every comment of the pull request for the marker (0: none).
func (a *api) findComment(ctx context.Context, number int, marker string) (int64, error) {
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < maxPages; page++ {
		comments, resp, err := a.c.Issues.ListComments(ctx, a.owner, a.repo, number, opt)
		if err != nil {
			return 0, err
		}
		for _, c := range comments {
			if strings.HasPrefix(c.GetBody(), marker) {
				return c.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return 0, nil
}

// labeledBy names who last applied label to the pull request, from its issue events.
func (a *api) labeledBy(ctx context.Context, number int, label string) (string, error) {
	opt := &github.ListOptions{PerPage: 100}
	who := ""
	for page := 0; page < maxPages; page++ {
		events, resp, err := a.c.Issues.ListIssueEvents(ctx, a.owner, a.repo, number, opt)
		if err != nil {
			return "", fmt.Errorf("asking who applied the label %q: %w", label, err)
		}
		for _, e := range events {
			if e.GetEvent() == "labeled" && e.GetLabel().GetName() == label {
				who = e.GetActor().GetLogin()
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return who, nil
}

// check is the content of a check run.
type check struct {
	name, sha, conclusion, title, summary, detailsURL string
	completed                                         time.Time
}

// upsertCheck updates the commit's check run of that name, or creates it.
func (a *api) upsertCheck(ctx context.Context, c check) error {
	list, _, err := a.c.Checks.ListCheckRunsForRef(ctx, a.owner, a.repo, c.sha, &github.ListCheckRunsOptions{CheckName: github.String(c.name)})
	if err != nil {
		return fmt.Errorf("looking for the check run: %w", err)
	}
	output := &github.CheckRunOutput{Title: github.String(c.title), Summary: github.String(c.summary)}
	completed := &github.Timestamp{Time: c.completed}
	var details *string
	if c.detailsURL != "" {
		details = github.String(c.detailsURL)
	}
	if runs := list.CheckRuns; len(runs) > 0 {
		_, _, err = a.c.Checks.UpdateCheckRun(ctx, a.owner, a.repo, runs[0].GetID(), github.UpdateCheckRunOptions{
			Name: c.name, Status: github.String("completed"), Conclusion: github.String(c.conclusion),
			CompletedAt: completed, Output: output, DetailsURL: details,
		})
		if err != nil {
			return fmt.Errorf("updating the check run: %w", err)
		}
		return nil
	}
	_, _, err = a.c.Checks.CreateCheckRun(ctx, a.owner, a.repo, github.CreateCheckRunOptions{
		Name: c.name, HeadSHA: c.sha, Status: github.String("completed"), Conclusion: github.String(c.conclusion),
		CompletedAt: completed, Output: output, DetailsURL: details,
	})
	if err != nil {
		return fmt.Errorf("creating the check run: %w", err)
	}
	return nil
}

// forbidden reports an answer that means the token may not do this (403 without a rate
// limit, 404 for a repository it cannot see): a fork's read-only token, a missing permission.
func forbidden(err error) bool {
	var e *github.ErrorResponse
	if !errors.As(err, &e) || e.Response == nil {
		return false
	}
	return e.Response.StatusCode == http.StatusForbidden || e.Response.StatusCode == http.StatusNotFound
}
