package ghaction

import (
	"fmt"

	"github.com/sethvargo/go-githubactions"
)

// Outputs of the Action, as action.yml declares them.
const (
	OutputVerdict     = "verdict"      // pass, warn, fail, inconclusive, error, accepted, recorded, skipped ("" = nothing judged)
	OutputResult      = "result"       // result file
	OutputVerdictFile = "verdict-file" // verdict file
	OutputReport      = "report"       // HTML report, when one was written
	OutputMarkdown    = "markdown"     // the Markdown report (the comment's body)
	OutputCommentURL  = "comment-url"  // the sticky comment
	OutputBaseline    = "baseline"     // record mode: the baseline file written
)

// outputNames are every output, in the order they are written.
var outputNames = []string{OutputVerdict, OutputResult, OutputVerdictFile, OutputReport, OutputMarkdown, OutputCommentURL, OutputBaseline}

// Annotation levels (workflow commands).
const (
	levelError   = "error"
	levelWarning = "warning"
	levelNotice  = "notice"
)

// workflow speaks to the runner through go-githubactions: workflow commands on stdout
// (annotations), and the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
// go-githubactions panics when a write fails or those variables are unset; workflow
// checks first and turns any panic left into an error, so nothing panics off a runner.
type workflow struct {
	gha    *githubactions.Action
	getenv func(string) string
}

func newWorkflow(env Env) *workflow {
	return &workflow{
		gha:    githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(env.Stdout)),
		getenv: env.Getenv,
	}
}

// setOutputs writes every output, "" for those without a value, so a later step never
// reads a stale or missing one.
func (w *workflow) setOutputs(values map[string]string) error {
	if w.getenv("GITHUB_OUTPUT") == "" {
		return nil // not on a runner: there is nowhere to set outputs
	}
	return guard(func() {
		for _, name := range outputNames {
			w.gha.SetOutput(name, values[name])
		}
	})
}

// summary appends Markdown to the job summary.
func (w *workflow) summary(markdown string) error {
	if w.getenv("GITHUB_STEP_SUMMARY") == "" {
		return nil
	}
	return guard(func() { w.gha.AddStepSummary(markdown) })
}

// annotate writes an annotation (error, warning or notice) with a title.
func (w *workflow) annotate(level, title, msg string) error {
	return guard(func() {
		a := w.gha
		if title != "" {
			a = a.WithFieldsMap(map[string]string{"title": title})
		}
		switch level {
		case levelError:
			a.Errorf("%s", msg)
		case levelWarning:
			a.Warningf("%s", msg)
		default:
			a.Noticef("%s", msg)
		}
	})
}

// guard runs f and turns a panic of go-githubactions (a failed write) into an error.
func guard(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing to the runner: %v", r)
		}
	}()
	f()
	return nil
}
