package printer

import (
	"context"
)

// Document formats a backend may be given.
const (
	FormatPDF    = "pdf"    // for CUPS queues and files
	FormatESCPOS = "escpos" // a raw ESC/POS stream for thermal receipt printers
)

// Job is one rendered document on its way to a printer.
type Job struct {
	Title  string // shown in the printer's queue
	Format string // FormatPDF or FormatESCPOS
	Data   []byte
	Copies int    // 0 and 1 both print one
	Media  string // a CUPS media name ("A4", "Custom.85.6x53.98mm"); empty: the queue's default
}

// Printer is a print backend: a CUPS queue, a USB ESC/POS printer or a
// file. Print returns what to tell the person who printed: the CUPS job id,
// the device written to, the file's path.
//
// The backends are File and CUPS here and usb.Printer in printer/usb. What
// the person printing can act on comes back as a *rewards.Error whose
// message says what to do: EINVALID for a job the backend does not take (a
// PDF for a receipt printer, an empty document), ENOTFOUND for a queue or
// printer that is not there, EREFUSED for one that cannot print now
// (stopped, paper out, CUPS not running), EFORBIDDEN for one this user
// may not use. Anything else is wrapped with its context.
type Printer interface {
	Print(ctx context.Context, j Job) (string, error)
}
