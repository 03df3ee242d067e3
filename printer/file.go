package printer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// File is the print backend that writes a job's bytes (a PDF or an ESC/POS
// stream) to a file: for a printer on another machine, for a look before
// printing, and for tests.
type File struct {
	// Path is the file written; an existing file is replaced.
	Path string
}

var _ Printer = (*File)(nil)

// NewFile returns a backend that writes to path.
func NewFile(path string) *File { return &File{Path: path} }

// Print writes the job to the file and returns its path. The bytes go to a
// temporary file beside it that is renamed over it once complete, so a
// reader (or a print spooler watching the directory) never sees half a
// document, and a failure leaves any earlier file as it was. Copies and sides
// do not apply: a file holds the document once, its fronts and backs in
// order.
func (f *File) Print(ctx context.Context, j Job) (Sent, error) {
	if err := ctx.Err(); err != nil {
		return Sent{}, err
	}
	if f.Path == "" {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.file_no_path", nil)
	}
	if len(j.Data) == 0 {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.file_empty", lang.Args{"path": f.Path})
	}
	dir := filepath.Dir(f.Path)
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.file_no_dir", lang.Args{"path": f.Path, "dir": dir})
	} else if err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	} else if !st.IsDir() {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.file_not_dir", lang.Args{"path": f.Path, "dir": dir})
	}
	if st, err := os.Stat(f.Path); err == nil && st.IsDir() {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.file_is_dir", lang.Args{"path": f.Path})
	}

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(j.Data); err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	// CreateTemp makes the file 0600; a printed document is meant to be
	// read by others (a spooler, a colleague), like any file saved by hand.
	if err := tmp.Chmod(0o644); err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return Sent{}, fmt.Errorf("write %s: %w", f.Path, err)
	}
	done = true
	return Sent{Jobs: []string{f.Path}}, nil
}
