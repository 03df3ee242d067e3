package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bootKey is the press and release reports of one key in keyboard mode.
func bootKey(mods, usage byte) []byte {
	return []byte{mods, 0, usage, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
}

// bootCapture is what a scanner in keyboard mode sends for s on a us
// layout: digits, capital letters and '-', each its own key press; '\n' is
// Enter, '\t' Tab. With shiftDigits, digits are typed with Shift, as a
// scanner set to the French layout does.
func bootCapture(t *testing.T, s string, shiftDigits bool) []byte {
	t.Helper()
	var out []byte
	for _, r := range s {
		var mods, usage byte
		switch {
		case r == '0':
			usage = 0x27
		case r >= '1' && r <= '9':
			usage = 0x1E + byte(r-'1')
		case r >= 'A' && r <= 'Z':
			mods, usage = 0x02, 0x04+byte(r-'A')
		case r == '-':
			usage = 0x2D
		case r == '\n':
			usage = 0x28
		case r == '\t':
			usage = 0x2B
		default:
			t.Fatalf("bootCapture cannot type %q", r)
		}
		if shiftDigits && r >= '0' && r <= '9' {
			mods = 0x02
		}
		out = append(out, bootKey(mods, usage)...)
	}
	return out
}

// posReport is one 64-byte HID POS report.
func posReport(aim, data string, more bool) []byte {
	r := make([]byte, 64)
	r[0] = 0x02
	r[1] = byte(len(data))
	copy(r[2:5], aim)
	copy(r[5:61], data)
	if more {
		r[63] = 1
	}
	return r
}

// decode runs scanner decode on a capture given on stdin.
func decode(t *testing.T, capture []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	c := newCLI(t)
	line := append([]string{"scanner", "decode"}, args...)
	line = append(line, "-")
	return c.exec(string(capture), line...)
}

func TestScannerDecode(t *testing.T) {
	long := strings.Repeat("0123456789", 6) // 60 bytes: two HID POS reports
	tests := []struct {
		name    string
		capture []byte
		args    []string
		want    string
	}{
		{"boot EAN-13", bootCapture(t, "4006381333931\n", false), []string{"--format", "boot"},
			"4006381333931\n"},
		{"boot wrong check digit", bootCapture(t, "4006381333938\n", false), []string{"--format", "boot"},
			"4006381333938  rejected: check digit should be 1, not 8\n"},
		{"repeats kept", bootCapture(t, "4006381333931\n4006381333931\n", false), []string{"--format=boot"},
			"4006381333931\n4006381333931\n"},
		{"shifted letters", bootCapture(t, "CARD-0042\n", false), []string{"--format", "boot"},
			"CARD-0042\n"},
		{"tab ends a scan", bootCapture(t, "96385074\t", false), []string{"--format", "boot", "--tab"},
			"96385074\n"},
		{"tab is a character", bootCapture(t, "96385074\t\n", false), []string{"--format", "boot"},
			"\"96385074\\t\"\n"},
		{"fr layout", bootCapture(t, "4006381333931\n", true), []string{"--format", "boot", "--layout", "fr"},
			"4006381333931\n"},
		{"fr layout read as us", bootCapture(t, "4006381333931\n", true), []string{"--format", "boot"},
			"$))^#*!###(#!\n"},
		{"hidpos EAN-13", posReport("]E0", "4006381333931", false), []string{"--format", "hidpos"},
			"4006381333931\n"},
		{"hidpos continuation", append(posReport("]C0", long[:56], true), posReport("]C0", long[56:], false)...),
			[]string{"--format", "hidpos"}, long + "\n"},
		{"hidpos bad report", make([]byte, 64), []string{"--format", "hidpos"},
			"\"\"  rejected: HID POS report id 0x00, want 0x02\n"},
		{"serial cr", []byte("]E04006381333931\r\n]C0CARD-0042\r\n"), []string{"--format", "serial"},
			"4006381333931\nCARD-0042\n"},
		{"serial lf", []byte("96385074\n96385075\n"), []string{"--format", "serial", "--suffix", "lf"},
			"96385074\n96385075  rejected: check digit should be 4, not 5\n"},
		{"serial crlf", []byte("A\rB\r\n"), []string{"--format", "serial", "--suffix", "CRLF"},
			"\"A\\rB\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := decode(t, tt.capture, tt.args...)
			if code != 0 || out != tt.want || errOut != "" {
				t.Errorf("exit %d\nstdout: %q\nwant:   %q\nstderr: %s", code, out, tt.want, errOut)
			}
		})
	}
}

func TestScannerDecodeJSON(t *testing.T) {
	capture := bootCapture(t, "4006381333931\n4006381333938\nCARD-0042\n", false)
	want := `{"code":"4006381333931","symbology":"ean13","valid":true,"reason":""}
{"code":"4006381333938","symbology":"ean13","valid":false,"reason":"check digit should be 1, not 8"}
{"code":"CARD-0042","symbology":"unknown","valid":true,"reason":""}
`
	// The global --json goes anywhere on the line.
	for _, line := range [][]string{
		{"--json", "scanner", "decode", "--format", "boot", "-"},
		{"scanner", "--json", "decode", "--format", "boot", "-"},
		{"scanner", "decode", "--json", "--format", "boot", "-"},
		{"scanner", "decode", "--format", "boot", "-", "--json"},
		{"scanner", "decode", "--format", "boot", "--json=true", "-"},
	} {
		c := newCLI(t)
		code, out, errOut := c.exec(string(capture), line...)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", strings.Join(line, " "), code, out, errOut)
		}
	}
}

func TestScannerDecodeCaptureFile(t *testing.T) {
	// A keyboard-mode capture as `cat /dev/hidraw0 > capture.bin` records it:
	// a card, the same card again, a misread check digit, a Code 128 card.
	c := newCLI(t)
	out := c.ok("scanner", "decode", "--format", "boot", filepath.Join("testdata", "boot-capture.bin"))
	want := "4006381333931\n4006381333931\n4006381333938  rejected: check digit should be 1, not 8\nCARD-0042\n"
	if out != want {
		t.Errorf("stdout: %q\nwant:   %q", out, want)
	}
	if _, err := os.Stat(c.db); err == nil {
		t.Error("scanner decode created a database")
	}
}

func TestScannerDecodeNeverOpensTheDatabase(t *testing.T) {
	c := newCLI(t)
	c.env["TOCHKA_DB"] = filepath.Join(c.dir, "no", "such", "dir", "tochka.db")
	code, out, errOut := c.exec(string(bootCapture(t, "4006381333931\n", false)), "scanner", "decode", "--format", "boot", "-")
	if code != 0 || out != "4006381333931\n" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "no")); err == nil {
		t.Error("scanner decode made the database directory")
	}
}

func TestScannerDecodeNothing(t *testing.T) {
	// Half a scan: no Enter yet.
	code, out, errOut := decode(t, bootCapture(t, "40063", false), "--format", "boot")
	if code != 0 || out != "" || !strings.Contains(errOut, "no scan in -") {
		t.Errorf("exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = decode(t, nil, "--format", "hidpos", "--json")
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("--json: exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
}

func TestScannerDecodeUsage(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"scanner", "decode", "-"}, "missing --format boot|hidpos|serial"},
		{[]string{"scanner", "decode", "--format", "boot"}, "missing FILE|-"},
		{[]string{"scanner", "decode", "--format", "keyboard", "-"}, `flag --format takes boot, hidpos or serial, not "keyboard"`},
		{[]string{"scanner", "decode", "--format", "boot", "--layout", "ru", "-"}, `flag --layout takes de, fr or us, not "ru"`},
		{[]string{"scanner", "decode", "--format", "serial", "--suffix", "tab", "-"}, `flag --suffix takes cr, lf or crlf, not "tab"`},
		{[]string{"scanner", "decode", "--format", "boot", "--suffix", "lf", "-"}, "--suffix goes with --format serial only"},
		{[]string{"scanner", "decode", "--format", "hidpos", "--layout", "de", "-"}, "--layout goes with --format boot only"},
		{[]string{"scanner", "decode", "--format", "serial", "--tab", "-"}, "--tab goes with --format boot only"},
		{[]string{"scanner", "decode", "--format", "boot", "a", "b"}, `unexpected argument "b"`},
		{[]string{"scanner"}, "scanner needs a subcommand: decode, list, watch"},
	}
	for _, tt := range tests {
		c := newCLI(t)
		code, out, errOut := c.exec("", tt.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "tochkactl: "+tt.msg+"\n") {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, out, errOut)
		}
	}
}

func TestScannerDecodeMissingFile(t *testing.T) {
	c := newCLI(t)
	code, out, errOut := c.exec("", "scanner", "decode", "--format", "boot", filepath.Join(c.dir, "capture.bin"))
	if code != 1 || out != "" || !strings.Contains(errOut, "capture.bin: no such file") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
