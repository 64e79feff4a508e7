package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/procfs"
)

// openFiles checks that the stack's processes can open a descriptor per connection.
func openFiles(read func() (Limit, error), suite *config.Suite) Finding {
	const name = "open files"
	want := fmt.Sprintf("at least %d", MinOpenFiles)
	if read == nil {
		return unknown(name, want, "not checked")
	}
	lim, err := read()
	if err != nil {
		return unknown(name, want, err.Error())
	}
	f := Finding{Name: name, Status: OK, Want: want,
		Value: fmt.Sprintf("soft %s, hard %s", limitText(lim.Soft), limitText(lim.Hard))}
	need := openFilesNeeded(suite)
	switch {
	case need > 0 && lim.Soft < need:
		f.Status = Bad
		f.Why = fmt.Sprintf("the suite's connections need about %d descriptors: requests would fail with \"too many open files\"", need)
	case lim.Soft < MinOpenFiles:
		f.Status = Warn
		f.Why = "every connection is a descriptor in the load generator and in the app; when they run out, requests fail with \"too many open files\""
	default:
		return f
	}
	f.Fix = raiseOpenFiles(lim)
	return f
}

// raiseOpenFiles is the command that raises the soft limit, and the hard one if it is
// in the way.
func raiseOpenFiles(lim Limit) string {
	switch {
	case lim.Hard >= RecommendedOpenFiles:
		return fmt.Sprintf("ulimit -n %d (in the shell that runs stackgate)", RecommendedOpenFiles)
	case lim.Soft < lim.Hard:
		return fmt.Sprintf("ulimit -n %d; for more, raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for a service)", lim.Hard)
	}
	return fmt.Sprintf("raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for a service), then ulimit -n %d", RecommendedOpenFiles)
}

// openFilesNeeded estimates the descriptors the suite's busiest scenario needs (0: no suite).
func openFilesNeeded(suite *config.Suite) uint64 {
	if suite == nil {
		return 0
	}
	most := suite.Load.Connections
	for _, sc := range suite.Scenarios {
		most = max(most, suite.ScenarioConnections(sc))
	}
	return uint64(most*OpenFilesPerConnection + OpenFilesReserve)
}

func limitText(v uint64) string {
	if v == Unlimited {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}

// ChildOpenFiles reads the open-file limit a process started by stackgate gets. Go raises
// its own soft limit to the hard one at start-up but restores the original for the
// processes it starts, so a shell started from here reports what the stack will have.
func ChildOpenFiles(ctx context.Context) (Limit, error) {
	out, err := exec.CommandContext(ctx, "sh", "-c", "ulimit -Sn; ulimit -Hn").Output()
	if err != nil {
		return Limit{}, fmt.Errorf("reading the open-file limit: %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) != 2 {
		return Limit{}, fmt.Errorf("reading the open-file limit: unexpected output %q", out)
	}
	var lim Limit
	for i, dst := range []*uint64{&lim.Soft, &lim.Hard} {
		if *dst, err = parseLimit(fields[i]); err != nil {
			return Limit{}, fmt.Errorf("reading the open-file limit: %w", err)
		}
	}
	return lim, nil
}

func parseLimit(s string) (uint64, error) {
	if s == "unlimited" {
		return Unlimited, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// somaxconn checks the listen queue limit.
func somaxconn(fsys fs.FS) Finding {
	return minSysctl(fsys, "net.core.somaxconn", MinSomaxconn,
		"a burst of new connections beyond the listen queue is dropped, and the client retries a second later")
}

// synBacklog checks the queue of half-open connections.
func synBacklog(fsys fs.FS) Finding {
	return minSysctl(fsys, "net.ipv4.tcp_max_syn_backlog", MinSynBacklog,
		"connection attempts beyond the SYN queue are dropped, and the client retries a second later")
}

// minSysctl checks that a numeric sysctl is at least want.
func minSysctl(fsys fs.FS, key string, want int, why string) Finding {
	f := Finding{Name: key, Want: fmt.Sprintf("at least %d", want)}
	v, ok := readLine(fsys, sysctlPath(key))
	n, err := strconv.Atoi(v)
	switch {
	case !ok || err != nil:
		f.Status, f.Value = Unknown, "not readable"
	case n < want:
		f.Status, f.Value, f.Why = Warn, v, why
		f.Fix = fmt.Sprintf("sudo sysctl -w %s=%d", key, want)
	default:
		f.Status, f.Value = OK, v
	}
	return f
}

func sysctlPath(key string) string {
	return "proc/sys/" + strings.ReplaceAll(key, ".", "/")
}

// portRange checks that reconnecting clients cannot run out of ephemeral ports.
func portRange(fsys fs.FS) Finding {
	const key = "net.ipv4.ip_local_port_range"
	f := Finding{Name: key, Want: fmt.Sprintf("at least %d ports", MinEphemeralPorts)}
	v, ok := readLine(fsys, sysctlPath(key))
	fields := strings.Fields(v)
	if !ok || len(fields) != 2 {
		f.Status, f.Value = Unknown, "not readable"
		return f
	}
	lo, err1 := strconv.Atoi(fields[0])
	hi, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		f.Status, f.Value = Unknown, "not readable"
		return f
	}
	width := hi - lo + 1
	f.Value = fmt.Sprintf("%d-%d (%d ports)", lo, hi, width)
	if width >= MinEphemeralPorts {
		f.Status = OK
		return f
	}
	f.Status = Warn
	f.Why = "every closed connection holds its port for a minute (TIME_WAIT): clients that reconnect run out and fail"
	f.Fix = fmt.Sprintf("sudo sysctl -w %s=\"10000 65535\"", key)
	return f
}

// hypervisors are substrings (lower case) of DMI vendor or product names of virtual
// machines.
var hypervisors = []string{
	"qemu", "kvm", "vmware", "virtualbox", "innotek", "xen", "bochs", "parallels", "bhyve",
	"openstack", "google compute engine", "amazon ec2", "digitalocean", "hetzner vserver",
	"cloud hypervisor", "firecracker", "virtual machine",
}

// virtualization checks that the runner is not a virtual machine, from DMI and from the
// CPU's hypervisor flag.
func virtualization(fsys fs.FS) Finding {
	const name, want = "virtual machine", "no (bare metal)"
	vendor, _ := readLine(fsys, "sys/class/dmi/id/sys_vendor")
	product, _ := readLine(fsys, "sys/class/dmi/id/product_name")
	machine := strings.TrimSpace(vendor + " " + product)
	vm := Finding{Name: name, Status: Warn, Want: want,
		Why: "a virtual machine shares its host: other guests and the hypervisor take CPU time, caches and memory bandwidth",
		Fix: "measure on a dedicated physical machine"}
	switch {
	case isVM(vendor, product):
		vm.Value = "yes: " + machine
		return vm
	case hypervisorFlag(fsys):
		vm.Value = "yes: the CPU reports a hypervisor"
		return vm
	case machine != "":
		return Finding{Name: name, Status: OK, Value: "no: " + machine, Want: want}
	}
	return unknown(name, want, "no DMI information (a container?)")
}

func isVM(vendor, product string) bool {
	name := strings.ToLower(vendor + " " + product)
	if strings.Contains(name, ".metal") {
		return false // a cloud's bare-metal instance (EC2 "c5.metal")
	}
	for _, h := range hypervisors {
		if strings.Contains(name, h) {
			return true
		}
	}
	return false
}

// hypervisorFlag reports whether the CPUs carry the "hypervisor" flag.
func hypervisorFlag(fsys fs.FS) bool {
	proc, err := fs.Sub(fsys, "proc")
	return err == nil && procfs.FS{FS: proc}.CPUs().Hypervisor
}
