package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input makes the config parser panic; every rejection is an *Error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	if data, err := os.ReadFile(filepath.Join("..", "..", "stackgate.toml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("[[scenario]]\n[scenario.expect]\nstatus = 1\n[[scenario]]\nexpect = {status = 2}\n"))
	for _, src := range []string{templatesSuite, addressesSuite, fixedSuite} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.toml", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = s.Definition().Hash()
		for _, p := range s.Processes {
			_ = s.ListenAddr(p)
		}
		if err := s.CheckMachine(fakeMachine{}); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("machine check error of type %T: %v", err, err)
			}
		}
	})
}
