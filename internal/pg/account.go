package pg

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the OS user the cluster runs as.
type account struct {
	name string // for stack.Process.User; "" = the current user (no switch)
	uid  int
	gids []int // primary first
}

func (a account) isCurrent() bool { return a.name == "" }

// serviceAccount decides who runs initdb and postgres: PostgreSQL refuses root, so root
// delegates to "postgres" (or opt.User); anyone else runs it as themselves.
func serviceAccount(name string) (account, error) {
	euid := os.Geteuid()
	if name == "" && euid != 0 {
		return account{uid: euid, gids: []int{os.Getegid()}}, nil
	}
	defaulted := name == ""
	if defaulted {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		if defaulted {
			return account{}, fmt.Errorf("PostgreSQL refuses to run as root and there is no user %q to run it as: "+
				"create it (useradd --system --user-group postgres) or run stackgate as a normal user: %w", name, err)
		}
		return account{}, fmt.Errorf("looking up the PostgreSQL user %q: %w", name, err)
	}
	a, err := accountOf(u)
	if err != nil {
		return account{}, err
	}
	switch {
	case a.uid == 0:
		return account{}, fmt.Errorf("cannot run PostgreSQL as %q: it refuses to run as root", name)
	case a.uid == euid:
		a.name = ""
	case euid != 0:
		return account{}, fmt.Errorf("running PostgreSQL as %q needs root (stackgate runs as uid %d): leave the user empty", name, euid)
	}
	return a, nil
}

func accountOf(u *user.User) (account, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return account{}, fmt.Errorf("user %q: uid %q is not numeric", u.Username, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return account{}, fmt.Errorf("user %q: gid %q is not numeric", u.Username, u.Gid)
	}
	a := account{name: u.Username, uid: uid, gids: []int{gid}}
	ids, _ := u.GroupIds() // best effort: missing groups only make canTraverse stricter
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil && g != gid {
			a.gids = append(a.gids, g)
		}
	}
	return a, nil
}

// canTraverse reports whether a can reach path, i.e. search every directory from / down to
// it. (Access control lists are not considered; a miss only costs a fallback directory.)
func canTraverse(path string, a account) bool {
	if a.isCurrent() {
		return true
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil || !canSearch(info, a) {
			return false
		}
		if dir == "/" {
			return true
		}
	}
}

func canSearch(info os.FileInfo, a account) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	perm := info.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.gids, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// giveTo makes path belong to a (a no-op for the current user).
func giveTo(path string, a account) error {
	if a.isCurrent() {
		return nil
	}
	if err := os.Chown(path, a.uid, a.gids[0]); err != nil {
		return fmt.Errorf("giving %s to user %s: %w", path, a.name, err)
	}
	return nil
}
