// Package printertest reads back what Tochka prints, with the tools a person
// would trust: poppler rasterises a PDF at 300 dpi, zbar decodes the
// barcodes, pdftotext extracts the words, and DecodeESCPOS turns a thermal
// printer's stream back into its picture; and a private cupsd (StartCUPS)
// prints through a real CUPS and reads back what reached it. Tests of the
// layouts, the print backends and the CLI share it.
//
// It never skips: a machine without the tools fails the test with the
// Debian package to install (make test installs them through
// scripts/setup.sh).
package printertest

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Tool returns the path of a command, or fails the test naming its package.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", name, pkg, pkg)
	}
	return path
}

// WritePDF writes pdf to a temporary file named name.pdf and returns its path.
func WritePDF(t testing.TB, name string, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Pages renders each page of the PDF file as a PNG at 300 dpi and returns
// the PNGs' paths in page order.
func Pages(t testing.TB, path string) []string {
	t.Helper()
	return PagesAt(t, path, 300)
}

// PagesAt is Pages at dpi dots per inch.
func PagesAt(t testing.TB, path string, dpi int) []string {
	t.Helper()
	pdftoppm := Tool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	if out, err := exec.Command(pdftoppm, "-r", strconv.Itoa(dpi), "-png", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", filepath.Base(path), err, out)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("pdftoppm %s: no pages (%v)", filepath.Base(path), err)
	}
	slices.Sort(pages) // page-01.png ... page-12.png: zero-padded, so sorting is page order
	return pages
}

// Rasterise renders a PDF held in memory; see Pages.
func Rasterise(t testing.TB, name string, pdf []byte) []string {
	t.Helper()
	return Pages(t, WritePDF(t, name, pdf))
}

// RasteriseAt renders a PDF held in memory at dpi; see PagesAt.
func RasteriseAt(t testing.TB, name string, pdf []byte, dpi int) []string {
	t.Helper()
	return PagesAt(t, WritePDF(t, name, pdf), dpi)
}

// Decode reads every barcode of one symbology (zbar's name: ean13,
// code128, qrcode) in a picture, sorted.
func Decode(t testing.TB, picture, symbology string) []string {
	t.Helper()
	zbarimg := Tool(t, "zbarimg", "zbar-tools")
	cmd := exec.Command(zbarimg, "--raw", "-q", "-Sdisable", "-S"+symbology+".enable", picture)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// zbarimg exits 4 when it finds nothing: that is an answer, not a failure.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 4) {
		t.Fatalf("zbarimg %s: %v\n%s", picture, err, stderr.String())
	}
	found := strings.Fields(stdout.String())
	slices.Sort(found)
	return found
}

// Words extracts the PDF file's words with pdftotext, spaces (no-break ones
// too) folded to one.
func Words(t testing.TB, path string) string {
	t.Helper()
	pdftotext := Tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", filepath.Base(path), err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\u00a0", " ")), " ")
}

// Text extracts the words of a PDF held in memory; see Words.
func Text(t testing.TB, name string, pdf []byte) string {
	t.Helper()
	return Words(t, WritePDF(t, name, pdf))
}

// WantText fails the test for each of want that got does not contain.
func WantText(t testing.TB, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: pdftotext does not find %q in:\n%s", what, w, got)
		}
	}
}

// ESCPOSPicture turns an ESC/POS stream back into a PNG file, as the
// printer would have printed it, and returns its path.
func ESCPOSPicture(t testing.TB, stream []byte) string {
	t.Helper()
	img, err := DecodeESCPOS(stream)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "escpos.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// PNGSize is the size in pixels of a PNG file, a rasterised page.
func PNGSize(t testing.TB, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Width, cfg.Height
}
