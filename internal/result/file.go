package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Write stores r as indented JSON at path, atomically.
func Write(path string, r *Result) error {
	r.Schema = Schema
	return WriteJSON(path, r)
}

// Read loads a result file, refusing files of another or a newer schema with a message
// that names the file.
func Read(path string) (*Result, error) {
	var r Result
	if err := ReadJSON(path, Schema, &r); err != nil {
		return nil, err
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
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}

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
		return &FileError{Path: path, Err: schemaMismatch(head.Schema, want)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &FileError{Path: path, Err: fmt.Errorf("damaged %s file (%v); restore it from version control or write it again", want, err)}
	}
	return nil
}

func schemaMismatch(got, want string) error {
	kind := want[:strings.LastIndexByte(want, '/')]
	switch {
	case got == "":
		return fmt.Errorf("%w: no \"schema\" field; this is not a %s file", ErrSchema, kind)
	case strings.HasPrefix(got, kind+"/"):
		return fmt.Errorf("%w: %s was written by a newer stackgate (this one reads %s); upgrade stackgate", ErrSchema, got, want)
	default:
		return fmt.Errorf("%w: %q is not a %s file", ErrSchema, got, kind)
	}
}
