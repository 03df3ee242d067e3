package rewards

import (
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// A batch is a run of cards issued together, not handed over, to be
// printed and handed out later (tochkactl card batch). Its id is the
// request id it was issued with: card i of batch B is issued with the
// client id BatchCardID(B, i), so that the same batch run again gives back
// the cards it issued. A ledger keeps which of a batch's cards a print job
// has printed (CardPrint), so that a batch whose printing failed after its
// cards were issued leaves them findable (UnprintedCards), not on a
// terminal's scrollback only.

// BatchCardID is the client id card i of batch B is issued with: "B/i".
func BatchCardID(batch string, i int) string { return batch + "/" + strconv.Itoa(i) }

// BatchOf reads a client id made by BatchCardID: the batch and the card's
// place in it, from 0. An id of another form is no batch card's.
func BatchOf(id string) (batch string, i int, ok bool) {
	slash := strings.LastIndexByte(id, '/')
	if slash < 1 {
		return "", 0, false
	}
	digits := id[slash+1:]
	if digits == "" || len(digits) > 9 || strings.TrimLeft(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') {
		return "", 0, false
	}
	i, _ = strconv.Atoi(digits)
	return id[:slash], i, true
}

// BatchCard is a card of a batch and how it was printed.
type BatchCard struct {
	Number   string    `json:"card"`
	Batch    string    `json:"batch"`
	Index    int       `json:"index"` // its place in the batch, from 0
	IssuedAt time.Time `json:"issued_at"`
	// Job is the print job that printed it first, as its destination
	// named it (a CUPS job id, "CARDS-12"; a file's path); empty while no
	// job has.
	Job       string     `json:"job,omitempty"`
	PrintedAt *time.Time `json:"printed_at,omitempty"`
}

// MaxPrintCards is the most cards one CardPrint may name: a batch's
// largest run (tochkactl card batch --count).
const MaxPrintCards = 10000

// maxJobLen bounds a print job's name in bytes: a file's path may be
// longer than an id.
const maxJobLen = 1024

// CardPrint records that a print job which its destination took (a CUPS
// queue accepted it, a file was written) printed the cards. The batch
// cards among them are printed from then on; a card of no batch is not
// recorded, and a card printed before keeps its first job. It is no event
// of the points ledger (it changes no balance and no card): like a
// device, it is the ledger host's record, and recording it again changes
// nothing.
type CardPrint struct {
	Job   string    `json:"job"`
	Cards []string  `json:"cards"`
	At    time.Time `json:"at"` // when it was printed; zero: the ledger's now
}

// Validate checks a print record and names the first field that is wrong.
func (p *CardPrint) Validate() error {
	const what = "card print"
	if err := validJob(p.Job); err != nil {
		return invalidField(what, "job", err)
	}
	if len(p.Cards) == 0 {
		return invalidField(what, "cards", wrong("problem.required", nil))
	}
	if len(p.Cards) > MaxPrintCards {
		return Fail(ETOOLARGE, "jobs.print_too_many", lang.Args{"count": len(p.Cards), "max": MaxPrintCards})
	}
	for _, c := range p.Cards {
		if err := validCardField(c); err != nil {
			return invalidField(what, "cards", err)
		}
	}
	if err := validTime(p.At); err != nil {
		return invalidField(what, "at", err)
	}
	return nil
}

// validJob checks a print job's name: an id, but as long as a path may be.
func validJob(s string) error { return validIDUpTo(s, maxJobLen) }

// ValidBatch checks a batch's id given to find its cards (UnprintedCards):
// empty for every batch, else an id as a client's id is one.
func ValidBatch(batch string) error {
	if batch == "" {
		return nil
	}
	if err := validID(batch); err != nil {
		return invalidField("unprinted cards", "batch", err)
	}
	return nil
}
