package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// HostsBinds writes, into dir, the files that make the host names of hosts (name → address)
// resolve for a process, and returns the binds that put them in place (Process.Binds):
//
//   - /etc/hosts: the machine's, with these names mapped (and taken out of its own lines);
//   - /etc/nsswitch.conf, when the machine's does not consult files first for hosts: the
//     same with "files" first, so that glibc's getaddrinfo (Python's socket, libpq) reads
//     the hosts file before DNS or systemd-resolved, which know nothing of these names;
//   - nscd's socket, when nscd runs: hidden, so glibc does not ask its cache (kept outside
//     the namespace) but falls back to reading the files.
func HostsBinds(dir string, hosts map[string]string) ([]Bind, error) {
	return hostsBinds("/", dir, hosts)
}

// hostsBinds is HostsBinds for the machine whose root directory is root (tests).
func hostsBinds(root, dir string, hosts map[string]string) ([]Bind, error) {
	machine := func(p string) string { return filepath.Join(root, p) }
	write := func(name, content string) (string, error) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return "", fmt.Errorf("writing the stack's %s: %w", name, err)
		}
		return path, nil
	}
	old, err := os.ReadFile(machine("/etc/hosts"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading the machine's hosts file: %w", err)
	}
	path, err := write("hosts", hostsFile(string(old), hosts))
	if err != nil {
		return nil, err
	}
	binds := []Bind{{Source: path, Target: "/etc/hosts"}}
	if ns, err := os.ReadFile(machine("/etc/nsswitch.conf")); err == nil {
		if fixed, changed := filesFirst(string(ns)); changed {
			path, err := write("nsswitch.conf", fixed)
			if err != nil {
				return nil, err
			}
			binds = append(binds, Bind{Source: path, Target: "/etc/nsswitch.conf"})
		}
	}
	for _, socket := range []string{"/run/nscd/socket", "/var/run/nscd/socket"} {
		if _, err := os.Stat(machine(socket)); err == nil {
			return append(binds, Bind{Source: "/dev/null", Target: socket}), nil // one socket, often by two names
		}
	}
	return binds, nil
}

// hostsFile is the machine's hosts file with the suite's names first and removed from the
// machine's own lines, so that each name has exactly the suite's address.
func hostsFile(machine string, hosts map[string]string) string {
	var b strings.Builder
	b.WriteString("# written by stackgate: the suite's [hosts], then this machine's /etc/hosts\n")
	names := make([]string, 0, len(hosts))
	for name := range hosts {
		names = append(names, name)
	}
	slices.Sort(names)
	mapped := map[string]bool{}
	for _, name := range names {
		fmt.Fprintf(&b, "%s\t%s\n", hosts[name], name)
		mapped[strings.ToLower(name)] = true
	}
	for _, line := range strings.Split(machine, "\n") {
		text, _, _ := strings.Cut(line, "#")
		fields := strings.Fields(text)
		if len(fields) < 2 {
			continue
		}
		kept := slices.DeleteFunc(fields[1:], func(n string) bool { return mapped[strings.ToLower(n)] })
		if len(kept) > 0 {
			fmt.Fprintf(&b, "%s\t%s\n", fields[0], strings.Join(kept, " "))
		}
	}
	return b.String()
}

// filesFirst puts "files" (with its action, e.g. "files [NOTFOUND=return]") first on the
// hosts line of an nsswitch.conf; changed is false when it already was.
func filesFirst(conf string) (string, bool) {
	lines := strings.Split(conf, "\n")
	for i, line := range lines {
		text, _, _ := strings.Cut(line, "#")
		key, services, ok := strings.Cut(text, ":")
		if !ok || strings.TrimSpace(key) != "hosts" {
			continue
		}
		fields := strings.Fields(services)
		at := slices.Index(fields, "files")
		if at == 0 {
			return conf, false
		}
		files := []string{"files"}
		if at > 0 {
			end := at + 1
			for end < len(fields) && strings.HasPrefix(fields[end], "[") {
				end++
			}
			files = slices.Clone(fields[at:end])
			fields = slices.Delete(fields, at, end)
		}
		lines[i] = "hosts: " + strings.Join(append(files, fields...), " ")
		return strings.Join(lines, "\n"), true
	}
	return conf + "\nhosts: files dns\n", true
}
