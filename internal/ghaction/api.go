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
	sleep       func(context.Context, time.Duration) error // between attempts to create

	login string // the token's identity, once asked (see identity)
}

// ActionsBot is the identity of the workflow's GITHUB_TOKEN: the author of the comments
// it writes.
const ActionsBot = "github-actions[bot]"

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
	return &api{c: c, owner: owner, repo: repo, sleep: env.Sleep}, nil
}

// createAttempts bounds how often a comment or check run is created after answers that
// leave open whether GitHub created it (each time after looking for it again).
const createAttempts = DefaultRetries + 1

// upsert finds the object (found), or creates it; when the creation fails in a way that
// leaves open whether GitHub carried it out (a 502, a connection broken after sending), it
// looks again before creating again, so a retry never makes a second comment or check run.
func (a *api) upsert(ctx context.Context, find func() (bool, error), create func() error) error {
	for attempt := 0; ; attempt++ {
		found, err := find()
		if err != nil || found {
			return err
		}
		err = create()
		if err == nil || !ambiguous(err) || attempt+1 >= createAttempts {
			return err
		}
		if err := a.sleep(ctx, DefaultRetryWait<<attempt); err != nil {
			return err
		}
	}
}

// upsertComment edits the pull request's comment that starts with marker and was written by
// the token's own identity, or creates one, and returns its address: one sticky comment per
// suite, however often the PR is pushed — and never someone else's comment that starts with
// the marker.
func (a *api) upsertComment(ctx context.Context, number int, marker, body string) (link string, err error) {
	comment := &github.IssueComment{Body: github.String(body)}
	find := func() (bool, error) {
		id, err := a.findComment(ctx, number, marker)
		if err != nil {
			return false, fmt.Errorf("looking for the stackgate comment: %w", err)
		}
		if id == 0 {
			return false, nil
		}
		c, _, err := a.c.Issues.EditComment(ctx, a.owner, a.repo, id, comment)
		if err != nil {
			return true, fmt.Errorf("updating the stackgate comment: %w", err)
		}
		link = c.GetHTMLURL()
		return true, nil
	}
	create := func() error {
		c, _, err := a.c.Issues.CreateComment(ctx, a.owner, a.repo, number, comment)
		if err != nil {
			return fmt.Errorf("commenting on the pull request: %w", err)
		}
		link = c.GetHTMLURL()
		return nil
	}
	err = a.upsert(ctx, find, create)
	return link, err
}

// findComment pages through every comment of the pull request for the marker, written by
// the token's identity (0: none).
func (a *api) findComment(ctx context.Context, number int, marker string) (int64, error) {
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < maxPages; page++ {
		comments, resp, err := a.c.Issues.ListComments(ctx, a.owner, a.repo, number, opt)
		if err != nil {
			return 0, err
		}
		for _, c := range comments {
			if !strings.HasPrefix(c.GetBody(), marker) {
				continue
			}
			me, err := a.identity(ctx)
			if err != nil {
				return 0, err
			}
			if strings.EqualFold(c.GetUser().GetLogin(), me) {
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

// identity is the login the token writes as: the authenticated user for a personal token;
// the workflow's GITHUB_TOKEN (an installation token, which may not read /user) writes
// as ActionsBot. Asked once, and only when a comment with the marker needs telling apart.
func (a *api) identity(ctx context.Context) (string, error) {
	if a.login != "" {
		return a.login, nil
	}
	u, _, err := a.c.Users.Get(ctx, "")
	switch {
	case err == nil && u.GetLogin() != "":
		a.login = u.GetLogin()
	case err == nil || forbidden(err) || unauthorized(err):
		a.login = ActionsBot
	default:
		return "", fmt.Errorf("asking whose token this is, to find its own comment: %w", err)
	}
	return a.login, nil
}

// unauthorized reports a 401: a token that may not read /user.
func unauthorized(err error) bool {
	var e *github.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == http.StatusUnauthorized
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
	output := &github.CheckRunOutput{Title: github.String(c.title), Summary: github.String(c.summary)}
	completed := &github.Timestamp{Time: c.completed}
	var details *string
	if c.detailsURL != "" {
		details = github.String(c.detailsURL)
	}
	find := func() (bool, error) {
		list, _, err := a.c.Checks.ListCheckRunsForRef(ctx, a.owner, a.repo, c.sha, &github.ListCheckRunsOptions{CheckName: github.String(c.name)})
		if err != nil {
			return false, fmt.Errorf("looking for the check run: %w", err)
		}
		if len(list.CheckRuns) == 0 {
			return false, nil
		}
		_, _, err = a.c.Checks.UpdateCheckRun(ctx, a.owner, a.repo, list.CheckRuns[0].GetID(), github.UpdateCheckRunOptions{
			Name: c.name, Status: github.String("completed"), Conclusion: github.String(c.conclusion),
			CompletedAt: completed, Output: output, DetailsURL: details,
		})
		if err != nil {
			return true, fmt.Errorf("updating the check run: %w", err)
		}
		return true, nil
	}
	create := func() error {
		_, _, err := a.c.Checks.CreateCheckRun(ctx, a.owner, a.repo, github.CreateCheckRunOptions{
			Name: c.name, HeadSHA: c.sha, Status: github.String("completed"), Conclusion: github.String(c.conclusion),
			CompletedAt: completed, Output: output, DetailsURL: details,
		})
		if err != nil {
			return fmt.Errorf("creating the check run: %w", err)
		}
		return nil
	}
	return a.upsert(ctx, find, create)
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
