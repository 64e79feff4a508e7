package stack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/cpuset"
	"github.com/stackgate/stackgate/internal/procfs"
)

// DefaultReadyTimeout is how long a process may take to become ready when Ready.Timeout is 0.
const DefaultReadyTimeout = 30 * time.Second

// DefaultGrace is how long a process group gets to exit after the stop signal before SIGKILL.
const DefaultGrace = 5 * time.Second

// killWait bounds the wait for a process group to vanish after SIGKILL, so Stop never hangs
// (a process stuck in uninterruptible sleep is reported, not waited for).
const killWait = 5 * time.Second

// Ready says how to tell that a started process is ready to serve. Every kind that is set
// must pass; no kind set means ready as soon as started.
type Ready struct {
	HTTP    string         // GET http://<Addr><HTTP> must answer 2xx (e.g. "/healthz")
	TCP     bool           // Addr accepts a TCP connection
	LogLine *regexp.Regexp // a line appended to the process log matches
	Timeout time.Duration  // 0 = DefaultReadyTimeout
}

func (r Ready) isSet() bool { return r.HTTP != "" || r.TCP || r.LogLine != nil }

// Process describes one process of the stack (or a one-shot command for Run).
type Process struct {
	Name       string
	Argv       []string       // already expanded; executed directly, never through a shell
	Env        []string       // complete environment (the caller composes it); nil inherits stackgate's
	Dir        string         // working directory ("" = current)
	User       string         // run as this OS user ("" = the current user); needs root
	CPUs       []int          // CPU affinity of the process and its children (nil = none)
	Binds      []Bind         // files it sees in the place of others, e.g. /etc/hosts (needs root)
	Addr       string         // host:port it listens on: must be free before start; HTTP/TCP readiness probe it
	Ready      Ready          // readiness checks (ignored by Run)
	LogPath    string         // stdout and stderr appended here (file created by us, as the invoking user); "" discards
	StopSignal syscall.Signal // default SIGTERM
	Grace      time.Duration  // wait after StopSignal before SIGKILL (0 = DefaultGrace)
}

func (p Process) stopSignal() syscall.Signal {
	if p.StopSignal == 0 {
		return syscall.SIGTERM
	}
	return p.StopSignal
}

func (p Process) grace() time.Duration {
	if p.Grace <= 0 {
		return DefaultGrace
	}
	return p.Grace
}

func (p Process) readyTimeout() time.Duration {
	if p.Ready.Timeout <= 0 {
		return DefaultReadyTimeout
	}
	return p.Ready.Timeout
}

// validate reports what is wrong with p before anything is started.
func (p Process) validate() error {
	switch {
	case p.Name == "":
		return errors.New("no name")
	case len(p.Argv) == 0 || p.Argv[0] == "":
		return errors.New("no command (empty argv)")
	case (p.Ready.HTTP != "" || p.Ready.TCP) && p.Addr == "":
		return errors.New("HTTP or TCP readiness needs Addr")
	case p.Ready.LogLine != nil && p.LogPath == "":
		return errors.New("log-line readiness needs LogPath")
	}
	return cpuset.Check(p.CPUs)
}

// invalid is the error for a process that cannot even be attempted.
func invalid(p Process, err error) *ProcessError {
	return &ProcessError{Name: p.Name, Reason: "invalid process: " + err.Error(), LogPath: p.LogPath, Err: err}
}

// proc is a started process and the state needed to watch and stop it.
type proc struct {
	Process
	cmd       *exec.Cmd
	pid       int           // also the process group id
	born      uint64        // its start time (clock ticks after boot); 0 if unknown
	logOffset int64         // log size before start: readiness only looks at newer lines
	done      chan struct{} // closed once the leader has been reaped
	waitErr   error         // cmd.Wait's result, valid after done

	stopOnce sync.Once
	stopping chan struct{} // closed when stop begins
	stopErr  error
}

// launch starts p without waiting for readiness.
func launch(p Process) (*proc, error) {
	if err := p.validate(); err != nil {
		return nil, invalid(p, err)
	}
	pr := &proc{Process: p, done: make(chan struct{}), stopping: make(chan struct{})}
	if err := pr.start(); err != nil {
		return nil, err
	}
	return pr, nil
}

func (pr *proc) start() error {
	cmd, logFile, err := pr.command()
	if err != nil {
		return pr.failure("cannot start: "+err.Error(), err)
	}
	if logFile != nil {
		defer logFile.Close() // the child holds its own copy
	}
	pr.cmd = cmd
	err = startLeader(cmd, func() error {
		if len(pr.CPUs) > 0 {
			return startPinned(cmd, pr.CPUs)
		}
		return cmd.Start()
	})
	if cmd.Process == nil {
		err = explainRefusal(err, pr.User, cmd.SysProcAttr.Credential, pr.Dir, cmd.Path)
		return pr.failure("cannot start: "+err.Error(), err)
	}
	pr.pid = cmd.Process.Pid
	if st, err := procfs.Default.Stat(pr.pid); err == nil {
		pr.born = st.Start // it cannot have been reaped yet: wait has not started
	}
	go pr.wait()
	if err != nil {
		// Started, but pinning could not be undone: do not leave it running.
		return pr.failAndStop("cannot start: "+err.Error(), err)
	}
	return nil
}

// command builds the exec.Cmd: own process group, parent-death signal, credentials, log.
func (pr *proc) command() (*exec.Cmd, *os.File, error) {
	path, err := lookPath(pr.Argv[0], pr.Env)
	if err != nil {
		return nil, nil, err
	}
	cred, err := credentialFor(pr.User)
	if err != nil {
		return nil, nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: pr.Argv, Env: pr.Env, Dir: pr.Dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	if len(pr.Binds) > 0 {
		if err := throughHelper(cmd, pr.Binds, pr.User); err != nil {
			return nil, nil, err
		}
	}
	if pr.LogPath == "" {
		return cmd, nil, nil
	}
	logFile, err := os.OpenFile(pr.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("opening log: %w", err)
	}
	if info, err := logFile.Stat(); err == nil {
		pr.logOffset = info.Size()
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	return cmd, logFile, nil
}

// lookPath resolves a bare command name with the PATH the process will get (env), falling
// back to stackgate's own PATH; names containing a slash are used as they are.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathList, ok := envValue(env, "PATH")
	if !ok {
		pathList = os.Getenv("PATH")
	}
	for _, dir := range filepath.SplitList(pathList) {
		candidate := filepath.Join(dir, name)
		if info, err := os.Stat(candidate); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("executable %q not found in PATH %q", name, pathList)
}

func envValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if value, ok := strings.CutPrefix(env[i], key+"="); ok {
			return value, true
		}
	}
	return "", false
}

// wait reaps the leader; it must never panic past close(done), or stop would wait forever.
func (pr *proc) wait() {
	defer close(pr.done)
	defer forget(pr.pid)
	defer func() {
		if v := recover(); v != nil {
			pr.waitErr = fmt.Errorf("waiting for %s: panic: %v", pr.Name, v)
		}
	}()
	pr.waitErr = pr.cmd.Wait()
}

func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// exitDescription says how the leader ended, e.g. "exited with status 2". Call after done.
func (pr *proc) exitDescription() string {
	state := pr.cmd.ProcessState
	if state == nil {
		return fmt.Sprintf("ended (%v)", pr.waitErr)
	}
	ws, ok := state.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return "killed by signal " + ws.Signal().String()
	case ok:
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	}
	return state.String()
}

func (pr *proc) succeeded() bool {
	return pr.cmd.ProcessState != nil && pr.cmd.ProcessState.Success()
}

// failure builds the ProcessError for pr with the current end of its log; cause (may be
// nil) is kept for errors.Is and is expected to be described by reason already.
func (pr *proc) failure(reason string, cause error) *ProcessError {
	return &ProcessError{Name: pr.Name, Reason: reason, LogPath: pr.LogPath, LogTail: LogTail(pr.LogPath, logTailLines), Err: cause}
}

// failAndStop stops pr and returns the failure, noting a failed stop too.
func (pr *proc) failAndStop(reason string, cause error) *ProcessError {
	if stopErr := pr.stop(); stopErr != nil {
		reason += "; " + stopErr.Error()
		cause = errors.Join(cause, stopErr)
	}
	return pr.failure(reason, cause)
}

// stop ends the whole process group: StopSignal, Grace, SIGKILL, reap, verify.
func (pr *proc) stop() error {
	pr.stopOnce.Do(func() {
		close(pr.stopping)
		pr.stopErr = pr.terminate()
	})
	return pr.stopErr
}

func (pr *proc) terminate() error {
	f := newFamily(pr.pid, pr.born)
	if pr.waitGone(f, 0) {
		return nil
	}
	f.stop(pr.stopSignal())
	if pr.waitGone(f, pr.grace()) {
		return nil
	}
	f.kill()
	if pr.waitGone(f, killWait) {
		return nil
	}
	if !pr.exited() {
		return fmt.Errorf("stopping %s: process %d did not exit %s after SIGKILL", pr.Name, pr.pid, killWait)
	}
	return fmt.Errorf("stopping %s: processes %v of its group or tree still running %s after SIGKILL",
		pr.Name, f.survivors(), killWait)
}

// waitGone waits up to d until the leader has been reaped and no member of its family is
// alive.
func (pr *proc) waitGone(f *family, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for attempt := 0; ; attempt++ {
		exited := pr.exited()
		// Scanning also learns descendants while the tree still shows them.
		if alive := f.survivors(); exited && len(alive) == 0 {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		done := pr.done
		if exited {
			done = nil // only the rest of the family is left: poll
		}
		timer := time.NewTimer(min(pollInterval(attempt), left))
		select {
		case <-done:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// check returns nil while the leader runs.
func (pr *proc) check() error {
	select {
	case <-pr.stopping:
		return pr.failure("stopped", nil)
	default:
	}
	if pr.exited() {
		return pr.failure(pr.exitDescription()+" while running", nil)
	}
	return nil
}
