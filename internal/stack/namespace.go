package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// Bind puts a file (Source) in the place of another (Target, e.g. /etc/hosts) for one
// process and its children only, in a private mount namespace of their own: how a suite's
// [hosts] reach apps that connect to a fixed host name. Needs root.
type Bind struct{ Source, Target string }

// helperName is the argv[0] under which stackgate re-executes itself as the namespace
// helper. Go cannot run code between fork and exec, so the helper does it instead: in the
// mount namespace the kernel gave it (SysProcAttr.Unshareflags), it binds the files, drops
// to the process's user, enters its directory and execs the real program, which keeps the
// helper's pid, process group, CPU affinity and parent-death signal.
const helperName = "stackgate-namespace-helper"

// helperSpec is what the helper is asked to do, passed as its one argument.
type helperSpec struct {
	Binds  []Bind
	User   string              // for messages
	Cred   *syscall.Credential // nil: stay who we are
	Dir    string              // "": stay where we are
	Path   string
	Argv   []string
	Parent int // stackgate's pid: the helper must die with it
}

// Init runs the namespace helper when this process is one, and never returns then;
// otherwise it returns at once. Call it first thing in main (and in TestMain of tests that
// start processes with Binds).
func Init() {
	if len(os.Args) != 2 || os.Args[0] != helperName {
		return
	}
	err := runNamespaceHelper(os.Args[1]) // returns only on failure
	fmt.Fprintf(os.Stderr, "stackgate: %v\n", err)
	os.Exit(126)
}

// throughHelper turns cmd into the helper's command: it runs the helper, as root in a new
// mount namespace, and the helper runs cmd's program with cmd's credentials and directory.
func throughHelper(cmd *exec.Cmd, binds []Bind, user string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("a private /etc/hosts needs root (a mount namespace of the process's own), but stackgate runs as uid %d", os.Geteuid())
	}
	spec, err := json.Marshal(helperSpec{Binds: binds, User: user, Cred: cmd.SysProcAttr.Credential, Dir: cmd.Dir,
		Path: cmd.Path, Argv: cmd.Args, Parent: os.Getpid()})
	if err != nil {
		return err
	}
	// The helper starts in cmd.Dir as root and enters it again as the user, to check.
	cmd.Path, cmd.Args = "/proc/self/exe", []string{helperName, string(spec)}
	cmd.SysProcAttr.Credential = nil
	cmd.SysProcAttr.Unshareflags |= syscall.CLONE_NEWNS // and / becomes private: nothing propagates back
	return nil
}

// runNamespaceHelper is the helper's work, in the order the kernel needs: bind as root, drop
// privileges, re-arm the parent-death signal (changing credentials clears it), enter the
// directory as the user, exec.
func runNamespaceHelper(arg string) error {
	var sp helperSpec
	if err := json.Unmarshal([]byte(arg), &sp); err != nil {
		return fmt.Errorf("namespace helper: bad request: %w", err)
	}
	for _, b := range sp.Binds {
		if err := syscall.Mount(b.Source, b.Target, "", syscall.MS_BIND, ""); err != nil {
			return fmt.Errorf("putting %s in the place of %s: %w", b.Source, b.Target, err)
		}
	}
	if sp.Cred != nil {
		if err := becomeUser(sp.Cred, sp.Parent); err != nil {
			return err
		}
	}
	if sp.Dir != "" {
		if err := syscall.Chdir(sp.Dir); err != nil {
			return explainRefusal(fmt.Errorf("entering %s: %w", sp.Dir, err), sp.User, sp.Cred, sp.Dir, "")
		}
	}
	err := syscall.Exec(sp.Path, sp.Argv, os.Environ())
	return explainRefusal(fmt.Errorf("starting %s: %w", sp.Path, err), sp.User, sp.Cred, "", sp.Path)
}

func becomeUser(c *syscall.Credential, parent int) error {
	groups := make([]int, len(c.Groups))
	for i, g := range c.Groups {
		groups[i] = int(g)
	}
	for _, step := range []func() error{
		func() error { return syscall.Setgroups(groups) },
		func() error { return syscall.Setgid(int(c.Gid)) },
		func() error { return syscall.Setuid(int(c.Uid)) },
	} {
		if err := step(); err != nil {
			return fmt.Errorf("switching to uid %d: %w", c.Uid, err)
		}
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		return fmt.Errorf("setting the parent-death signal: %w", errno)
	}
	if os.Getppid() != parent {
		return errors.New("stackgate ended while the process was starting")
	}
	return nil
}
