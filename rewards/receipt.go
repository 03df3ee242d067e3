package rewards

import (
	"fmt"
	"io"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Limits on outside input, so that no receipt can overflow a sum.
const (
	MaxLines  = 1000
	MaxQty    = 100_000
	MaxAmount = 1_000_000_000_00 // minor units, per line and per receipt: a billion currency units
	MaxBonus  = 100_000          // per-unit bonus from a price tag
)

// Receipt is a sale posted by a till. Amounts are line totals in minor units
// after discounts.
type Receipt struct {
	ID            string    `json:"id"`
	Store         string    `json:"store"`
	Card          string    `json:"card"`
	Time          time.Time `json:"time"`
	Lines         []Line    `json:"lines"`
	PayWithPoints int64     `json:"pay_with_points,omitempty"`
}

// Line is one line of a receipt.
type Line struct {
	SKU      string `json:"sku"`
	Qty      int64  `json:"qty"`
	Amount   int64  `json:"amount"`
	OwnBrand bool   `json:"own_brand,omitempty"`
	Service  bool   `json:"service,omitempty"`
	Bonus    int64  `json:"bonus,omitempty"` // per-unit bonus from the price tag (bonus programs)
}

// Return names an earlier receipt and the lines that come back.
type Return struct {
	ID      string       `json:"id"`
	Receipt string       `json:"receipt"`
	Time    time.Time    `json:"time"`
	Lines   []ReturnLine `json:"lines"`
}

// ReturnLine is a SKU and how many of it come back.
type ReturnLine struct {
	SKU string `json:"sku"`
	Qty int64  `json:"qty"`
}

// ReceiptResult is what posting a receipt did.
type ReceiptResult struct {
	Receipt  string       `json:"receipt"`
	Card     string       `json:"card"`
	Earned   int64        `json:"earned"`
	Spent    int64        `json:"spent"`
	Discount int64        `json:"discount"`
	Lines    []LineResult `json:"lines"`
	Balance  *Balance     `json:"balance,omitempty"` // after a single post; not stored
}

// LineResult is one line's share of a receipt's points and discount.
type LineResult struct {
	SKU      string `json:"sku"`
	Earned   int64  `json:"earned"`
	Discount int64  `json:"discount"`
}

// Quote is what a receipt would earn and the most that may be paid with
// points; quoting changes nothing.
type Quote struct {
	Earned   int64       `json:"earned"`
	MaxSpend int64       `json:"max_spend"`
	Lines    []QuoteLine `json:"lines"`
}

// QuoteLine is one line of a quote.
type QuoteLine struct {
	SKU         string `json:"sku"`
	Earned      int64  `json:"earned"`
	MaxDiscount int64  `json:"max_discount"`
}

// ReturnResult is what posting a return did.
type ReturnResult struct {
	Return   string   `json:"return"`
	Receipt  string   `json:"receipt"`
	Card     string   `json:"card"`
	TakeBack int64    `json:"taken_back"` // earned points taken back
	Refunded int64    `json:"refunded"`   // spent bonuses given back
	Balance  *Balance `json:"balance,omitempty"`
}

// ParseReceipt decodes and validates a receipt. Unknown fields are refused.
func ParseReceipt(r io.Reader) (*Receipt, error) {
	var rc Receipt
	if err := decodeStrict(r, "receipt", &rc); err != nil {
		return nil, err
	}
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	return &rc, nil
}

// ParseReturn decodes and validates a return. Unknown fields are refused.
func ParseReturn(r io.Reader) (*Return, error) {
	var rt Return
	if err := decodeStrict(r, "return", &rt); err != nil {
		return nil, err
	}
	if err := rt.Validate(); err != nil {
		return nil, err
	}
	return &rt, nil
}

// Validate checks a receipt and names the first field that is wrong.
func (r *Receipt) Validate() error {
	bad := func(field string, err error) error { return invalidField("receipt", field, err) }
	if err := validID(r.ID); err != nil {
		return bad("id", err)
	}
	if err := validID(r.Store); err != nil {
		return bad("store", err)
	}
	if err := validCardField(r.Card); err != nil {
		return bad("card", err)
	}
	if r.Time.IsZero() {
		return bad("time", wrong("problem.time_required", nil))
	}
	if err := validTime(r.Time); err != nil {
		return bad("time", err)
	}
	if len(r.Lines) == 0 {
		return bad("lines", wrong("problem.lines_min", nil))
	}
	if len(r.Lines) > MaxLines {
		return bad("lines", wrong("problem.lines_max", lang.Args{"max": MaxLines}))
	}
	for i, l := range r.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if err := validID(l.SKU); err != nil {
			return bad(f("sku"), err)
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			return bad(f("qty"), between(1, MaxQty, l.Qty))
		}
		if l.Amount < 0 || l.Amount > MaxAmount {
			return bad(f("amount"), wrong("problem.amount_between", lang.Args{"max": int64(MaxAmount), "got": l.Amount}))
		}
		if l.Bonus < 0 || l.Bonus > MaxBonus {
			return bad(f("bonus"), between(0, MaxBonus, l.Bonus))
		}
	}
	var total int64
	for _, l := range r.Lines {
		total += l.Amount
	}
	if total > MaxAmount {
		return bad("lines", wrong("problem.total_max", lang.Args{"max": int64(MaxAmount)}))
	}
	if r.PayWithPoints < 0 {
		return bad("pay_with_points", wrong("problem.not_negative", nil))
	}
	return nil
}

// Validate checks a return and names the first field that is wrong.
func (r *Return) Validate() error {
	bad := func(field string, err error) error { return invalidField("return", field, err) }
	if err := validID(r.ID); err != nil {
		return bad("id", err)
	}
	if err := validID(r.Receipt); err != nil {
		return bad("receipt", err)
	}
	if r.Time.IsZero() {
		return bad("time", wrong("problem.time_required", nil))
	}
	if err := validTime(r.Time); err != nil {
		return bad("time", err)
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return bad("lines", wrong("problem.lines_between", lang.Args{"max": MaxLines}))
	}
	for i, l := range r.Lines {
		if err := validID(l.SKU); err != nil {
			return bad(fmt.Sprintf("lines[%d].sku", i), err)
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			return bad(fmt.Sprintf("lines[%d].qty", i), between(1, MaxQty, l.Qty))
		}
	}
	return nil
}
