// Package ghaction is the GitHub Action mode of stackgate (`stackgate action`, run by
// action.yml): it reads the inputs and the event, applies the mode × event table (pull
// requests are judged against their base commit, baselines are recorded from the default
// branch only, fork pull requests are refused on self-hosted runners), runs the same gate
// as `stackgate run`, and publishes the verdict: job summary, one sticky comment per suite,
// a check run, annotations and outputs. Everything external is injected (Env), and the
// package never prints, logs or exits: it writes workflow commands to Env.Stdout and
// returns a Report and an error.
package ghaction

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
)

// Env is everything the Action reads of the outside world or acts through.
type Env struct {
	Getenv     func(string) string
	Stdout     io.Writer    // workflow commands (annotations)
	HTTPClient *http.Client // the GitHub API; retries are added to its transport (nil: a client with DefaultHTTPTimeout)
	Git        GitFunc      // git in the workspace
	Gate       Gate         // measures and judges (production: RealGate)
	// Fails says whether a verdict fails the job (the fail-on input, decided by the
	// command line's exit-code table); nil: only fail and error do.
	Fails    func(*compare.Verdict) bool
	Sleep    func(context.Context, time.Duration) error // back-off between API retries (nil: wait)
	Now      func() time.Time                           // nil: time.Now
	Environ  []string                                   // the environment the stack starts from (os.Environ())
	Tool     string                                     // "stackgate <version>"
	Progress func(bench.Event)                          // may be nil
}

// GitFunc runs git with args in the workspace and returns its standard output.
type GitFunc func(ctx context.Context, args ...string) (string, error)

// Gate is one gate invocation, as package gate provides it; tests put a fake in its place
// to exercise the GitHub side without measuring anything.
type Gate interface {
	Run(ctx context.Context, opt gate.Options) (*gate.Outcome, error)
	Judge(opt gate.Options, base, head *result.Result) (*gate.Outcome, error)
	UpdateBaseline(ctx context.Context, opt gate.Options, from string) (*gate.Update, error)
}

// RealGate is the production Gate: package gate.
type RealGate struct{}

func (RealGate) Run(ctx context.Context, opt gate.Options) (*gate.Outcome, error) {
	return gate.Run(ctx, opt)
}

func (RealGate) Judge(opt gate.Options, base, head *result.Result) (*gate.Outcome, error) {
	return gate.Judge(opt, base, head)
}

func (RealGate) UpdateBaseline(ctx context.Context, opt gate.Options, from string) (*gate.Update, error) {
	return gate.UpdateBaseline(ctx, opt, from)
}

var _ Gate = RealGate{}

// Report is what the Action did.
type Report struct {
	Event    string
	Verdict  string // the verdict output: a level, "accepted", "recorded" or "skipped"
	Skipped  string // why nothing was done (a tag push, a branch deletion)
	Outcome  *gate.Outcome
	Update   *gate.Update // record mode
	Accepted *Acceptance  // the accept label turned a regression into an accepted one
	// CommentURL is the sticky comment; MarkdownPath the Markdown report (its body).
	CommentURL   string
	MarkdownPath string
	HTMLPath     string
	Warnings     []string // problems that did not change the verdict (all annotated too)
}

// Acceptance is a regression accepted by a label: the label and who applied it ("" when
// the API could not say), as the reports show it.
type Acceptance = report.Acceptance

// Run is one invocation of the Action. The error is what decides the exit code besides
// the verdict: a *RefusedError, or the gate's error.
func Run(ctx context.Context, env Env) (*Report, error) {
	env = env.withDefaults()
	w := newWorkflow(env)
	rep := &Report{Event: env.Getenv("GITHUB_EVENT_NAME")}
	err := run(ctx, env, w, rep)
	if err != nil {
		w.annotate(levelError, "stackgate", err.Error())
	}
	if werr := w.setOutputs(rep.outputs()); werr != nil {
		err = errors.Join(err, werr)
	}
	return rep, err
}

func run(ctx context.Context, env Env, w *workflow, rep *Report) error {
	in, err := ReadInputs(env.Getenv)
	if err != nil {
		return err
	}
	ev, err := readEvent(env.Getenv)
	if err != nil {
		return err
	}
	p, err := decide(ev, in, env.Getenv("RUNNER_ENVIRONMENT"))
	if err != nil {
		return err
	}
	if p.skip != "" {
		rep.Verdict, rep.Skipped = "skipped", p.skip
		return w.annotate(levelNotice, "stackgate", p.skip)
	}
	j := &job{env: env, w: w, in: in, ev: ev, plan: p, rep: rep}
	if p.record {
		return j.record(ctx)
	}
	return j.gate(ctx)
}

func (env Env) withDefaults() Env {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.HTTPClient == nil {
		env.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if env.Sleep == nil {
		env.Sleep = sleep
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Fails == nil {
		env.Fails = func(v *compare.Verdict) bool { return v.Level == compare.Fail || v.Level == compare.Error }
	}
	if env.Gate == nil {
		env.Gate = RealGate{}
	}
	return env
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// outputs are the values of the Action's outputs.
func (r *Report) outputs() map[string]string {
	out := map[string]string{
		OutputVerdict: r.Verdict, OutputCommentURL: r.CommentURL,
		OutputMarkdown: r.MarkdownPath, OutputReport: r.HTMLPath,
	}
	if o := r.Outcome; o != nil {
		out[OutputResult], out[OutputVerdictFile] = o.ResultPath, o.VerdictPath
	}
	if u := r.Update; u != nil {
		out[OutputBaseline] = u.Path
		if u.Outcome != nil {
			out[OutputResult] = u.Outcome.ResultPath
		}
	}
	return out
}

// hostname is the last fallback of the runner name.
func hostname() string {
	h, _ := os.Hostname()
	return h
}
