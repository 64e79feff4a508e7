package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/ghaction"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/stack"
)

// actionDeps are what `stackgate action` reaches the outside world through besides env;
// tests replace them.
type actionDeps struct {
	gate  ghaction.Gate
	http  *http.Client
	git   ghaction.GitFunc
	sleep func(context.Context, time.Duration) error
}

func actionCommand(ctx context.Context, e *env, args []string) error {
	return runAction(ctx, forgetCredentials(e), args, actionDeps{
		gate: ghaction.RealGate{},
		http: &http.Client{Timeout: ghaction.DefaultHTTPTimeout},
		git:  ghaction.GitIn(""),
	})
}

// forgetCredentials takes the token input and every other credential of the runner (and
// the Action's other inputs, which stack.Credential counts among them) out of stackgate's
// own environment once read, so that nothing it starts later can inherit them by accident;
// the returned env still answers them. (The kernel keeps the environment stackgate was
// started with in /proc/<pid>/environ, readable by processes of the same user: see the
// README's security section.)
func forgetCredentials(e *env) *env {
	kept := map[string]string{}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); stack.Credential(name) {
			kept[name] = e.getenv(name)
			os.Unsetenv(name)
		}
	}
	out := *e
	out.getenv = func(k string) string {
		if v, ok := kept[k]; ok {
			return v
		}
		return e.getenv(k)
	}
	return &out
}

// runAction is the GitHub Action's entry point (action.yml runs `stackgate action`): its
// inputs come from INPUT_* variables, the event from GITHUB_EVENT_*; see package ghaction.
func runAction(ctx context.Context, e *env, args []string, deps actionDeps) error {
	fs := newFlags(e, "action", "   (inputs come from the INPUT_* variables action.yml sets; see the README)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	in, err := ghaction.ReadInputs(e.getenv)
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(in.FailOn)
	if err != nil {
		return usageErrorf("input fail-on: %v", err)
	}
	progress := newProgress(e.stderr)
	rep, err := ghaction.Run(ctx, ghaction.Env{
		Getenv: e.getenv, Stdout: e.stdout, HTTPClient: deps.http, Git: deps.git, Gate: deps.gate,
		Fails:   func(v *compare.Verdict) bool { return verdictExit(v, failOn) != nil },
		Sleep:   deps.sleep,
		Environ: os.Environ(), Tool: "stackgate " + Version, Progress: progress.event,
	})
	progress.finish()
	return actionOutcome(e, rep, err, failOn)
}

// actionOutcome prints what the Action did and turns the verdict into the command's
// error: the verdict's exit code, except that an accepted regression passes.
func actionOutcome(e *env, rep *ghaction.Report, err error, failOn failOn) error {
	if rep == nil {
		return err
	}
	if o := rep.Outcome; o != nil && o.Verdict != nil {
		if rerr := report.Terminal(e.stdout, o.Verdict, report.TerminalOptions{}); rerr != nil {
			return rerr
		}
	}
	switch {
	case err != nil:
		return err
	case rep.Skipped != "":
		fmt.Fprintf(e.stdout, "nothing to do: %s\n", rep.Skipped)
		return nil
	case rep.Update != nil:
		return report.BaselineUpdate(e.stdout, rep.Update.Path, rep.Update.Old, rep.Update.New)
	case rep.Outcome == nil || rep.Outcome.Verdict == nil:
		return nil
	}
	if rep.CommentURL != "" {
		fmt.Fprintf(e.stdout, "\ncomment: %s\n", rep.CommentURL)
	}
	verr := verdictExit(rep.Outcome.Verdict, failOn)
	if g, ok := verr.(*gateError); ok && rep.Accepted != nil && g.code == ExitRegression {
		fmt.Fprintf(e.stdout, "regression accepted by the label %q\n", rep.Accepted.Label)
		return nil
	}
	return verr
}
