package pg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackgate/stackgate/internal/scratch"
)

// maxSocketPath is the longest Unix socket path the kernel accepts (sun_path less its NUL).
const maxSocketPath = 107

// socketName is the longest name PostgreSQL gives its socket in the socket directory.
const socketName = "/.s.PGSQL.65535"

// layout is where the cluster lives, and what stackgate created for it (removed on Stop).
type layout struct {
	base    string // directory holding pgdata (and sock, unless that fell back)
	dataDir string
	sockDir string
	created []string // removed on Stop, in reverse
}

// makeLayout creates the data and socket directories, owned by a with mode 0700, inside
// dir when a can reach it, else inside a private directory under /tmp; the socket
// directory also falls back to /tmp when its path would be too long for a Unix socket.
func makeLayout(dir string, a account) (*layout, error) {
	l := &layout{base: dir}
	if !canTraverse(dir, a) {
		base, err := l.privateTemp(scratch.PostgresPattern, a)
		if err != nil {
			return l, err
		}
		l.base = base
	}
	l.dataDir = filepath.Join(l.base, "pgdata")
	if err := l.mkdir(l.dataDir, a); err != nil {
		return l, err
	}
	l.sockDir = filepath.Join(l.base, "sock")
	if len(l.sockDir)+len(socketName) > maxSocketPath {
		sockDir, err := l.privateTemp(scratch.SocketPattern, a)
		l.sockDir = sockDir
		return l, err
	}
	return l, l.mkdir(l.sockDir, a)
}

func (l *layout) mkdir(path string, a account) error {
	if err := os.Mkdir(path, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("creating the PostgreSQL directory %s: it already exists (use a fresh scratch directory)", path)
		}
		return fmt.Errorf("creating the PostgreSQL directory: %w", err)
	}
	l.created = append(l.created, path)
	return giveTo(path, a)
}

// privateTemp creates a 0700 directory under /tmp owned by a, with an owner file so that
// the next invocation removes it if this one is killed.
func (l *layout) privateTemp(pattern string, a account) (string, error) {
	path, err := scratch.Create("/tmp", pattern, false)
	if err != nil {
		return "", fmt.Errorf("creating a PostgreSQL directory under /tmp: %w", err)
	}
	l.created = append(l.created, path)
	return path, giveTo(path, a)
}

// remove deletes what makeLayout created.
func (l *layout) remove() error {
	var errs []error
	for i := len(l.created) - 1; i >= 0; i-- {
		if err := os.RemoveAll(l.created[i]); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", l.created[i], err))
		}
	}
	l.created = nil
	return errors.Join(errs...)
}

// quoteDirList quotes a directory for a comma-separated list setting such as
// unix_socket_directories, where commas and spaces would split it.
func quoteDirList(dir string) string {
	if !strings.ContainsAny(dir, ", \t\"") {
		return dir
	}
	return `"` + strings.ReplaceAll(dir, `"`, `""`) + `"`
}
