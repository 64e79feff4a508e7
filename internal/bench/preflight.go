package bench

import (
	"os"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/cpuset"
	"github.com/stackgate/stackgate/internal/stack"
)

// Preflight checks the suite against this machine — the CPUs it pins to, the users it runs
// as, root for [hosts] — before anything is built or started. Problems are a
// *config.Error naming the lines.
func Preflight(s *config.Suite) error { return s.CheckMachine(thisMachine{}) }

// thisMachine answers config.Machine's questions about the machine stackgate runs on.
type thisMachine struct{}

func (thisMachine) CheckCPUs(cpus []int) error { return cpuset.Check(cpus) }
func (thisMachine) CheckPartition(loadCPUs []int) error {
	_, err := cpuset.Rest(loadCPUs)
	return err
}
func (thisMachine) CheckUser(name string) error { return stack.CheckUser(name) }
func (thisMachine) IsRoot() bool                { return os.Geteuid() == 0 }

var _ config.Machine = thisMachine{}
