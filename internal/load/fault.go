package load

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrGenerator marks a failure of the load generator itself: its machine ran out of a
// resource it needs to open a connection (file descriptors, local ports, kernel memory).
// Such a failure says nothing about the target, so it is never counted as the target's
// connect error: the phase stops at once and Run returns an error wrapping ErrGenerator.
var ErrGenerator = errors.New("the load generator failed, not the target")

// localErrno is an error number that a socket call returns because of the generator's
// own machine, with what to do about it.
type localErrno struct{ name, hint string }

var localErrnos = map[syscall.Errno]localErrno{
	syscall.EMFILE:          {"EMFILE", "the open-file limit of the process (ulimit -n) is lower than the connections need: raise it or use fewer connections"},
	syscall.ENFILE:          {"ENFILE", "the system's table of open files is full (sysctl fs.file-max)"},
	syscall.EADDRNOTAVAIL:   {"EADDRNOTAVAIL", "no local port is left to connect from (sysctl net.ipv4.ip_local_port_range; closed connections wait in TIME_WAIT)"},
	syscall.ENOBUFS:         {"ENOBUFS", "the kernel has no memory left for sockets"},
	syscall.ENOMEM:          {"ENOMEM", "the kernel has no memory left for sockets"},
	syscall.ENOSPC:          {"ENOSPC", "epoll cannot watch more sockets (sysctl fs.epoll.max_user_watches)"},
	syscall.EAFNOSUPPORT:    {"EAFNOSUPPORT", "this machine cannot open sockets of the target's address family (IPv6 disabled?)"},
	syscall.EPROTONOSUPPORT: {"EPROTONOSUPPORT", "this machine cannot open TCP sockets"},
}

// generatorFault reports whether err is the generator's own failure rather than the
// target's (refused, reset, unreachable, timed out).
func generatorFault(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	_, ok := localErrnos[errno]
	return ok
}

// generatorError wraps a failure of the generator in ErrGenerator, naming the errno and
// the fix: "the load generator failed, not the target: opening a connection: too many
// open files (EMFILE): the open-file limit ...".
func generatorError(op string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if l, ok := localErrnos[errno]; ok {
			return fmt.Errorf("%w: %s: %w (%s): %s", ErrGenerator, op, err, l.name, l.hint)
		}
	}
	return fmt.Errorf("%w: %s: %w", ErrGenerator, op, err)
}
