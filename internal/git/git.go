// Package git asks git about the code being measured: the revision checked out and whether
// the work tree has uncommitted changes. Results are labelled with it.
package git

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/stackgate/stackgate/internal/result"
)

// Describe returns the revision checked out in dir and whether the work tree is dirty.
// Outside a git work tree (or without git) it returns an empty Git and no error: a
// measurement does not need version control.
func Describe(ctx context.Context, dir string) (result.Git, error) {
	rev, err := run(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return result.Git{}, nil
	}
	status, err := run(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return result.Git{}, fmt.Errorf("asking git whether %s has local changes: %w", dir, err)
	}
	return result.Git{Revision: rev, Dirty: status != ""}, nil
}

func run(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), nil
}
