package config

import "fmt"

// Machine answers what a suite needs of the machine that runs it. Parsing stays a function
// of the file alone; CheckMachine asks these questions before anything starts.
type Machine interface {
	// CheckCPUs is nil when stackgate may pin processes to every CPU listed.
	CheckCPUs(cpus []int) error
	// CheckPartition is nil when CPUs stackgate may use remain besides those listed.
	CheckPartition(loadCPUs []int) error
	// CheckUser is nil when stackgate can run a process as the named user.
	CheckUser(name string) error
	// IsRoot reports whether stackgate runs as root.
	IsRoot() bool
}

// CheckMachine checks the settings that depend on the machine — CPUs it must have, users
// that must exist, root for [hosts] — so that `validate` finds them, and `run` before the
// build, PostgreSQL and the setup steps. Problems are an *Error naming file and line, as
// Parse's are.
func (s *Suite) CheckMachine(m Machine) error {
	ps := &problems{lines: s.lines}
	if len(s.Hosts) > 0 && !m.IsRoot() {
		ps.add("hosts", "mapping host names needs root: stackgate gives the stack's processes "+
			"a private /etc/hosts in a mount namespace of their own. Run stackgate as root, or remove "+
			"[hosts] and pass the addresses to the app instead (e.g. env = { DB_HOST = \"{host:pool}\" })")
	}
	if err := m.CheckCPUs(s.Load.CPUs); err != nil {
		ps.add("load.cpus", "%v", err)
	} else if len(s.Load.CPUs) > 0 {
		if err := m.CheckPartition(s.Load.CPUs); err != nil {
			ps.add("load.cpus", "%v", err)
		}
	}
	for i, p := range s.Processes {
		at := fmt.Sprintf("process[%d]", i)
		if p.User != "" {
			if err := m.CheckUser(p.User); err != nil {
				ps.add(at+".user", "%v", err)
			}
		}
		if err := m.CheckCPUs(p.CPUs); err != nil {
			ps.add(at+".cpus", "%v", err)
		}
	}
	return ps.err(s.name)
}
