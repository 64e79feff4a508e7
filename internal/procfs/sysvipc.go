package procfs

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Segment is a System V shared memory segment, as /proc/sysvipc/shm lists it.
type Segment struct {
	Key     int64 // the key it was created with (PostgreSQL's is in postmaster.pid)
	ID      int   // shmid, what shmctl takes
	Creator int   // pid of the process that created it
	Attach  int   // processes attached now
	UID     int   // owner
}

var errSegments = errors.New("malformed /proc/sysvipc/shm")

// Segments lists the System V shared memory segments of the machine (of its IPC
// namespace).
func (p FS) Segments() ([]Segment, error) {
	data, err := fs.ReadFile(p.FS, "sysvipc/shm")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	column := map[string]int{}
	for i, name := range strings.Fields(lines[0]) {
		column[name] = i
	}
	for _, name := range []string{"key", "shmid", "cpid", "nattch", "uid"} {
		if _, ok := column[name]; !ok {
			return nil, fmt.Errorf("%w: no %s column", errSegments, name)
		}
	}
	var segs []Segment
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < len(column) {
			return nil, fmt.Errorf("%w: %q", errSegments, line)
		}
		num := func(name string) int64 {
			v, e := strconv.ParseInt(f[column[name]], 10, 64)
			if e != nil {
				err = e
			}
			return v
		}
		s := Segment{Key: num("key"), ID: int(num("shmid")), Creator: int(num("cpid")), Attach: int(num("nattch")), UID: int(num("uid"))}
		if err != nil {
			return nil, fmt.Errorf("%w: %q", errSegments, line)
		}
		segs = append(segs, s)
	}
	return segs, nil
}
