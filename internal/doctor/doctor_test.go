package doctor

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stackgate/stackgate/internal/config"
)

// file makes a fake file.
func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// procStat is a /proc/stat of cpus CPUs whose counters add up to total ticks, steal of them
// stolen.
func procStat(cpus int, total, steal uint64) *fstest.MapFile {
	user := total / 4
	idle := total - user - steal
	s := fmt.Sprintf("cpu  %d 0 0 %d 0 0 0 %d 0 0\n", user, idle, steal)
	for c := range cpus {
		s += fmt.Sprintf("cpu%d %d 0 0 %d 0 0 0 %d 0 0\n", c, user/uint64(cpus), idle/uint64(cpus), steal/uint64(cpus))
	}
	return file(s + "intr 0\nctxt 0\n")
}

// pidStat is a /proc/<pid>/stat of a process that used ticks of CPU (utime + stime).
func pidStat(pid int, comm string, ticks uint64) *fstest.MapFile {
	return file(fmt.Sprintf("%d (%s) S 1 1 1 0 -1 4194560 0 0 0 0 %d %d 0 0 20 0 1 0 100 0 0\n", pid, comm, ticks-ticks/2, ticks/2))
}

// healthy is a 2-CPU bare-metal runner tuned for benchmarking.
func healthy() fstest.MapFS {
	return fstest.MapFS{
		"proc/stat":                             procStat(2, 100000, 0),
		"proc/cpuinfo":                          file("processor\t: 0\nflags\t: fpu sse2\n\nprocessor\t: 1\nflags\t: fpu sse2\n"),
		"proc/loadavg":                          file("0.12 0.20 0.25 1/120 4242\n"),
		"proc/meminfo":                          file("MemTotal:       16384000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"),
		"proc/vmstat":                           file("nr_free_pages 1\npswpin 0\npswpout 0\n"),
		"proc/sys/net/core/somaxconn":           file("4096\n"),
		"proc/sys/net/ipv4/tcp_max_syn_backlog": file("4096\n"),
		"proc/sys/net/ipv4/ip_local_port_range": file("32768\t60999\n"),
		"proc/1/stat":                           pidStat(1, "systemd", 500),
		"proc/4242/stat":                        pidStat(4242, "stackgate", 10),
		"sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": file("performance\n"),
		"sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": file("performance\n"),
		"sys/devices/system/cpu/intel_pstate/no_turbo":         file("1\n"),
		"sys/devices/system/cpu/smt/control":                   file("off\n"),
		"sys/class/dmi/id/sys_vendor":                          file("Dell Inc.\n"),
		"sys/class/dmi/id/product_name":                        file("PowerEdge R640\n"),
	}
}

// pinnedSuite pins its one process to CPU 1 of 2.
func pinnedSuite() *config.Suite {
	return &config.Suite{File: "stackgate.toml", Load: config.Load{Connections: 32},
		Processes: []config.Process{{Name: "app", CPUs: []int{1}}}}
}

func enoughFiles() (Limit, error) { return Limit{Soft: 65536, Hard: 65536}, nil }

// advance is a Wait that moves the clock of tree by 1 s (100 ticks per CPU on 2 CPUs).
func advance(tree fstest.MapFS) func() {
	return func() { tree["proc/stat"] = procStat(2, 100200, 0) }
}

func healthyOptions(tree fstest.MapFS) Options {
	return Options{Suite: pinnedSuite(), OpenFiles: enoughFiles, Wait: advance(tree), Self: 4242}
}

func find(t *testing.T, findings []Finding, name string) Finding {
	t.Helper()
	for _, f := range findings {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no finding %q in %+v", name, findings)
	return Finding{}
}

func TestHealthyRunnerIsAllOK(t *testing.T) {
	tree := healthy()
	findings := Check(tree, healthyOptions(tree))
	if len(findings) != 13 {
		t.Errorf("%d findings, want 13", len(findings))
	}
	for _, f := range findings {
		if f.Status != OK {
			t.Errorf("%s: %s (%s), want ok", f.Name, f.Status, f.Value)
		}
		if f.Want == "" || f.Value == "" {
			t.Errorf("%s: value %q, want %q: both must be set", f.Name, f.Value, f.Want)
		}
	}
	if len(Invalidating(findings)) != 0 {
		t.Errorf("a healthy runner has nothing invalidating")
	}
}

// TestMissingFilesAreUnknown: a container without /proc and /sys, nothing injected.
func TestMissingFilesAreUnknown(t *testing.T) {
	findings := Check(fstest.MapFS{}, Options{Wait: func() {}})
	for _, f := range findings {
		if f.Status != Unknown {
			t.Errorf("%s: %s (%s), want unknown", f.Name, f.Status, f.Value)
		}
		if f.Fix != "" {
			t.Errorf("%s: an unknown finding has nothing to fix, got %q", f.Name, f.Fix)
		}
	}
}

// finding is one case of TestFindings: a change to the healthy runner and the finding it
// must produce.
type finding struct {
	name   string
	change func(tree fstest.MapFS, opt *Options)
	check  string // the finding's name
	status Status
	value  string // a substring of its value
	fix    string // a substring of its fix
}

var findingCases = []finding{
	// cpu governor
	{"powersave scales the frequency", func(tree fstest.MapFS, _ *Options) {
		tree["sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"] = file("powersave\n")
		tree["sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"] = file("powersave\n")
	}, "cpu governor", Bad, "powersave", "cpupower frequency-set -g performance"},
	{"one CPU on ondemand", func(tree fstest.MapFS, _ *Options) {
		tree["sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"] = file("ondemand\n")
	}, "cpu governor", Bad, "ondemand on cpus 1, performance on cpus 0", "performance"},
	{"a fixed frequency cannot scale", func(tree fstest.MapFS, _ *Options) {
		for _, c := range []string{"cpu0", "cpu1"} {
			tree["sys/devices/system/cpu/"+c+"/cpufreq/scaling_governor"] = file("powersave\n")
			tree["sys/devices/system/cpu/"+c+"/cpufreq/scaling_min_freq"] = file("2400000\n")
			tree["sys/devices/system/cpu/"+c+"/cpufreq/scaling_max_freq"] = file("2400000\n")
		}
	}, "cpu governor", OK, "nothing to scale", ""},
	{"no cpufreq", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
		delete(tree, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor")
	}, "cpu governor", Unknown, "no cpufreq", ""},

	// turbo
	{"intel turbo on", func(tree fstest.MapFS, _ *Options) {
		tree["sys/devices/system/cpu/intel_pstate/no_turbo"] = file("0\n")
	}, "turbo", Warn, "on (intel_pstate)", "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"},
	{"acpi boost on", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/devices/system/cpu/intel_pstate/no_turbo")
		tree["sys/devices/system/cpu/cpufreq/boost"] = file("1\n")
	}, "turbo", Warn, "on (cpufreq boost)", "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost"},
	{"acpi boost off", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/devices/system/cpu/intel_pstate/no_turbo")
		tree["sys/devices/system/cpu/cpufreq/boost"] = file("0\n")
	}, "turbo", OK, "off", ""},
	{"no turbo control", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/devices/system/cpu/intel_pstate/no_turbo")
	}, "turbo", Unknown, "no intel_pstate", ""},

	// smt
	{"smt on", func(tree fstest.MapFS, _ *Options) {
		tree["sys/devices/system/cpu/smt/control"] = file("on\n")
	}, "smt", Warn, "on", "echo off | sudo tee /sys/devices/system/cpu/smt/control"},
	{"smt not supported", func(tree fstest.MapFS, _ *Options) {
		tree["sys/devices/system/cpu/smt/control"] = file("notsupported\n")
	}, "smt", OK, "not supported", ""},
	{"no smt control", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/devices/system/cpu/smt/control")
	}, "smt", Unknown, "no smt/control", ""},

	// load average
	{"load of half the CPUs", func(tree fstest.MapFS, _ *Options) {
		tree["proc/loadavg"] = file("1.00 0.50 0.20 2/120 4242\n")
	}, "load average", Warn, "1.00 (1 minute) on 2 CPUs", "top"},
	{"load of every CPU", func(tree fstest.MapFS, _ *Options) {
		tree["proc/loadavg"] = file("2.50 2.00 1.00 4/120 4242\n")
	}, "load average", Bad, "2.50", "top"},
	{"CPUs counted from cpuinfo", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = file("intr 0\n")
		opt.Wait = func() {}
		tree["proc/cpuinfo"] = file("processor: 0\nprocessor: 1\nprocessor: 2\nprocessor: 3\n")
		tree["proc/loadavg"] = file("3.00 2.00 1.00 4/120 4242\n")
	}, "load average", Warn, "on 4 CPUs", ""},
	{"no loadavg", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "proc/loadavg")
	}, "load average", Unknown, "no /proc/loadavg", ""},

	// busy processes: 100 ticks per CPU pass between the samples
	{"a foreign process at 80 % of a CPU", func(tree fstest.MapFS, opt *Options) {
		tree["proc/777/stat"] = pidStat(777, "backup job", 1000)
		opt.Wait = func() {
			advance(tree)()
			tree["proc/777/stat"] = pidStat(777, "backup job", 1080)
		}
	}, "busy processes", Bad, "backup job (pid 777) 80 %", "kill -STOP 777"},
	{"a foreign process at 20 %, one at 5 %", func(tree fstest.MapFS, opt *Options) {
		tree["proc/777/stat"] = pidStat(777, "updatedb", 1000)
		tree["proc/778/stat"] = pidStat(778, "sshd", 1000)
		opt.Wait = func() {
			advance(tree)()
			tree["proc/777/stat"] = pidStat(777, "updatedb", 1020)
			tree["proc/778/stat"] = pidStat(778, "sshd", 1005)
		}
	}, "busy processes", Warn, "updatedb (pid 777) 20 %", "kill -STOP 777;"},
	{"stackgate itself does not count", func(tree fstest.MapFS, opt *Options) {
		opt.Wait = func() {
			advance(tree)()
			tree["proc/4242/stat"] = pidStat(4242, "stackgate", 190)
		}
	}, "busy processes", OK, "none", ""},
	{"four busy processes", func(tree fstest.MapFS, opt *Options) {
		for pid := 800; pid < 804; pid++ {
			tree[fmt.Sprintf("proc/%d/stat", pid)] = pidStat(pid, "worker", 0)
		}
		opt.Wait = func() {
			advance(tree)()
			for pid := 800; pid < 804; pid++ {
				tree[fmt.Sprintf("proc/%d/stat", pid)] = pidStat(pid, "worker", uint64(pid-790))
			}
		}
	}, "busy processes", Warn, "worker (pid 803) 13 %, worker (pid 802) 12 %, worker (pid 801) 11 %, and 1 more", "kill -STOP 803 802 801 800"},
	{"the clock did not advance", func(_ fstest.MapFS, opt *Options) {
		opt.Wait = func() {}
	}, "busy processes", Unknown, "did not advance", ""},
	{"no processes", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "proc/1/stat")
		delete(tree, "proc/4242/stat")
	}, "busy processes", Unknown, "cannot read /proc", ""},

	// swap
	{"swap configured, unused", func(tree fstest.MapFS, _ *Options) {
		tree["proc/meminfo"] = file("SwapTotal:  4194304 kB\nSwapFree:   4194304 kB\n")
	}, "swap", OK, "0 B in use of 4.0 GiB", ""},
	{"swap in use, quiet", func(tree fstest.MapFS, _ *Options) {
		tree["proc/meminfo"] = file("SwapTotal:  4194304 kB\nSwapFree:   4063232 kB\n")
		tree["proc/vmstat"] = file("pswpin 100\npswpout 3000\n")
	}, "swap", Warn, "128.0 MiB in use of 4.0 GiB", "sudo swapoff -a && sudo swapon -a"},
	{"swapping during the check", func(tree fstest.MapFS, opt *Options) {
		tree["proc/meminfo"] = file("SwapTotal:  4194304 kB\nSwapFree:   4063232 kB\n")
		tree["proc/vmstat"] = file("pswpin 100\npswpout 3000\n")
		opt.Wait = func() {
			advance(tree)()
			tree["proc/vmstat"] = file("pswpin 150\npswpout 3020\n")
		}
	}, "swap", Bad, "70 pages swapped during the check", "sudo swapoff -a"},
	{"no meminfo", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "proc/meminfo")
	}, "swap", Unknown, "no swap lines", ""},

	// open files
	{"the default 1024", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{Soft: 1024, Hard: 1048576}, nil }
	}, "open files", Warn, "soft 1024, hard 1048576", "ulimit -n 65536"},
	{"fewer than the suite's connections need", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{Soft: 1024, Hard: 4096}, nil }
		opt.Suite.Scenarios = []config.Scenario{{Name: "many", Connections: 1000}}
	}, "open files", Bad, "soft 1024, hard 4096", "ulimit -n 4096; for more, raise the hard limit"},
	{"soft = hard, below the minimum", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{Soft: 2048, Hard: 2048}, nil }
	}, "open files", Warn, "soft 2048, hard 2048", "raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for a service), then ulimit -n 65536"},
	{"plenty, if not the recommended", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{Soft: 20000, Hard: 20000}, nil }
	}, "open files", OK, "soft 20000", ""},
	{"unlimited", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{Soft: Unlimited, Hard: Unlimited}, nil }
	}, "open files", OK, "soft unlimited, hard unlimited", ""},
	{"limit unreadable", func(_ fstest.MapFS, opt *Options) {
		opt.OpenFiles = func() (Limit, error) { return Limit{}, errors.New("reading the open-file limit: no sh") }
	}, "open files", Unknown, "no sh", ""},

	// network
	{"small listen queue", func(tree fstest.MapFS, _ *Options) {
		tree["proc/sys/net/core/somaxconn"] = file("128\n")
	}, "net.core.somaxconn", Warn, "128", "sudo sysctl -w net.core.somaxconn=4096"},
	{"no somaxconn", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "proc/sys/net/core/somaxconn")
	}, "net.core.somaxconn", Unknown, "not readable", ""},
	{"small syn backlog", func(tree fstest.MapFS, _ *Options) {
		tree["proc/sys/net/ipv4/tcp_max_syn_backlog"] = file("512\n")
	}, "net.ipv4.tcp_max_syn_backlog", Warn, "512", "sudo sysctl -w net.ipv4.tcp_max_syn_backlog=4096"},
	{"no syn backlog", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "proc/sys/net/ipv4/tcp_max_syn_backlog")
	}, "net.ipv4.tcp_max_syn_backlog", Unknown, "not readable", ""},
	{"narrow port range", func(tree fstest.MapFS, _ *Options) {
		tree["proc/sys/net/ipv4/ip_local_port_range"] = file("50000\t51000\n")
	}, "net.ipv4.ip_local_port_range", Warn, "50000-51000 (1001 ports)", `sudo sysctl -w net.ipv4.ip_local_port_range="10000 65535"`},
	{"garbled port range", func(tree fstest.MapFS, _ *Options) {
		tree["proc/sys/net/ipv4/ip_local_port_range"] = file("many\n")
	}, "net.ipv4.ip_local_port_range", Unknown, "not readable", ""},

	// pinning
	{"no suite", func(_ fstest.MapFS, opt *Options) {
		opt.Suite = nil
	}, "cpu pinning", Unknown, "no suite file", ""},
	{"processes without cpus", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = procStat(4, 100000, 0)
		opt.Wait = func() { tree["proc/stat"] = procStat(4, 100100, 0) }
		opt.Suite.Processes = append(opt.Suite.Processes, config.Process{Name: "worker"}, config.Process{Name: "pgbouncer"})
	}, "cpu pinning", Warn, "worker, pgbouncer not pinned: share the CPUs with the load generator", "add cpus = [0] under [load] in stackgate.toml"},
	{"partitioned by load.cpus", func(_ fstest.MapFS, opt *Options) {
		opt.Suite.Processes = append(opt.Suite.Processes, config.Process{Name: "worker"})
		opt.Suite.Load.CPUs = []int{0}
	}, "cpu pinning", OK, "load generator on cpus 0; the stack and PostgreSQL on the rest (app on cpus 1)", ""},
	{"2 CPUs shared", func(_ fstest.MapFS, opt *Options) {
		opt.Suite.Processes = append(opt.Suite.Processes, config.Process{Name: "worker"})
	}, "cpu pinning", OK, "not partitioned: on 2 CPUs a partition would leave the stack one CPU", ""},
	{"the stack takes every CPU", func(_ fstest.MapFS, opt *Options) {
		opt.Suite.Processes[0].CPUs = []int{1, 0}
	}, "cpu pinning", Warn, "app on cpus 0-1: no CPU left", "leave at least one CPU out"},
	{"one CPU", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = procStat(1, 100000, 0)
		opt.Wait = func() { tree["proc/stat"] = procStat(1, 100100, 0) }
	}, "cpu pinning", Warn, "one CPU", "at least 2 CPUs"},

	// virtual machine
	{"KVM by DMI", func(tree fstest.MapFS, _ *Options) {
		tree["sys/class/dmi/id/sys_vendor"] = file("QEMU\n")
		tree["sys/class/dmi/id/product_name"] = file("Standard PC (Q35 + ICH9, 2009)\n")
	}, "virtual machine", Warn, "yes: QEMU Standard PC", "dedicated physical machine"},
	{"a cloud's bare-metal instance", func(tree fstest.MapFS, _ *Options) {
		tree["sys/class/dmi/id/sys_vendor"] = file("Amazon EC2\n")
		tree["sys/class/dmi/id/product_name"] = file("c5.metal\n")
	}, "virtual machine", OK, "no: Amazon EC2 c5.metal", ""},
	{"hypervisor flag without DMI", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/class/dmi/id/sys_vendor")
		delete(tree, "sys/class/dmi/id/product_name")
		tree["proc/cpuinfo"] = file("processor: 0\nflags: fpu sse2 hypervisor\n")
	}, "virtual machine", Warn, "the CPU reports a hypervisor", "dedicated physical machine"},
	{"no DMI", func(tree fstest.MapFS, _ *Options) {
		delete(tree, "sys/class/dmi/id/sys_vendor")
		delete(tree, "sys/class/dmi/id/product_name")
	}, "virtual machine", Unknown, "no DMI", ""},

	// steal time
	{"stolen during the check", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = procStat(2, 100000, 500)
		opt.Wait = func() { tree["proc/stat"] = procStat(2, 100200, 510) }
	}, "steal time", Bad, "5.0 % during the check, 0.5 % since boot", "dedicated physical machine"},
	{"stolen before the check only", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = procStat(2, 100000, 500)
		opt.Wait = func() { tree["proc/stat"] = procStat(2, 100200, 500) }
	}, "steal time", Warn, "0 % during the check, 0.5 % since boot", ""},
	{"an old kernel without steal", func(tree fstest.MapFS, opt *Options) {
		tree["proc/stat"] = file("cpu  100 0 100 1000 0 0 0\ncpu0 100 0 100 1000 0 0 0\n")
		opt.Wait = func() {}
	}, "steal time", Unknown, "no steal column", ""},
}

// TestFindings changes one thing of a healthy runner at a time and checks the finding.
func TestFindings(t *testing.T) {
	for _, c := range findingCases {
		t.Run(c.name, func(t *testing.T) {
			tree := healthy()
			opt := healthyOptions(tree)
			c.change(tree, &opt)
			f := find(t, Check(tree, opt), c.check)
			if f.Status != c.status || !strings.Contains(f.Value, c.value) {
				t.Errorf("got %s %q, want %s containing %q", f.Status, f.Value, c.status, c.value)
			}
			if !strings.Contains(f.Fix, c.fix) {
				t.Errorf("fix %q, want it to contain %q", f.Fix, c.fix)
			}
			if (f.Status == Bad || f.Status == Warn) && (f.Why == "" || f.Fix == "") {
				t.Errorf("a %s finding must say why and how to fix it: %+v", f.Status, f)
			}
			if got := len(Invalidating([]Finding{f})) == 1; got != (c.status == Bad) {
				t.Errorf("Invalidating: %v for a %s finding", got, f.Status)
			}
		})
	}
}

func TestChildOpenFilesIsWhatAChildGets(t *testing.T) {
	lim, err := ChildOpenFiles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if lim.Soft == 0 || lim.Soft > lim.Hard {
		t.Errorf("limit %+v: want 0 < soft ≤ hard", lim)
	}
}
