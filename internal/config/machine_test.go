package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fakeMachine has CPUs 0 and 1 and the users root and postgres, and runs stackgate as root
// or not.
type fakeMachine struct{ root bool }

func (fakeMachine) CheckCPUs(cpus []int) error {
	for _, c := range cpus {
		if c > 1 {
			return errors.New("CPU " + string(rune('0'+c)) + " is not available")
		}
	}
	return nil
}

func (fakeMachine) CheckPartition(loadCPUs []int) error {
	if slices.Contains(loadCPUs, 0) && slices.Contains(loadCPUs, 1) {
		return errors.New("CPUs 0-1 are all of the CPUs stackgate may use: leave at least one to the stack and PostgreSQL")
	}
	return nil
}

func (fakeMachine) CheckUser(name string) error {
	if name != "root" && name != "postgres" {
		return errors.New("user " + name + " does not exist")
	}
	return nil
}

func (m fakeMachine) IsRoot() bool { return m.root }

// CheckMachine reports what the machine lacks on the line of the setting, once parsing
// succeeded: users that do not exist, CPUs it does not have, [hosts] without root (naming
// the alternative).
func TestCheckMachine(t *testing.T) {
	good := mustParse(t, strings.Replace(minimal, `ready = { http = "/healthz" }`, "ready = { http = \"/healthz\" }\nuser = \"postgres\"\ncpus = [0, 1]", 1))
	if err := good.CheckMachine(fakeMachine{}); err != nil {
		t.Fatalf("a suite this machine can run: %v", err)
	}
	bad := mustParse(t, strings.Replace(minimal, `ready = { http = "/healthz" }`, "ready = { http = \"/healthz\" }\nuser = \"nobody-here\"\ncpus = [0, 3]", 1))
	err := bad.CheckMachine(fakeMachine{})
	var cfg *Error
	if !errors.As(err, &cfg) {
		t.Fatalf("error %T %v, want *config.Error", err, err)
	}
	golden(t, "testdata/errors/machine.golden", err.Error()+"\n")

	partitioned := mustParse(t, strings.Replace(minimal, "rate = 100", "rate = 100\ncpus = [0]", 1))
	if err := partitioned.CheckMachine(fakeMachine{}); err != nil {
		t.Errorf("load.cpus leaving CPU 1 to the stack: %v", err)
	}
	for _, cpus := range []string{"[0, 1]", "[2]"} {
		all := mustParse(t, strings.Replace(minimal, "rate = 100", "rate = 100\ncpus = "+cpus, 1))
		err := all.CheckMachine(fakeMachine{})
		golden(t, "testdata/errors/machine-load-cpus-"+strings.Trim(strings.ReplaceAll(cpus, ", ", "-"), "[]")+".golden", fmt.Sprint(err)+"\n")
	}

	fixed := mustParse(t, fixedSuite)
	if err := fixed.CheckMachine(fakeMachine{root: true}); err != nil {
		t.Errorf("[hosts] as root: %v", err)
	}
	err = fixed.CheckMachine(fakeMachine{root: false})
	if err == nil || !strings.Contains(err.Error(), "stackgate.toml:2: hosts: mapping host names needs root") ||
		!strings.Contains(err.Error(), "{host:pool}") {
		t.Errorf("[hosts] without root: %v", err)
	}
}
