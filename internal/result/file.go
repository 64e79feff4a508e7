package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Write stores r as indented JSON at path, atomically.
func Write(path string, r *Result) error {
	r.Schema = Schema
	return WriteJSON(path, r)
}

// Read loads a result file, refusing files of another schema and files with impossible
// values (see Check) with a message that names the file.
func Read(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return Decode(path, data)
}

// Decode is Read for data already read; path names the data in messages.
func Decode(path string, data []byte) (*Result, error) {
	var r Result
	if err := DecodeJSON(path, data, Schema, &r); err != nil {
		return nil, err
	}
	if err := r.Check(); err != nil {
		return nil, &FileError{Path: path, Err: fmt.Errorf("%w; the file was edited by hand or is damaged: write it again", err)}
	}
	return &r, nil
}

// WriteJSON writes v as indented JSON to path atomically: a temporary file in the same
// directory is written, synced and renamed over path, and the directory is synced. Readers
// see the old file or the new one, never a mix; a failure leaves the old file untouched.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}

// WriteFileAtomic writes data to path with the temp-file, fsync, rename, fsync-dir dance.
func WriteFileAtomic(path string, data []byte) error {
	p, err := Prepare(path, data)
	if err != nil {
		return err
	}
	return p.Commit()
}

// Prepared is a file written in full and synced under a temporary name beside its path,
// waiting to replace it. Files that belong together are all prepared before any is
// committed, so that a full disk fails before any old file is replaced.
type Prepared struct {
	tmp, path string
}

// Prepare writes data to a temporary file beside path and syncs it; nothing at path
// changes until Commit. On failure nothing is left behind.
func Prepare(path string, data []byte) (_ *Prepared, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &Prepared{tmp: tmp.Name(), path: path}, nil
}

// Commit renames the prepared file over its path and syncs the directory.
func (p *Prepared) Commit() error {
	if err := os.Rename(p.tmp, p.path); err != nil {
		p.Discard()
		return fmt.Errorf("writing %s: %w", p.path, err)
	}
	return syncDir(filepath.Dir(p.path))
}

// Discard removes a prepared file that will not be committed.
func (p *Prepared) Discard() { os.Remove(p.tmp) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// FileError is a file stackgate cannot use: unreadable, not JSON, or of an unknown schema.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ErrSchema reports a file of a schema this version cannot read.
var ErrSchema = errors.New("unsupported schema")

// ReadJSON decodes the JSON file at path into v after checking that its "schema" field
// is want. Unknown fields are errors: a file stackgate does not fully understand is never
// half-read.
func ReadJSON(path, want string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	return DecodeJSON(path, data, want, v)
}

// DecodeJSON is ReadJSON for data already read (e.g. from `git show`); path names the data
// in messages.
func DecodeJSON(path string, data []byte, want string, v any) error {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return &FileError{Path: path, Err: fmt.Errorf("not a valid JSON file (%v); restore it from version control or write it again", err)}
	}
	if head.Schema != want {
		return &FileError{Path: path, Err: &SchemaError{Got: head.Schema, Want: want}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &FileError{Path: path, Err: fmt.Errorf("damaged %s file (%v); restore it from version control or write it again", want, err)}
	}
	return nil
}

// SchemaError is a file of a schema this stackgate does not read: another version of the
// kind wanted, or another kind of file. errors.Is(err, ErrSchema) holds for it.
type SchemaError struct {
	Got, Want string // "stackgate.baseline/v0", "stackgate.baseline/v1"
}

func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// SameKind reports whether the file is of the kind wanted, in a version this stackgate does
// not read.
func (e *SchemaError) SameKind() bool {
	got, _ := splitSchema(e.Got)
	want, _ := splitSchema(e.Want)
	return e.Got != "" && got == want
}

// What the file is: "a stackgate verdict file (stackgate.verdict/v1)".
func (e *SchemaError) What() string {
	kind, _ := splitSchema(e.Got)
	switch {
	case e.Got == "":
		return `a file without a "schema" field`
	case strings.HasPrefix(kind, "stackgate."):
		return fmt.Sprintf("a stackgate %s file (%s)", strings.TrimPrefix(kind, "stackgate."), e.Got)
	}
	return fmt.Sprintf("a file of schema %q", e.Got)
}

// Error says what the file is instead: a version of the same kind this stackgate does not
// read (older or newer), or another kind of file.
func (e *SchemaError) Error() string {
	kind, wantVersion := splitSchema(e.Want)
	_, gotVersion := splitSchema(e.Got)
	switch {
	case !e.SameKind():
		return fmt.Sprintf("%v: this is %s, not a %s file", ErrSchema, e.What(), kind)
	case gotVersion < 0:
		return fmt.Sprintf("%v: %s is not a version of the %s format that stackgate knows", ErrSchema, e.Got, kind)
	case gotVersion < wantVersion:
		return fmt.Sprintf("%v: %s is older than this stackgate supports (it reads %s); write the file again with this stackgate", ErrSchema, e.Got, e.Want)
	}
	return fmt.Sprintf("%v: %s was written by a newer stackgate (this one reads %s); upgrade stackgate", ErrSchema, e.Got, e.Want)
}

// splitSchema splits "stackgate.result/v1" into its kind and version number (-1 when it
// has none).
func splitSchema(schema string) (kind string, version int) {
	kind, v, ok := strings.Cut(schema, "/v")
	if !ok {
		return schema, -1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return kind, -1
	}
	return kind, n
}
