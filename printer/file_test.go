package printer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

func TestFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "voucher.escpos")
	if err := os.WriteFile(path, []byte("an older voucher"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := []byte("\x1b@voucher\x1dVA\x03")
	got, err := printer.NewFile(path).Print(ctx, printer.Job{Format: printer.FormatESCPOS, Data: data, Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Jobs) != 1 || got.Jobs[0] != path || len(got.Warnings) != 0 {
		t.Errorf("Print returned %+v, want the path %q", got, path)
	}
	if written, err := os.ReadFile(path); err != nil || !bytes.Equal(written, data) {
		t.Errorf("the file holds %q (%v), want the job's bytes once", written, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory, want only the document: no temporary file left", len(entries))
	}

	for _, tc := range []struct {
		name, path string
		data       []byte
		key, want  string
	}{
		{"no directory", filepath.Join(dir, "missing", "card.pdf"), data, "printer.error.file_no_dir",
			"cannot write " + filepath.Join(dir, "missing", "card.pdf") + ": the directory " + filepath.Join(dir, "missing") + " does not exist"},
		{"a directory", dir, data, "printer.error.file_is_dir", "it is a directory; give a file name"},
		{"a file as the directory", filepath.Join(path, "card.pdf"), data, "printer.error.file_not_dir", "is not a directory"},
		{"empty", filepath.Join(dir, "empty.pdf"), nil, "printer.error.file_empty", "the document is empty"},
		{"no path", "", data, "printer.error.file_no_path", "the path is empty"},
	} {
		_, err := printer.NewFile(tc.path).Print(ctx, printer.Job{Format: printer.FormatPDF, Data: tc.data})
		var e *rewards.Error
		if !errors.As(err, &e) || e.Code != rewards.EINVALID || e.Key != tc.key || !bytes.Contains([]byte(e.Message), []byte(tc.want)) {
			t.Errorf("%s: %v; want the invalid error %s saying %q", tc.name, err, tc.key, tc.want)
		}
	}
	if written, _ := os.ReadFile(path); !bytes.Equal(written, data) {
		t.Errorf("a failed print changed the earlier file")
	}
}
