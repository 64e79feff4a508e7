package pg

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// confFile is the file, next to postgresql.conf, that holds the caller's settings.
const confFile = "stackgate.conf"

// managedSettings are set by stackgate on the server's command line (which wins over any
// file), so a suite may not set them.
var managedSettings = []string{
	"port", "listen_addresses", "unix_socket_directories", "logging_collector", "log_destination",
	"data_directory", "config_file", "hba_file", "ident_file",
}

var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// checkSettings rejects names that are not setting names, settings stackgate manages and
// values that cannot be written to postgresql.conf.
func checkSettings(settings map[string]string) error {
	for name, value := range settings {
		switch {
		case !settingName.MatchString(name):
			return fmt.Errorf("postgresql setting %q: not a valid setting name", name)
		case slices.Contains(managedSettings, strings.ToLower(name)):
			return fmt.Errorf("postgresql setting %q is managed by stackgate and cannot be set", name)
		case strings.ContainsAny(value, "\n\r"):
			return fmt.Errorf("postgresql setting %q: the value contains a line break", name)
		}
	}
	return nil
}

// confText renders settings as postgresql.conf lines, sorted by name so the file is
// reproducible.
func confText(settings map[string]string) string {
	var b strings.Builder
	b.WriteString("# Written by stackgate: the suite's PostgreSQL settings.\n")
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		fmt.Fprintf(&b, "%s = %s\n", name, quoteConfValue(settings[name]))
	}
	return b.String()
}

// quoteConfValue quotes a value for postgresql.conf, where backslashes are escapes and a
// quote is doubled.
func quoteConfValue(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `'`, `''`)
	return "'" + v + "'"
}

// writeSettings writes the caller's settings next to postgresql.conf and includes them.
func writeSettings(dataDir string, settings map[string]string, owner account) error {
	path := filepath.Join(dataDir, confFile)
	if err := os.WriteFile(path, []byte(confText(settings)), 0o600); err != nil {
		return fmt.Errorf("writing postgresql settings: %w", err)
	}
	if err := giveTo(path, owner); err != nil {
		return err
	}
	main, err := os.OpenFile(filepath.Join(dataDir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("including postgresql settings: %w", err)
	}
	_, err = fmt.Fprintf(main, "\n# Added by stackgate.\ninclude '%s'\n", confFile)
	if cerr := main.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("including postgresql settings: %w", err)
	}
	return nil
}
