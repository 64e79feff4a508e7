package load

import (
	"errors"
	"syscall"
	"time"
	"unsafe"
)

// The Linux calls of the event loops that package syscall does not wrap.
const (
	sysEpollPwait2       = 441 // epoll_pwait2: epoll_wait with a nanosecond timeout (Linux 5.11)
	sysEventfd2          = 290
	efdNonblock          = 0x800
	efdCloexec           = 0x80000
	prSetTimerSlack      = 29
	clockThreadCPUTimeID = 3
)

// timerSlack is the slack of a loop's thread while it waits for the next open-loop
// ticket: Linux's default of 50 µs would make every wake-up that late.
const timerSlack = time.Microsecond

// poller is one epoll instance with an eventfd that wakes it from another goroutine.
type poller struct {
	epfd     int
	wakefd   int
	noPwait2 bool // the kernel lacks epoll_pwait2: timeouts are rounded up to milliseconds
}

// wakeToken marks the eventfd's events; connection events carry their index.
const wakeToken = -1

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	r, _, errno := syscall.Syscall(sysEventfd2, 0, efdNonblock|efdCloexec, 0)
	if errno != 0 {
		syscall.Close(epfd)
		return nil, errno
	}
	p := &poller{epfd: epfd, wakefd: int(r)}
	if err := p.add(p.wakefd, wakeToken, 0); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// close releases the poller; it is safe to call twice.
func (p *poller) close() {
	if p.epfd < 0 {
		return
	}
	syscall.Close(p.wakefd)
	syscall.Close(p.epfd)
	p.epfd, p.wakefd = -1, -1
}

// wake makes the next (or current) wait return at once; safe from any goroutine.
func (p *poller) wake() {
	one := uint64(1)
	_, _ = syscall.Write(p.wakefd, (*[8]byte)(unsafe.Pointer(&one))[:]) // EAGAIN: already woken
}

// drainWake clears the eventfd after a wake-up.
func (p *poller) drainWake() {
	var b [8]byte
	_, _ = syscall.Read(p.wakefd, b[:])
}

// connEvents are the events of a connection: edge-triggered, because a loop reads until
// a read comes back short (the socket is then empty, and new bytes make a new edge), and
// so the kernel need not poll every ready socket again at each wait.
const connEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | -syscall.EPOLLET

// add registers fd for reading; the event carries token and gen, so an event of a
// connection that was closed and re-opened in the same batch is recognised.
func (p *poller) add(fd int, token int32, gen int32) error {
	ev := syscall.EpollEvent{Events: connEvents, Fd: token, Pad: gen}
	return syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// watchWrite turns the interest in fd being writable on or off (a connect in progress, a
// request that did not fit the socket buffer).
func (p *poller) watchWrite(fd int, token, gen int32, on bool) error {
	ev := syscall.EpollEvent{Events: connEvents, Fd: token, Pad: gen}
	if on {
		ev.Events |= syscall.EPOLLOUT
	}
	return syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
}

// wait waits at most timeout (< 0: forever) for events.
func (p *poller) wait(events []syscall.EpollEvent, timeout time.Duration) (int, error) {
	if !p.noPwait2 {
		var ts *syscall.Timespec
		if timeout >= 0 {
			t := syscall.NsecToTimespec(int64(timeout))
			ts = &t
		}
		n, _, errno := syscall.Syscall6(sysEpollPwait2, uintptr(p.epfd), uintptr(unsafe.Pointer(&events[0])),
			uintptr(len(events)), uintptr(unsafe.Pointer(ts)), 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case syscall.ENOSYS:
			p.noPwait2 = true
		default:
			return 0, errno
		}
	}
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	return syscall.EpollWait(p.epfd, events, ms)
}

// readFD and writeFD read and write a socket without telling the Go scheduler: on a
// non-blocking socket they never block, and the scheduler's bookkeeping would cost more
// than the call.
func readFD(fd int, b []byte) (int, error) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}

func writeFD(fd int, b []byte) (int, error) {
	// send(2) with MSG_NOSIGNAL: a peer that reset the connection makes it fail with EPIPE
	// instead of raising SIGPIPE.
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
		syscall.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}

// setTimerSlack sets the calling thread's timer slack (0: the default).
func setTimerSlack(d time.Duration) {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, uintptr(d), 0)
}

// threadCPU is the CPU time the calling thread has used.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// newSocket makes a TCP socket for sa with Nagle's algorithm off, so that small requests
// leave at once. blocking sockets are used for the dials before the clock starts; their
// connect gives up after timeout.
func newSocket(sa syscall.Sockaddr, blocking bool, timeout time.Duration) (int, error) {
	family := syscall.AF_INET
	if _, ok := sa.(*syscall.SockaddrInet6); ok {
		family = syscall.AF_INET6
	}
	typ := syscall.SOCK_STREAM | syscall.SOCK_CLOEXEC
	if !blocking {
		typ |= syscall.SOCK_NONBLOCK
	}
	fd, err := syscall.Socket(family, typ, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if blocking {
		tv := syscall.NsecToTimeval(int64(timeout))
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv); err != nil {
			syscall.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// connectBlocking opens a connection to sa and waits for it (at most timeout), then makes
// it non-blocking for the loop.
func connectBlocking(sa syscall.Sockaddr, timeout time.Duration) (int, error) {
	fd, err := newSocket(sa, true, timeout)
	if err != nil {
		return -1, err
	}
	for {
		err = syscall.Connect(fd, sa)
		if err != syscall.EINTR {
			break
		}
	}
	if errors.Is(err, syscall.EINPROGRESS) || errors.Is(err, syscall.EAGAIN) {
		err = errDialTimeout
	}
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	if err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

var errDialTimeout = errors.New("connect timed out")

// connectStart begins a non-blocking connect; done reports that it already finished.
func connectStart(sa syscall.Sockaddr, timeout time.Duration) (fd int, done bool, err error) {
	fd, err = newSocket(sa, false, timeout)
	if err != nil {
		return -1, false, err
	}
	err = syscall.Connect(fd, sa)
	switch {
	case err == nil:
		return fd, true, nil
	case err == syscall.EINPROGRESS || err == syscall.EINTR:
		return fd, false, nil
	}
	syscall.Close(fd)
	return -1, false, err
}

// connectResult is the outcome of a non-blocking connect once the socket is writable.
func connectResult(fd int) error {
	v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}
