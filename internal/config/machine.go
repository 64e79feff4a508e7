package config

import "fmt"

// Machine answers what a suite needs of the machine that runs it. Parsing stays a function
// of the file alone; CheckMachine asks these questions before anything starts.
type Machine interface {
	// CheckCPUs is nil when stackgate may pin processes to every CPU listed.
	CheckCPUs(cpus []int) error
	// CheckUser is nil when stackgate can run a process as the named user.
	CheckUser(name string) error
}

// CheckMachine checks the settings that depend on the machine — CPUs it must have, users
// that must exist — so that `validate` finds them, and `run` before the
// build, PostgreSQL and the setup steps. Problems are an *Error naming file and line, as
// Parse's are.
func (s *Suite) CheckMachine(m Machine) error {
	ps := &problems{lines: s.lines}
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
