package stack

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// explainRefusal turns a "permission denied" met while starting a process as another user
// into an error naming what that user may not use: the directory on the way to its working
// directory (dir) or to its program, or the program itself. The kernel says only "permission
// denied", and Go blames the program even when the working directory refused: a scratch
// directory or work tree readable by root alone looked like a broken binary. Other errors,
// and refusals the permission bits do not explain (ACLs), are returned as they are.
func explainRefusal(err error, who string, cred *syscall.Credential, dir, program string) error {
	if cred == nil || !errors.Is(err, syscall.EACCES) {
		return err
	}
	if who == "" {
		who = "uid " + strconv.Itoa(int(cred.Uid))
	}
	if dir != "" {
		if refused := refusal(dir, true, cred); refused != "" {
			return fmt.Errorf("user %q may not enter %s, on the way to the working directory %s: let it in (chmod o+x, or a group of the user) or choose another dir: %w",
				who, refused, dir, err)
		}
	}
	if program != "" {
		if !filepath.IsAbs(program) {
			program = filepath.Join(dir, program)
		}
		if refused := refusal(program, false, cred); refused != "" {
			return fmt.Errorf("user %q may not run %s: %s refuses it (chmod o+x, or a group of the user): %w", who, program, refused, err)
		}
	}
	return err
}

// refusal describes the first directory on the way to path — or path itself, a directory to
// enter (isDir) or a program to execute — that cred's permission bits refuse; "" when none.
func refusal(path string, isDir bool, cred *syscall.Credential) string {
	path = filepath.Clean(path)
	var steps []string
	for p := path; ; p = filepath.Dir(p) {
		steps = append(steps, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	slices.Reverse(steps) // from the root down
	for i, p := range steps {
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil {
			return "" // not ours to explain
		}
		last := i == len(steps)-1
		if (!last || isDir) && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			return ""
		}
		if !allows(&st, cred, 1) { // search for a directory, execute for a file
			return describeFile(p, &st)
		}
	}
	return ""
}

// allows applies the permission bits (owner, group or others) to cred; bit is 4, 2 or 1.
func allows(st *syscall.Stat_t, cred *syscall.Credential, bit uint32) bool {
	switch {
	case cred.Uid == 0:
		return true
	case st.Uid == cred.Uid:
		return st.Mode>>6&bit != 0
	case st.Gid == cred.Gid || slices.Contains(cred.Groups, st.Gid):
		return st.Mode>>3&bit != 0
	}
	return st.Mode&bit != 0
}

// describeFile is "path (drwx------ root:root)".
func describeFile(path string, st *syscall.Stat_t) string {
	mode := "?"
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().String()
	}
	owner, group := strconv.Itoa(int(st.Uid)), strconv.Itoa(int(st.Gid))
	if u, err := user.LookupId(owner); err == nil {
		owner = u.Username
	}
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	return fmt.Sprintf("%s (%s %s:%s)", path, mode, owner, group)
}
