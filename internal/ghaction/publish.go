package ghaction

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
)

// Files the Action writes into the output directory besides the gate's.
const (
	MarkdownFile = "stackgate-comment.md" // the Markdown report, as posted
)

// maxAnnotations bounds the annotations of each level (GitHub shows ten per step).
const maxAnnotations = 10

// maxTitle bounds a check run's title.
const maxTitle = 200

// Marker is the hidden first line of a suite's sticky comment, by which it is found again.
func Marker(suite string) string { return "<!-- stackgate:" + suite + " -->" }

// CommentBody is the sticky comment for verdict v: the Markdown report with the marker,
// the notes, and a link to the workflow run (where the HTML report is uploaded), within
// GitHub's size limit; accepted (may be nil) leads it with ACCEPTED and who accepted it.
func CommentBody(v *compare.Verdict, runURL string, notes []string, accepted *Acceptance) string {
	return report.Markdown(v, report.MarkdownOptions{Marker: Marker(v.Suite), RunURL: runURL, Notes: notes, Chart: true, Accepted: accepted})
}

// publish shows the verdict everywhere it belongs: the Markdown file, the job summary,
// annotations, the sticky comment and the check run. Failures of the GitHub API are
// warnings: the verdict, not the comment, decides the exit code.
func (j *job) publish(ctx context.Context, out *gate.Outcome, notes []string) error {
	v := out.Verdict
	j.rep.Verdict = string(v.Level)
	if acc := j.acceptance(ctx, v); acc != nil {
		j.rep.Accepted, j.rep.Verdict = acc, "accepted"
	}
	body := CommentBody(v, j.runURL(), notes, j.rep.Accepted)
	if err := j.writeMarkdown(body); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(j.in.OutDir, report.HTMLFile)); err == nil {
		j.rep.HTMLPath = filepath.Join(j.in.OutDir, report.HTMLFile)
	}
	summary := report.Markdown(v, report.MarkdownOptions{RunURL: j.runURL(), Notes: notes, Chart: true, Accepted: j.rep.Accepted})
	err := errors.Join(j.w.summary(summary), j.annotateVerdict(v))
	if j.in.Shard != "" {
		return err // one shard of a matrix: the final job publishes the merged verdict
	}
	if pr := j.plan.pr; pr != nil && j.in.Comment {
		j.comment(ctx, pr.GetNumber(), Marker(v.Suite), body)
	}
	if j.plan.checkSHA != "" {
		j.check(ctx, v, summary)
	}
	return err
}

// acceptance is the accept label on a pull request whose verdict is fail (nil otherwise),
// with who applied it. Only a fail is accepted: a warn stays a warn, which fails the job
// only when fail-on says so.
func (j *job) acceptance(ctx context.Context, v *compare.Verdict) *Acceptance {
	pr := j.plan.pr
	if pr == nil || v.Level != compare.Fail || !hasLabel(pr, j.in.AcceptLabel) {
		return nil
	}
	acc := &Acceptance{Label: j.in.AcceptLabel}
	if a := j.client(); a != nil {
		who, err := a.labeledBy(ctx, pr.GetNumber(), j.in.AcceptLabel)
		if err != nil {
			j.warn("%v", err)
		}
		acc.By = who
	}
	return acc
}

func hasLabel(pr *github.PullRequest, name string) bool {
	for _, l := range pr.Labels {
		if l.GetName() == name {
			return true
		}
	}
	return false
}

func acceptNote(a *Acceptance) string {
	by := "by someone the GitHub API did not name"
	if a.By != "" {
		by = "by @" + a.By
	}
	return fmt.Sprintf("Regression accepted: the label %q was applied %s, so this verdict does not fail the pull request.", a.Label, by)
}

func (j *job) writeMarkdown(body string) error {
	if err := mkdirAll(j.in.OutDir); err != nil {
		return err
	}
	path := filepath.Join(j.in.OutDir, MarkdownFile)
	if err := result.WriteFileAtomic(path, []byte(body)); err != nil {
		return &gate.OutputError{Err: fmt.Errorf("saving the Markdown report: %w", err)}
	}
	j.rep.MarkdownPath = path
	return nil
}

func mkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &gate.OutputError{Err: fmt.Errorf("creating the output directory: %w", err)}
	}
	return nil
}

// comment upserts the sticky comment.
func (j *job) comment(ctx context.Context, number int, marker, body string) {
	a := j.client()
	if a == nil {
		return
	}
	url, err := a.upsertComment(ctx, number, marker, body)
	switch {
	case err != nil && forbidden(err):
		j.warn("the token may not comment on pull request #%d (%v): a fork's pull request gets a read-only token, and the job needs permissions: pull-requests: write. The verdict is in the job summary and decides the exit code.", number, err)
	case err != nil:
		j.warn("could not comment on pull request #%d: %v. The verdict is in the job summary and decides the exit code.", number, err)
	default:
		j.rep.CommentURL = url
	}
}

// check creates or updates the check run of the suite on the commit under test.
func (j *job) check(ctx context.Context, v *compare.Verdict, summary string) {
	a := j.client()
	if a == nil {
		return
	}
	err := a.upsertCheck(ctx, check{
		name: "stackgate: " + v.Suite, sha: j.plan.checkSHA, conclusion: j.conclusion(v),
		title: truncate(strings.ToUpper(j.rep.Verdict)+": "+v.Reason, maxTitle), summary: summary,
		detailsURL: j.runURL(), completed: j.env.Now().UTC(),
	})
	switch {
	case err != nil && forbidden(err):
		j.notice("no check run: the token may not create one (%v); give the job permissions: checks: write to get one. The job's own status reports the verdict.", err)
	case err != nil:
		j.warn("could not publish the check run: %v", err)
	}
}

// conclusion of the check run: failure exactly when the job fails because of the verdict.
func (j *job) conclusion(v *compare.Verdict) string {
	switch {
	case j.rep.Accepted != nil:
		return "success"
	case j.env.Fails(v):
		return "failure"
	case v.Level == compare.Pass:
		return "success"
	}
	return "neutral"
}

// annotateVerdict marks what did not pass: errors, failing metrics (warnings once
// accepted), warning metrics; and inconclusive verdicts as a notice.
func (j *job) annotateVerdict(v *compare.Verdict) error {
	title := "stackgate " + v.Suite
	count := map[string]int{}
	var errs []error
	add := func(level, msg string) {
		if count[level]++; count[level] <= maxAnnotations {
			errs = append(errs, j.w.annotate(level, title, msg))
		}
	}
	failLevel := levelError
	if j.rep.Accepted != nil || !j.env.Fails(v) {
		failLevel = levelWarning
	}
	for _, sc := range v.Scenarios {
		if sc.Level == compare.Error {
			add(levelError, fmt.Sprintf("%s: %s", sc.Name, sc.Reason))
		}
		for _, m := range sc.Metrics {
			switch m.Level {
			case compare.Fail:
				add(failLevel, fmt.Sprintf("%s %s: %s", sc.Name, m.Metric, m.Reason))
			case compare.Warn:
				add(levelWarning, fmt.Sprintf("%s %s: %s", sc.Name, m.Metric, m.Reason))
			}
		}
	}
	switch {
	case j.rep.Accepted != nil:
		add(levelNotice, acceptNote(j.rep.Accepted))
	case v.Level == compare.Inconclusive:
		add(levelNotice, "inconclusive: "+v.Reason)
	}
	return errors.Join(errs...)
}

// client is the GitHub API, or nil (with a warning, once) when there is no token.
func (j *job) client() *api {
	if j.apiTried {
		return j.api
	}
	j.apiTried = true
	if j.in.Token == "" {
		j.warn("no github-token: no pull-request comment and no check run")
		return nil
	}
	a, err := newAPI(j.env, j.in.Token, j.env.Getenv("GITHUB_API_URL"), j.ev.repo)
	if err != nil {
		j.warn("cannot use the GitHub API: %v", err)
		return nil
	}
	j.api = a
	return a
}

// runURL is the workflow run's page, where the workflow uploads the HTML report.
func (j *job) runURL() string {
	server, repo, id := j.env.Getenv("GITHUB_SERVER_URL"), j.ev.repo, j.env.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
}

func (j *job) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	j.rep.Warnings = append(j.rep.Warnings, msg)
	j.w.annotate(levelWarning, "stackgate", msg)
}

func (j *job) notice(format string, args ...any) {
	j.w.annotate(levelNotice, "stackgate", fmt.Sprintf(format, args...))
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
