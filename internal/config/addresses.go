package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// hostNamePattern is a DNS host name (RFC 1123): labels of letters, digits and '-'.
var hostNamePattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// ListenAddr is the fixed address process p listens on, "ip:port" with the host name of
// [hosts] resolved; "" when p has none (stackgate then gives it a free loopback port).
// Valid only for a suite that passed validation.
func (s *Suite) ListenAddr(p Process) string {
	addr, _ := s.resolveListen(p.Listen)
	return addr
}

// resolveListen turns a listen setting into "ip:port", or says what is wrong with it.
func (s *Suite) resolveListen(listen string) (string, error) {
	if listen == "" {
		return "", nil
	}
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("%q: write a loopback address and a port, e.g. \"127.0.0.2:5432\" or \"[::1]:8080\"", listen)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", fmt.Errorf("%q: the port must be a number from 1 to 65535", listen)
	}
	ip, ok := s.Hosts[host]
	if !ok {
		ip = host
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.IsLoopback() {
		return "", fmt.Errorf("%q: listen on a loopback address (127.0.0.1 to 127.255.255.254, or ::1) or a name mapped in [hosts]: the load and the stack stay on this machine", listen)
	}
	return net.JoinHostPort(a.Unmap().String(), portText), nil
}

// validateHosts checks that every name maps to a loopback address.
func validateHosts(ps *problems, hosts map[string]string) {
	for _, name := range sortedKeys(hosts) {
		at := "hosts." + name
		switch {
		case !hostNamePattern.MatchString(name) || len(name) > 253:
			ps.add(at, "%q is not a host name: use letters, digits, '-' and '.'", name)
		case strings.EqualFold(name, "localhost"):
			ps.add(at, "localhost always means this machine; map another name")
		}
		if a, err := netip.ParseAddr(hosts[name]); err != nil || !a.IsLoopback() {
			ps.add(at, "%q: map the name to a loopback address (127.0.0.1 to 127.255.255.254, or ::1): the stack stays on this machine", hosts[name])
		}
	}
}

// validateListen checks every process's fixed address; no two processes may share one.
func validateListen(ps *problems, s *Suite) {
	owner := map[string]string{}
	for i, p := range s.Processes {
		addr, err := s.resolveListen(p.Listen)
		at := fmt.Sprintf("process[%d].listen", i)
		switch {
		case err != nil:
			ps.add(at, "%v", err)
		case addr == "":
		case owner[addr] != "":
			ps.add(at, "%s is already the address of process %q: each process listens on its own", addr, owner[addr])
		default:
			owner[addr] = p.Name
		}
	}
}
