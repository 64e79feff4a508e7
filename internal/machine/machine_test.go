package machine

import (
	"testing"
	"testing/fstest"
)

func TestFingerprint(t *testing.T) {
	cases := []struct {
		name  string
		files fstest.MapFS
		model string
		cpus  int
		mem   uint64
		turbo string
		gov   string
	}{
		{
			name: "bare metal intel",
			files: fstest.MapFS{
				"proc/cpuinfo": {Data: []byte("processor\t: 0\nmodel name\t: Xeon X\n\nprocessor\t: 1\nmodel name\t: Xeon X\n")},
				"proc/meminfo": {Data: []byte("MemTotal:       24576000 kB\nMemFree: 1 kB\n")},
				"sys/devices/system/cpu/intel_pstate/no_turbo":         {Data: []byte("1\n")},
				"sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": {Data: []byte("performance\n")},
			},
			model: "Xeon X", cpus: 2, mem: 24576000 * 1024, turbo: "off", gov: "performance",
		},
		{
			name: "acpi boost",
			files: fstest.MapFS{
				"proc/cpuinfo":                         {Data: []byte("processor: 0\nmodel name: EPYC\n")},
				"sys/devices/system/cpu/cpufreq/boost": {Data: []byte("1\n")},
			},
			model: "EPYC", cpus: 1, turbo: "on", gov: Unknown,
		},
		{
			name:  "container without /sys",
			files: fstest.MapFS{"proc/cpuinfo": {Data: []byte("processor: 0\nprocessor: 1\nprocessor: 2\n")}},
			model: Unknown, cpus: 3, turbo: Unknown, gov: Unknown,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fp := Fingerprint(c.files, "bench-1")
			if fp.CPUModel != c.model || fp.LogicalCPUs != c.cpus || fp.MemoryBytes != c.mem ||
				fp.Turbo != c.turbo || fp.Governor != c.gov || fp.Runner != "bench-1" {
				t.Errorf("got %+v", fp)
			}
			if fp.SMT != Unknown || fp.Kernel != Unknown {
				t.Errorf("missing files must read as unknown: %+v", fp)
			}
		})
	}
}
