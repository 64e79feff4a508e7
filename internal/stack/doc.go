// Package stack starts, watches and stops the processes of the stack under test.
//
// Every process runs in its own process group so that stopping it also stops whatever it
// spawned (workers, shells, grandchildren): Stop sends the stop signal to the group, waits a
// grace period, sends SIGKILL to the group, reaps the leader and then verifies that no member
// of the group is left. Processes die with stackgate (parent-death signal), can run as another
// OS user and can be pinned to CPUs. Output goes to log files opened by stackgate, and every
// failure is a *ProcessError that carries the end of the log.
//
// Stop also kills descendants that left the group (PostgreSQL's backends call setsid) when
// it saw them while their parent was alive, and, once the process calls BecomeSubreaper,
// daemons whose parent exited before Stop could see them: they are adopted by stackgate
// instead of init, so every orphan adopted since a process started is stopped and reaped
// with it. Resource samplers should follow the process tree from PIDs, not the process
// group.
//
// The parent-death signal is tied to the OS thread that forked the child (Go issue 27505):
// a goroutine that exits while locked to its thread (runtime.LockOSThread) kills the
// children started from that thread. Code that starts processes must not do that.
//
// A process with Binds sees other files in the place of some of the machine's (the
// suite's /etc/hosts) in a mount namespace of its own. Go cannot run code between fork and
// exec, so the binary re-executes itself as a hidden helper that binds the files, switches
// to the process's user, re-arms the parent-death signal and execs the program: main (and
// TestMain of tests that use Binds) must call Init first.
//
// The package is Linux only: it relies on process groups, /proc and sched_setaffinity.
//
// Lifecycle contract: Start either returns a Stack whose processes are all ready or stops
// whatever it started and returns an error. Stop is idempotent and safe after a partial
// start; it never hangs.
package stack
