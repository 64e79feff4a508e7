package stack

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// CheckUser is nil when a process can run as the named user: it exists, and it is either
// the current user or stackgate runs as root.
func CheckUser(name string) error {
	_, err := credentialFor(name)
	return err
}

// credentialFor returns the credentials to run as the named user, or nil when no switch is
// needed (no user named, or it is the current one). Switching needs root.
func credentialFor(name string) (*syscall.Credential, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil, fmt.Errorf("user %q does not exist on this machine: create it (useradd --system %s) or remove the setting", name, name)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up user %q: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %q: uid %q is not numeric", name, u.Uid)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %q: gid %q is not numeric", name, u.Gid)
	}
	if int(uid) == os.Geteuid() {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("running as user %q needs root, but stackgate runs as uid %d: run stackgate as root, or remove the setting (the process then runs as you)", name, os.Geteuid())
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: supplementaryGroups(u)}, nil
}

// supplementaryGroups lists u's groups; when they cannot be read the child gets none
// (rather than inheriting root's).
func supplementaryGroups(u *user.User) []uint32 {
	ids, err := u.GroupIds()
	if err != nil {
		return nil
	}
	groups := make([]uint32, 0, len(ids))
	for _, id := range ids {
		if gid, err := strconv.ParseUint(id, 10, 32); err == nil {
			groups = append(groups, uint32(gid))
		}
	}
	return groups
}
