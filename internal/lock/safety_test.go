package lock

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A lock path that is a symbolic link is refused, whatever fs.protected_symlinks says:
// a root stackgate would otherwise truncate, write and open up (chmod 0666) the target,
// any file another user points it at.
func TestRefusesASymbolicLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	os.WriteFile(target, []byte("the user's data\n"), 0o600)
	path := filepath.Join(dir, "stackgate.lock")
	os.Symlink(target, path)
	l, err := Acquire(context.Background(), path, 0, nil)
	if err == nil {
		l.Release()
		t.Fatal("took a lock through a symbolic link")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	data, _ := os.ReadFile(target)
	info, _ := os.Stat(target)
	if string(data) != "the user's data\n" || info.Mode().Perm() != 0o600 {
		t.Errorf("the link's target was changed: %q, mode %v", data, info.Mode().Perm())
	}
}

// Anything but a regular file, and a file of another user (not root), is refused too.
func TestRefusesWhatIsNotAPlainFileOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.lock")
	syscall.Mkfifo(fifo, 0o666)
	if _, err := Acquire(context.Background(), fifo, 0, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a file of another user")
	}
	foreign := filepath.Join(dir, "foreign.lock")
	os.WriteFile(foreign, nil, 0o644)
	os.Chown(foreign, 65534, 65534)
	if _, err := Acquire(context.Background(), foreign, 0, nil); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("another user's file: %v", err)
	}
	if info, _ := os.Stat(foreign); info.Mode().Perm() != 0o644 {
		t.Errorf("another user's file was chmodded to %v", info.Mode().Perm())
	}
}

// stackgate opens the lock file it creates to every user (their invocations must take it
// too), and never changes the mode of a file it did not create.
func TestChmodsOnlyWhatItCreates(t *testing.T) {
	dir := t.TempDir()
	created := filepath.Join(dir, "new.lock")
	l, err := Acquire(context.Background(), created, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if info, _ := os.Stat(created); info.Mode().Perm() != 0o666 {
		t.Errorf("a lock file it created has mode %v, want 0666", info.Mode().Perm())
	}
	existing := filepath.Join(dir, "existing.lock")
	os.WriteFile(existing, nil, 0o640)
	if l, err = Acquire(context.Background(), existing, 0, nil); err != nil {
		t.Fatal(err)
	}
	l.Release()
	if info, _ := os.Stat(existing); info.Mode().Perm() != 0o640 {
		t.Errorf("an existing lock file was chmodded to %v", info.Mode().Perm())
	}
}

// Waiters are served in arrival order: an invocation that arrives while another waits
// does not take the lock the moment the holder lets go, even when it asks first.
func TestWaitersAreServedInArrivalOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	ctx := context.Background()
	holder, err := Acquire(ctx, path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	queued := make(chan struct{})
	got := make(chan *Lock, 1)
	go func() {
		l, err := Acquire(ctx, path, time.Minute, func(string) { close(queued) })
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	<-queued // the first waiter is in line
	holder.Release()
	if late, err := Acquire(ctx, path, 0, nil); err == nil {
		late.Release()
		t.Fatal("a later invocation overtook the one that was waiting")
	}
	first := <-got
	if first == nil {
		t.Fatal("the waiter never got the lock")
	}
	first.Release()
	next, err := Acquire(ctx, path, 0, nil)
	if err != nil {
		t.Fatalf("with nobody waiting: %v", err)
	}
	next.Release()
}

// A waiter's message names whoever holds the lock now, not who held it when it began
// waiting.
func TestWaitingNamesTheCurrentHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	ctx := context.Background()
	holder, err := Acquire(ctx, path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	firstQueued := make(chan struct{})
	firstGot := make(chan *Lock, 1)
	go func() {
		l, _ := Acquire(ctx, path, time.Minute, func(string) {
			select {
			case <-firstQueued:
			default:
				close(firstQueued)
			}
		})
		firstGot <- l
	}()
	<-firstQueued
	told := make(chan string, 10)
	secondGot := make(chan *Lock, 1)
	go func() {
		l, _ := Acquire(ctx, path, time.Minute, func(h string) { told <- h })
		secondGot <- l
	}()
	before := <-told
	holder.Release()
	first := <-firstGot
	if first == nil {
		t.Fatal("the first waiter never got the lock")
	}
	var after string
	select {
	case after = <-told: // the holder changed: the second waiter says so
	case <-time.After(time.Minute):
		t.Fatal("the second waiter was never told of the new holder")
	}
	if after == before || !strings.Contains(after, "pid ") {
		t.Errorf("told %q, then %q: want the new holder named", before, after)
	}
	first.Release()
	if l := <-secondGot; l != nil {
		l.Release()
	}
}
