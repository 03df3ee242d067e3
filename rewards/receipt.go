package rewards

import (
	"fmt"
	"io"
	"time"
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
	bad := func(field, format string, args ...any) error {
		return Errorf(EINVALID, "receipt %s: %s", field, fmt.Sprintf(format, args...))
	}
	if err := validID(r.ID); err != nil {
		return bad("id", "%s", err)
	}
	if err := validID(r.Store); err != nil {
		return bad("store", "%s", err)
	}
	if err := validCardField(r.Card); err != nil {
		return bad("card", "%s", err)
	}
	if r.Time.IsZero() {
		return bad("time", "required (RFC 3339)")
	}
	if err := validTime(r.Time); err != nil {
		return bad("time", "%s", err)
	}
	if len(r.Lines) == 0 {
		return bad("lines", "at least one line is required")
	}
	if len(r.Lines) > MaxLines {
		return bad("lines", "at most %d lines", MaxLines)
	}
	for i, l := range r.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if err := validID(l.SKU); err != nil {
			return bad(f("sku"), "%s", err)
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			return bad(f("qty"), "must be between 1 and %d, got %d", MaxQty, l.Qty)
		}
		if l.Amount < 0 || l.Amount > MaxAmount {
			return bad(f("amount"), "must be between 0 and %d minor units, got %d", MaxAmount, l.Amount)
		}
		if l.Bonus < 0 || l.Bonus > MaxBonus {
			return bad(f("bonus"), "must be between 0 and %d, got %d", MaxBonus, l.Bonus)
		}
	}
	var total int64
	for _, l := range r.Lines {
		total += l.Amount
	}
	if total > MaxAmount {
		return bad("lines", "the receipt's total must not exceed %d minor units", int64(MaxAmount))
	}
	if r.PayWithPoints < 0 {
		return bad("pay_with_points", "must not be negative")
	}
	return nil
}

// Validate checks a return and names the first field that is wrong.
func (r *Return) Validate() error {
	bad := func(field, format string, args ...any) error {
		return Errorf(EINVALID, "return %s: %s", field, fmt.Sprintf(format, args...))
	}
	if err := validID(r.ID); err != nil {
		return bad("id", "%s", err)
	}
	if err := validID(r.Receipt); err != nil {
		return bad("receipt", "%s", err)
	}
	if r.Time.IsZero() {
		return bad("time", "required (RFC 3339)")
	}
	if err := validTime(r.Time); err != nil {
		return bad("time", "%s", err)
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return bad("lines", "between 1 and %d lines are required", MaxLines)
	}
	for i, l := range r.Lines {
		if err := validID(l.SKU); err != nil {
			return bad(fmt.Sprintf("lines[%d].sku", i), "%s", err)
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			return bad(fmt.Sprintf("lines[%d].qty", i), "must be between 1 and %d, got %d", MaxQty, l.Qty)
		}
	}
	return nil
}
