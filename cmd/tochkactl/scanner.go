package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/scanner"
	"github.com/tochka-loyalty/tochka/scanner/serial"
	scanusb "github.com/tochka-loyalty/tochka/scanner/usb"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// Capture formats of scanner decode, named after the scanner mode that sends them.
const (
	formatBoot   = "boot"   // 8-byte boot-keyboard reports (keyboard mode)
	formatHIDPOS = "hidpos" // 64-byte HID POS reports
	formatSerial = "serial" // the raw bytes of a serial (CDC-ACM) port
)

var scannerDecodeFlags = []flagSpec{
	{name: "format", kind: kindString, value: "boot|hidpos|serial", required: true,
		choices: []string{formatBoot, formatHIDPOS, formatSerial}},
	{name: "layout", kind: kindString, value: "us|de|fr", choices: scanner.LayoutNames()},
	{name: "suffix", kind: kindString, value: "cr|lf|crlf", choices: scanner.SuffixNames},
	{name: "tab", kind: kindBool},
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
		fmt.Fprintf(c.errOut, "tochkactl: %s\n", lang.Text(c.readerLang(), "scanner.out.no_scan", lang.Args{"file": name, "format": c.in.str["format"]}))
	}
	return nil
}

// captureDecoder makes the decoder --format names; a flag of another format
// is bad usage rather than silently ignored.
func captureDecoder(in *invocation) (scanner.Decoder, error) {
	format := in.str["format"]
	wrong := func(flag, format string) error {
		return badUsage(in.cmd, "with_format", lang.Args{"flag": flag, "format": format})
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
		suffix, _ := scanner.ParseSuffix(in.str["suffix"]) // checked by the parser
		return scanner.NewLineDecoder(scanner.LineConfig{Suffix: suffix}), nil
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
		line += "  " + lang.Text(c.readerLang(), "scanner.out.rejected", lang.Args{"reason": s.Why})
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

// Modes of scanner watch.
const (
	modeKeyboard = "keyboard"
	modeHIDPOS   = "hidpos"
	modeSerial   = "serial"
)

var scannerWatchFlags = []flagSpec{
	// scanner watch opens no database and records no change, so --device
	// names the scanner here, not the device recorded on changes;
	// watchSource checks its value.
	{name: "device", kind: kindString, value: "VID:PID"},
	{name: "mode", kind: kindString, value: "keyboard|hidpos|serial", choices: []string{modeKeyboard, modeHIDPOS, modeSerial}},
	{name: "layout", kind: kindString, value: "us|de|fr", choices: scanner.LayoutNames()},
	{name: "tab", kind: kindBool},
	{name: "port", kind: kindString, value: "PORT", check: notEmpty},
	{name: "suffix", kind: kindString, value: "cr|lf|crlf", choices: scanner.SuffixNames},
	{name: "for", kind: kindString, value: "DURATION", check: positiveDuration},
}

func positiveDuration(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a duration such as 30s or 5m", v)
	}
	return nil
}

// scannerListJSON is scanner list --json.
type scannerListJSON struct {
	// USB is false when the machine gives no USB access; Problem says so.
	USB      bool                `json:"usb"`
	Problem  string              `json:"problem,omitempty"`
	Scanners []scannerDeviceJSON `json:"scanners"`
	// SerialPorts are the ports a scanner in serial mode may be on.
	SerialPorts []string `json:"serial_ports"`
}

type scannerDeviceJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Mode    string `json:"mode"`
	Bus     int    `json:"bus"`
	Address int    `json:"address"`
	CanOpen bool   `json:"can_open"`
	Problem string `json:"problem,omitempty"`
}

// cmdScannerList lists the USB devices that look like scanners and the
// serial ports. No USB access at all is an answer, not a failure.
func cmdScannerList(c *cmdCtx) error {
	res := scannerListJSON{USB: true, Scanners: []scannerDeviceJSON{}, SerialPorts: serial.Ports()}
	if res.SerialPorts == nil {
		res.SerialPorts = []string{}
	}
	devs, err := scanusb.List()
	if err != nil {
		if !errors.Is(err, scanusb.ErrNoUSB) {
			return err
		}
		res.USB, res.Problem = false, errorText(err, c.readerLang())
	}
	for _, d := range devs {
		res.Scanners = append(res.Scanners, scannerDeviceJSON{ID: d.ID(), Name: d.Name(), Mode: d.Mode.String(),
			Bus: d.Bus, Address: d.Address, CanOpen: d.CanOpen, Problem: d.Problem.In(c.readerLang())})
	}
	if c.json {
		return c.printJSON(res)
	}
	w, l := c.out, c.readerLang()
	switch {
	case !res.USB:
		fmt.Fprintln(w, lang.Text(l, "scanner.out.usb_unseen", lang.Args{"problem": res.Problem}))
	case len(res.Scanners) == 0:
		fmt.Fprintln(w, lang.Text(l, "scanner.out.usb_none", nil))
	default:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, lang.Text(l, "scanner.out.columns", nil))
		for _, d := range res.Scanners {
			access := lang.Text(l, "scanner.out.access_ok", nil)
			if !d.CanOpen {
				access = d.Problem
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\n", d.ID, d.Mode, d.Name, d.Bus, d.Address, access)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(res.SerialPorts) == 0 {
		_, err = fmt.Fprintln(w, lang.Text(l, "scanner.out.serial_none", nil))
	} else {
		_, err = fmt.Fprintln(w, lang.Text(l, "scanner.out.serial", lang.Args{"ports": strings.Join(res.SerialPorts, " ")}))
	}
	return err
}

// watchEventJSON is one line of scanner watch --json: a scan (with the
// fields of scanner decode --json) or a change of the device's state.
type watchEventJSON struct {
	Event     string     `json:"event"` // scan, connected, disconnected, waiting
	Device    string     `json:"device"`
	Code      *string    `json:"code,omitempty"`
	Symbology string     `json:"symbology,omitempty"`
	Valid     *bool      `json:"valid,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Time      *time.Time `json:"time,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// cmdScannerWatch reads a live scanner and prints each scan as it comes,
// and the scanner coming and going, until Ctrl-C (or --for).
func cmdScannerWatch(c *cmdCtx) error {
	src, err := watchSource(c.in)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if v, ok := c.in.str["for"]; ok {
		d, _ := time.ParseDuration(v) // checked by the parser
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	events := make(chan scanner.Event)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, events) }()
	for {
		select {
		case ev := <-events:
			if err := c.printEvent(ev); err != nil {
				stop()
				<-done
				return err
			}
		case err := <-done:
			return err
		}
	}
}

// watchSource builds the source scanner watch reads from its flags.
func watchSource(in *invocation) (*scanner.ReportSource, error) {
	mode := in.str["mode"]
	if mode == "" && in.set["port"] {
		mode = modeSerial
	}
	only := func(flag, mode string) error {
		return badUsage(in.cmd, "with_mode", lang.Args{"flag": flag, "mode": mode})
	}
	if mode == modeSerial {
		if in.set["device"] {
			return nil, badUsage(in.cmd, "device_usb", nil)
		}
	} else {
		for _, f := range []string{"port", "suffix"} {
			if in.set[f] {
				return nil, only(f, modeSerial)
			}
		}
	}
	if mode == modeSerial || mode == modeHIDPOS {
		for _, f := range []string{"layout", "tab"} {
			if in.set[f] {
				return nil, only(f, modeKeyboard)
			}
		}
	}
	if mode == modeSerial {
		port := in.str["port"]
		if port == "" {
			port = serial.DefaultPort
		}
		suffix, _ := scanner.ParseSuffix(in.str["suffix"]) // checked by the parser
		return serial.NewSource(serial.Config{Port: port}, scanner.LineConfig{Suffix: suffix})
	}
	uc := scanusb.Config{Mode: map[string]scanusb.Mode{modeKeyboard: scanusb.ModeKeyboard, modeHIDPOS: scanusb.ModeHIDPOS}[mode]}
	if v := in.str["device"]; in.set["device"] {
		var err error
		if uc.VID, uc.PID, err = usbhost.ParseVIDPID(v); err != nil {
			return nil, badUsage(in.cmd, "flag_problem", lang.Args{"flag": "device", "problem": errText{err}})
		}
	}
	return scanusb.NewSource(uc, scanner.BootConfig{Layout: in.str["layout"], Terminator: terminator(in)})
}

func terminator(in *invocation) scanner.Terminator {
	if in.bool("tab") {
		return scanner.TermTab
	}
	return scanner.TermEnter
}

// printEvent writes one event of scanner watch: a scan as scanner decode
// prints it, or a line saying the scanner came, went or cannot be opened.
func (c *cmdCtx) printEvent(ev scanner.Event) error {
	j := watchEventJSON{Device: ev.Device}
	if ev.Err != nil {
		j.Error = errorText(ev.Err, c.readerLang())
	}
	var line string
	switch {
	case ev.Scan != nil:
		if !c.json {
			return c.printScan(*ev.Scan)
		}
		s := ev.Scan
		j.Event, j.Code, j.Symbology, j.Valid, j.Reason, j.Time = "scan", &s.Code, s.Symbology, &s.Valid, s.Reason, &s.Time
	case ev.Connected:
		j.Event, line = "connected", lang.Text(c.readerLang(), "scanner.out.connected", lang.Args{"device": ev.Device})
	case ev.Disconnected:
		j.Event, line = "disconnected", lang.Text(c.readerLang(), "scanner.out.disconnected", lang.Args{"device": ev.Device, "error": j.Error})
	default:
		j.Event = "waiting"
		line = lang.Text(c.readerLang(), "scanner.out.waiting", lang.Args{"error": j.Error, "every": scanner.DefaultPollInterval})
	}
	if c.json {
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.out, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(c.out, line)
	return err
}
