package ghaction

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/config"
)

// errOutside: the file is not in the repository, so no commit can hold it (and no pull
// request can change it).
var errOutside = errors.New("outside the repository")

// baseCommit reads what a pull request must not be able to change — the baseline file and
// the gate rules — from the commit it is judged against (no self-approval).
type baseCommit struct {
	git  GitFunc
	sha  string
	root string // the repository's top-level directory
}

func openBase(ctx context.Context, git GitFunc, sha string) (*baseCommit, error) {
	if _, err := git(ctx, "cat-file", "-e", sha+"^{commit}"); err != nil {
		return nil, refusef("the base commit %s is not in the checkout (%v): check out with actions/checkout and fetch-depth: 0, so that stackgate can read the baseline and gate rules the pull request is judged by", short(sha), err)
	}
	root, err := git(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("finding the repository's top-level directory: %w", err)
	}
	return &baseCommit{git: git, sha: sha, root: realPath(strings.TrimSpace(root))}, nil
}

// read returns the content of path (a file of the work tree) at the base commit, and the
// name that stands for it in messages ("f95f852bd8fc:baselines/x.json"). found is false
// when the commit has no such file; err wraps errOutside when path is not in the repository.
func (b *baseCommit) read(ctx context.Context, path string) (data []byte, name string, found bool, err error) {
	rel, err := filepath.Rel(b.root, realPath(path))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, path, false, fmt.Errorf("%s: %w", path, errOutside)
	}
	spec := b.sha + ":" + filepath.ToSlash(rel)
	name = short(b.sha) + ":" + filepath.ToSlash(rel)
	if _, err := b.git(ctx, "cat-file", "-e", spec); err != nil {
		return nil, name, false, nil
	}
	out, err := b.git(ctx, "show", spec)
	if err != nil {
		return nil, name, false, fmt.Errorf("reading %s: %w", name, err)
	}
	return []byte(out), name, true, nil
}

// rules applies to suite, read from the work tree, everything of the base commit's suite
// file that decides which baseline and which rules judge the pull request — the suite's and
// the runner's names (which name the baseline file) and the gate rules ([gate], quick.runs:
// how many runs a verdict rests on) — and says what the pull request changes of them.
func (b *baseCommit) rules(ctx context.Context, suite *config.Suite) (notes []string, err error) {
	data, name, found, err := b.read(ctx, suite.File)
	switch {
	case errors.Is(err, errOutside):
		return nil, nil // the suite file is not in the repository: no pull request changes it
	case err != nil:
		return nil, err
	case !found:
		suite.Gate, suite.Quick.Runs = config.DefaultGate(), config.DefaultQuickRuns
		return []string{fmt.Sprintf("The base commit has no %s: this run used the built-in gate rules.", name)}, nil
	}
	base, err := config.Parse(name, data)
	if err != nil {
		return nil, err
	}
	file := filepath.Base(suite.File)
	if base.Suite != suite.Suite {
		notes = append(notes, fmt.Sprintf("This pull request renames the suite %q to %q in %s: this run was judged as %q, against its baseline; the new name applies once merged.", base.Suite, suite.Suite, file, base.Suite))
	}
	if base.Runner != suite.Runner {
		notes = append(notes, fmt.Sprintf("This pull request changes the runner in %s (%q → %q): this run used the base commit's; the new one applies once merged.", file, base.Runner, suite.Runner))
	}
	if !reflect.DeepEqual(base.Gate, suite.Gate) || base.Quick.Runs != suite.Quick.Runs {
		notes = append(notes, fmt.Sprintf("This pull request changes the gate rules in %s ([gate] or quick.runs): they apply once it is merged; this run used the base commit's.", file))
	}
	suite.Suite, suite.Runner = base.Suite, base.Runner
	suite.Gate, suite.Quick.Runs = base.Gate, base.Quick.Runs
	return notes, nil
}

// baselineReader reads the baseline from the base commit; a baseline file outside the
// repository is read from disk.
func (b *baseCommit) baselineReader(ctx context.Context) func(string) (*baseline.Baseline, error) {
	return func(path string) (*baseline.Baseline, error) {
		data, name, found, err := b.read(ctx, path)
		switch {
		case errors.Is(err, errOutside):
			return baseline.Read(path)
		case err != nil:
			return nil, err
		case !found:
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
		}
		return baseline.Parse(name, data)
	}
}

// baselineNote says how the pull request changes the baseline file at path ("" = it does not).
func (b *baseCommit) baselineNote(ctx context.Context, path string) (string, error) {
	base, name, inBase, err := b.read(ctx, path)
	if errors.Is(err, errOutside) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	head, rerr := os.ReadFile(path)
	inHead := rerr == nil
	rel := name[strings.IndexByte(name, ':')+1:]
	switch {
	case inBase && !inHead:
		return fmt.Sprintf("This pull request deletes the baseline %s: this run compared against the base commit's.", rel), nil
	case !inBase && inHead:
		return fmt.Sprintf("This pull request adds the baseline %s: it is used once merged; this run had no baseline to compare with.", rel), nil
	case inBase && !bytes.Equal(bytes.TrimSpace(base), bytes.TrimSpace(head)):
		return fmt.Sprintf("This pull request changes the baseline %s: this run compared against the base commit's; the new one is used once merged.", rel), nil
	}
	return "", nil
}

// realPath is path made absolute with symbolic links resolved (of its directory, when the
// file does not exist yet), so that it compares with git's top-level directory.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if p, err := filepath.EvalSymlinks(abs); err == nil {
		return p
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// short abbreviates a commit hash the way the reports do.
func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
