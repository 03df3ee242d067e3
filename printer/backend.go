package printer

import (
	"context"

	"github.com/tochka-loyalty/tochka/lang"
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
	// Sides is TwoSidedLongEdge for a document whose pages go in pairs,
	// each front followed by its back, laid out to be flipped on the long
	// edge (CardPDF, CardSheetPDF); empty: the queue's default.
	Sides string
}

// The sides of a job (Job.Sides), as IPP and lp's sides= name them.
const (
	TwoSidedLongEdge = "two-sided-long-edge"
)

// Sent is what a backend did with a job, to tell the person who printed.
type Sent struct {
	// Jobs are what the backend made of the job: CUPS job ids (two when a
	// queue that prints one side gets a two-sided job's fronts and backs
	// apart), the file written, the device written to.
	Jobs []string
	// Warnings are what the person should know or do, in their language:
	// how to feed the fronts back for their backs.
	Warnings []lang.Msg
}

// Printer is a print backend: a CUPS queue, a USB ESC/POS printer or a
// file. Print returns what to tell the person who printed: the CUPS job
// ids, the device written to, the file's path, and any warning.
//
// The backends are File and CUPS here and usb.Printer in printer/usb. What
// the person printing can act on comes back as a *rewards.Error whose
// message says what to do: EINVALID for a job the backend does not take (a
// PDF for a receipt printer, an empty document), ENOTFOUND for a queue or
// printer that is not there, EREFUSED for one that cannot print now
// (stopped, paper out, CUPS not running), EFORBIDDEN for one this user
// may not use. Anything else is wrapped with its context.
type Printer interface {
	Print(ctx context.Context, j Job) (Sent, error)
}
