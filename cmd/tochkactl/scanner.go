package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/tochka-loyalty/tochka/scanner"
)

// Capture formats of scanner decode, named after the scanner mode that sends them.
const (
	formatBoot   = "boot"   // 8-byte boot-keyboard reports (keyboard mode)
	formatHIDPOS = "hidpos" // 64-byte HID POS reports
	formatSerial = "serial" // the raw bytes of a serial (CDC-ACM) port
)

var scannerDecodeFlags = []flagSpec{
	{name: "format", kind: kindString, value: "boot|hidpos|serial", required: true,
		choices: []string{formatBoot, formatHIDPOS, formatSerial},
		help:    "what the capture holds: keyboard-mode reports, HID POS reports or serial bytes"},
	{name: "layout", kind: kindString, value: "us|de|fr", choices: scanner.LayoutNames(),
		help: "boot: the keyboard layout the scanner is set to (default us)"},
	{name: "suffix", kind: kindString, value: "cr|lf|crlf", choices: []string{"cr", "lf", "crlf"},
		help: "serial: the line ending the scanner sends (default cr)"},
	{name: "tab", kind: kindBool, help: "boot: Tab ends a scan, as well as Enter"},
}

// captureReadSize is how much of a capture is decoded at a time; scans are
// printed as they complete, so `cat /dev/hidraw0 | tochkactl scanner decode -`
// shows them live.
const captureReadSize = 4096

// cmdScannerDecode decodes a capture and prints every scan, repeats and
// rejected scans included: a capture is looked at to see what the scanner
// sent, not to feed the kiosk.
func cmdScannerDecode(c *cmdCtx) error {
	d, err := captureDecoder(c.in)
	if err != nil {
		return err
	}
	name := c.in.args[0]
	n := 0
	err = c.readInput(name, func(r io.Reader) error {
		buf := make([]byte, captureReadSize)
		for {
			k, err := r.Read(buf)
			for _, s := range d.Feed(buf[:k]) {
				n++
				if err := c.printScan(s); err != nil {
					return err
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
		}
	})
	if err != nil {
		return err
	}
	if n == 0 && !c.json {
		fmt.Fprintf(c.errOut, "tochkactl: no scan in %s (is --format %s right, and does the capture end with the scan's suffix?)\n", name, c.in.str["format"])
	}
	return nil
}

// captureDecoder makes the decoder --format names; a flag of another format
// is bad usage rather than silently ignored.
func captureDecoder(in *invocation) (scanner.Decoder, error) {
	format := in.str["format"]
	wrong := func(flag, format string) error {
		return &usageError{cmd: in.cmd, msg: fmt.Sprintf("--%s goes with --format %s only", flag, format)}
	}
	if format != formatBoot {
		for _, f := range []string{"layout", "tab"} {
			if in.set[f] {
				return nil, wrong(f, formatBoot)
			}
		}
	}
	if format != formatSerial && in.set["suffix"] {
		return nil, wrong("suffix", formatSerial)
	}
	switch format {
	case formatBoot:
		cfg := scanner.BootConfig{Layout: in.str["layout"]}
		if in.bool("tab") {
			cfg.Terminator = scanner.TermTab
		}
		return scanner.NewBootDecoder(cfg)
	case formatHIDPOS:
		return scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{}), nil
	default:
		cfg := scanner.LineConfig{}
		switch in.str["suffix"] {
		case "lf":
			cfg.Suffix = scanner.SuffixLF
		case "crlf":
			cfg.Suffix = scanner.SuffixCRLF
		}
		return scanner.NewLineDecoder(cfg), nil
	}
}

// scanJSON is one line of scanner decode --json.
type scanJSON struct {
	Code      string `json:"code"`
	Symbology string `json:"symbology"`
	Valid     bool   `json:"valid"`
	Reason    string `json:"reason"`
}

// printScan writes one scan on one line: the code, with the reason when it
// was rejected, or with --json one compact object.
func (c *cmdCtx) printScan(s scanner.Scan) error {
	if c.json {
		b, err := json.Marshal(scanJSON{Code: s.Code, Symbology: s.Symbology, Valid: s.Valid, Reason: s.Reason})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.out, "%s\n", b)
		return err
	}
	line := printableCode(s.Code)
	if !s.Valid {
		line += "  rejected: " + s.Reason
	}
	_, err := fmt.Fprintln(c.out, line)
	return err
}

// printableCode is the code as is, or quoted when it is empty or holds a
// blank or a control character (a GS1 separator, a stray newline) that would
// hide in the output or break its one scan a line.
func printableCode(code string) string {
	if code == "" || strings.IndexFunc(code, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) >= 0 {
		return strconv.Quote(code)
	}
	return code
}
