// Package git asks git about the code being measured: the revision checked out and whether
// the work tree has uncommitted changes. Results are labelled with it.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/scratch"
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

// Worktree is a checkout of another revision of the repository, for measuring it beside
// the work tree (A/B mode).
type Worktree struct {
	Path     string // the checkout's root
	Revision string // the commit checked out
	repo     string // the repository's top level
}

// ErrNotRepository: the directory is not inside a git work tree.
var ErrNotRepository = errors.New("not a git repository")

// RefError is a revision git does not know: a typo, or a shallow clone without history.
type RefError struct {
	Ref string
	Err error
}

func (e *RefError) Error() string {
	return fmt.Sprintf("git does not know the revision %q (%v); in GitHub Actions check out with fetch-depth: 0 so the base commit is there", e.Ref, e.Err)
}

func (e *RefError) Unwrap() error { return e.Err }

// AddWorktree checks out ref of the repository holding dir into parent (a new directory
// below it), detached. Remove it with Remove, even on failure or interrupt.
func AddWorktree(ctx context.Context, dir, ref, parent string) (*Worktree, error) {
	top, err := run(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git work tree, so there is no base revision to measure (%v): %w", dir, err, ErrNotRepository)
	}
	rev, err := run(ctx, top, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return nil, &RefError{Ref: ref, Err: err}
	}
	path, err := os.MkdirTemp(parent, "base-")
	if err != nil {
		return nil, fmt.Errorf("creating the base work tree: %w", err)
	}
	if _, err := run(ctx, top, "worktree", "add", "--detach", "--force", path, rev); err != nil {
		os.RemoveAll(path)
		return nil, fmt.Errorf("checking out %s: %w", ref, err)
	}
	if err := shareReadable(path); err != nil {
		os.RemoveAll(path)
		return nil, fmt.Errorf("checking out %s: %w", ref, err)
	}
	return &Worktree{Path: path, Revision: rev, repo: top}, nil
}

// shareReadable lets every user read the checkout, enter its directories and run its
// programs: the stack's processes may run as other users (pgbouncer as postgres) with their
// working directory in it. The temporary directory is created for its owner alone, and a
// strict umask would leave the files so too. Git records only the owner's execute bit, so
// the work tree stays clean.
func shareReadable(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o044
		if d.IsDir() || mode&0o100 != 0 {
			mode |= 0o011
		}
		if mode == info.Mode().Perm() {
			return nil
		}
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("letting other users read the work tree: %w", err)
		}
		return nil
	})
}

// Within maps a directory of the repository's work tree to the same place in w.
func (w *Worktree) Within(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	top, err := filepath.EvalSymlinks(w.repo)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(top, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s is not inside the repository %s", dir, w.repo)
	}
	return filepath.Join(w.Path, rel), nil
}

// Remove deletes the checkout and git's record of it. It does not depend on a context:
// it must also run after an interrupt.
func (w *Worktree) Remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := run(ctx, w.repo, "worktree", "remove", "--force", w.Path)
	if rmErr := os.RemoveAll(w.Path); err == nil {
		err = rmErr
	}
	if _, pruneErr := run(ctx, w.repo, "worktree", "prune"); err == nil {
		err = pruneErr
	}
	return err
}

// worktreePattern is what the path of a base work tree looks like: base-* inside one of
// stackgate's scratch directories (AddWorktree's parent).
var worktreePattern = filepath.Join(scratch.Pattern, "base-*")

// PruneWorktrees removes the repository's records of base work trees (see AddWorktree)
// whose directory is gone: a stackgate killed in A/B mode cannot remove its work tree, the
// next invocation removes the directory, and git would list the work tree forever. Records
// of the user's own work trees are never touched. It returns the paths whose records were
// removed; outside a repository there is nothing to prune.
func PruneWorktrees(ctx context.Context, dir string) ([]string, error) {
	common, err := run(ctx, dir, "rev-parse", "--git-common-dir")
	if err != nil {
		return nil, nil
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(dir, common)
	}
	admin := filepath.Join(common, "worktrees")
	entries, err := os.ReadDir(admin)
	if err != nil {
		return nil, nil // no linked work trees
	}
	var pruned []string
	var errs []error
	for _, e := range entries {
		record := filepath.Join(admin, e.Name())
		path, ok := abandonedWorktree(record)
		if !ok {
			continue
		}
		if err := os.RemoveAll(record); err != nil {
			errs = append(errs, fmt.Errorf("removing git's record of the work tree %s: %w", path, err))
			continue
		}
		pruned = append(pruned, path)
	}
	return pruned, errors.Join(errs...)
}

// abandonedWorktree reads a work tree record of .git/worktrees: it is one of stackgate's
// base work trees, not locked, and its directory is gone.
func abandonedWorktree(record string) (path string, ok bool) {
	data, err := os.ReadFile(filepath.Join(record, "gitdir"))
	if err != nil {
		return "", false
	}
	path = filepath.Dir(strings.TrimSpace(string(data))) // gitdir names <work tree>/.git
	if match, _ := filepath.Match(worktreePattern, filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path))); !match {
		return "", false
	}
	if _, err := os.Stat(filepath.Join(record, "locked")); err == nil {
		return "", false
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	return path, true
}
