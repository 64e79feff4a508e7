package stack

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// needRoot skips a test of what needs root (mount namespaces, other users) when the tests
// do not run as root; CI runs them as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs the tests as root")
		}
		t.Skip("needs root")
	}
}

// A user who may not enter the process's working directory is named with that directory,
// with or without the namespace helper: Go's "fork/exec <program>: permission denied"
// blamed the program.
func TestRefusedDirectoryIsNamed(t *testing.T) {
	needRoot(t)
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	private := filepath.Join(openTempDir(t), "private")
	if err := os.MkdirAll(filepath.Join(private, "app"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	want := `user "nobody" may not enter ` + private + ` (drwx------ root:root), on the way to the working directory ` + filepath.Join(private, "app")
	hosts, err := HostsBinds(t.TempDir(), map[string]string{"db": "127.0.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	for _, binds := range [][]Bind{nil, hosts} {
		p := Process{Name: "pool", Argv: []string{"/bin/true"}, Dir: filepath.Join(private, "app"), User: "nobody",
			Binds: binds, LogPath: filepath.Join(t.TempDir(), "pool.log")}
		err := Run(t.Context(), p)
		log, _ := os.ReadFile(p.LogPath)
		if err == nil || !strings.Contains(err.Error()+string(log), want) {
			t.Errorf("binds %v: error %v\nlog %s\nwant it to say %q", binds != nil, err, log, want)
		}
	}
}

// A program the user may not run is named as the program, with what refuses it.
func TestRefusalOfAProgram(t *testing.T) {
	dir := openTempDir(t)
	prog := filepath.Join(dir, "app")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(prog, &st); err != nil {
		t.Fatal(err)
	}
	other := &syscall.Credential{Uid: st.Uid + 1, Gid: st.Gid + 1}
	if got := refusal(prog, false, other); !strings.HasPrefix(got, prog+" (-rwx------ ") {
		t.Errorf("refusal = %q, want the program named", got)
	}
	if got := refusal(dir, true, other); got != "" {
		t.Errorf("refusal of an open directory = %q", got)
	}
	owner := &syscall.Credential{Uid: st.Uid, Gid: st.Gid}
	if got := refusal(prog, false, owner); got != "" {
		t.Errorf("refusal for the owner = %q", got)
	}
	err := explainRefusal(syscall.EACCES, "someone", other, dir, prog)
	if !strings.Contains(err.Error(), `user "someone" may not run `+prog) {
		t.Errorf("explained: %v", err)
	}
}

// openTempDir is a temporary directory other users may enter (t.TempDir's are private).
func openTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
