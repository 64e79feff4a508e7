package stack

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A process with the suite's hosts file resolves the mapped name through glibc (getent
// reads nsswitch.conf as every C program and Python's socket module do), as its own user;
// it keeps its pid (the helper execs it) and the machine's /etc/hosts is untouched.
func TestBindsGiveAPrivateHostsFile(t *testing.T) {
	needRoot(t)
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	binds, err := HostsBinds(t.TempDir(), map[string]string{"perf-dbpool": "127.0.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile("/etc/hosts")
	p := Process{
		Name:    "app",
		Argv:    []string{"/bin/sh", "-c", "echo pid $$ uid $(id -u); getent hosts perf-dbpool; exec sleep 60"},
		Dir:     "/",
		User:    "nobody",
		Binds:   binds,
		LogPath: filepath.Join(t.TempDir(), "app.log"),
		Ready:   Ready{LogLine: regexp.MustCompile(`perf-dbpool`)},
	}
	s := startStack(t, p)
	log, _ := os.ReadFile(p.LogPath)
	pid := s.PIDs()["app"]
	if want := "pid " + strconv.Itoa(pid) + " uid " + nobody.Uid + "\n"; !strings.HasPrefix(string(log), want) {
		t.Errorf("log starts %q, want %q (the program keeps the helper's pid and runs as nobody)", log, want)
	}
	if !regexp.MustCompile(`(?m)^127\.0\.0\.9\s+perf-dbpool$`).Match(log) {
		t.Errorf("perf-dbpool did not resolve to the suite's address:\n%s", log)
	}
	if after, _ := os.ReadFile("/etc/hosts"); string(after) != string(before) {
		t.Error("the machine's /etc/hosts changed")
	}
	if out, err := exec.Command("getent", "hosts", "perf-dbpool").CombinedOutput(); err == nil {
		t.Errorf("perf-dbpool resolves outside the stack's namespace: %s", out)
	}
}

// A process started through the namespace helper, as another user, still dies with
// stackgate when stackgate is killed: changing credentials clears the parent-death signal,
// and the helper must set it again.
func TestNamespacedProcessDiesWithStackgate(t *testing.T) {
	needRoot(t)
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), helperEnv+"=namespaced-parent", "STACKTEST_DIR="+t.TempDir())
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	parent.Stderr = os.Stderr
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	var child int
	if _, err := fmt.Fscanf(out, "child %d\n", &child); err != nil || child <= 0 {
		t.Fatalf("reading the child's pid: %v", err)
	}
	eventually(t, "the helper execs sleep as nobody", func() bool {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", child))
		return strings.HasSuffix(exe, "sleep") && strings.Fields(procStatus(t, child, "Uid"))[0] != "0"
	})
	parent.Process.Kill()
	parent.Wait()
	eventually(t, "the child dies with its parent", func() bool { return processGone(child) })
}

// An address another program already listens on is refused before the process starts:
// its readiness probe would be answered by that program.
func TestTakenAddressIsRefused(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	marker := filepath.Join(t.TempDir(), "started")
	_, err = Start(t.Context(), []Process{{Name: "pool", Argv: []string{"/bin/sh", "-c", "touch " + marker + "; exec sleep 60"},
		Addr: taken.Addr().String(), Ready: Ready{TCP: true}}})
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()+" is taken by another program") {
		t.Fatalf("error %v, want the address named as taken", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the process was started anyway")
	}
}

// The stack's hosts file maps the suite's names first and drops them from the machine's
// lines; nsswitch.conf gets files first when it was not; nscd's socket is hidden.
func TestHostsBindsFiles(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/hosts", "127.0.0.1 localhost\n10.1.1.1 perf-dbpool other # the real pool\n# comment\n::1 ip6-localhost\n")
	write("etc/nsswitch.conf", "passwd: files\nhosts:          resolve [!UNAVAIL=return] files [NOTFOUND=return] dns\nnetworks: files\n")
	write("run/nscd/socket", "")
	dir := t.TempDir()
	binds, err := hostsBinds(root, dir, map[string]string{"perf-dbpool": "127.0.0.2", "tfb-database": "127.0.0.3"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Bind{{filepath.Join(dir, "hosts"), "/etc/hosts"}, {filepath.Join(dir, "nsswitch.conf"), "/etc/nsswitch.conf"}, {"/dev/null", "/run/nscd/socket"}}
	if len(binds) != len(want) {
		t.Fatalf("binds %v, want %v", binds, want)
	}
	for i := range want {
		if binds[i] != want[i] {
			t.Errorf("bind %d: %v, want %v", i, binds[i], want[i])
		}
	}
	hosts, _ := os.ReadFile(filepath.Join(dir, "hosts"))
	wantHosts := "# written by stackgate: the suite's [hosts], then this machine's /etc/hosts\n" +
		"127.0.0.2\tperf-dbpool\n127.0.0.3\ttfb-database\n127.0.0.1\tlocalhost\n10.1.1.1\tother\n::1\tip6-localhost\n"
	if string(hosts) != wantHosts {
		t.Errorf("hosts:\n%s\nwant:\n%s", hosts, wantHosts)
	}
	ns, _ := os.ReadFile(filepath.Join(dir, "nsswitch.conf"))
	if !strings.Contains(string(ns), "\nhosts: files [NOTFOUND=return] resolve [!UNAVAIL=return] dns\n") || !strings.HasPrefix(string(ns), "passwd: files\n") {
		t.Errorf("nsswitch.conf:\n%s", ns)
	}
	for _, c := range []struct{ in, want string }{
		{"hosts: files dns\n", ""}, // already first: no bind
		{"passwd: files\n", "passwd: files\n\nhosts: files dns\n"},
		{"hosts: dns\n", "hosts: files dns\n"},
	} {
		got, changed := filesFirst(c.in)
		if changed != (c.want != "") || changed && got != c.want {
			t.Errorf("filesFirst(%q) = %q, %v; want %q", c.in, got, changed, c.want)
		}
	}
}
