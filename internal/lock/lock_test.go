package lock

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAcquireWaitsThenTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	ctx := context.Background()
	first, err := Acquire(ctx, path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var told string
	_, err = Acquire(ctx, path, 300*time.Millisecond, func(h string) { told = h })
	var busy *BusyError
	if !errors.As(err, &busy) || !strings.Contains(told, "pid ") || !strings.Contains(err.Error(), "another stackgate invocation") {
		t.Fatalf("second invocation: %v (told %q)", err, told)
	}
	if busy.Waited < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", busy.Waited)
	}
	// Released: the next one gets it at once.
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	second, err := Acquire(ctx, path, 0, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	second.Release()
}

func TestAcquireGetsTheLockWhenTheHolderLetsGo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	first, err := Acquire(context.Background(), path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, func() { first.Release() })
	l, err := Acquire(context.Background(), path, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}

// A holder that is killed releases the lock: the kernel drops a dead process's flocks.
func TestKilledHolderReleases(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) from util-linux is not installed")
	}
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	// -o: only flock itself holds the lock, not the command it runs.
	cmd := exec.Command("flock", "-o", path, "sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := Acquire(context.Background(), path, 0, nil)
		if err != nil {
			break // flock(1) holds it now
		}
		l.Release()
		if time.Now().After(deadline) {
			t.Fatal("flock(1) never took the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	l, err := Acquire(context.Background(), path, 5*time.Second, nil)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}

func TestAcquireStopsWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stackgate.lock")
	first, _ := Acquire(context.Background(), path, 0, nil)
	defer first.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, path, time.Minute, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's error", err)
	}
}
