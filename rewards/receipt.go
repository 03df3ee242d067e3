package rewards

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
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

func decodeStrict(r io.Reader, what string, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "%s: %s", what, describeJSONError(err, data, v))
	}
	// More() is false before a stray ']' or '}', so look for the end itself.
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EINVALID, "%s: unexpected data after the JSON object", what)
	}
	return nil
}

func describeJSONError(err error, data []byte, v any) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Sprintf("expected a JSON object, got %s", te.Value)
		}
		field := te.Field
		// encoding/json names "lines.qty" without saying which line.
		if rest, ok := strings.CutPrefix(field, "lines"); ok && (rest == "" || rest[0] == '.') {
			if i := failingLine(data, v, nil); i >= 0 {
				field = fmt.Sprintf("lines[%d]%s", i, rest)
			}
		}
		return fmt.Sprintf("%s: expected %s, got %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &pe):
		return fmt.Sprintf("time: %q is not an RFC 3339 time such as 2026-11-02T09:00:00Z", pe.Value)
	case errors.Is(err, io.EOF):
		return "empty input"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		msg := "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		if i := failingLine(data, v, err); i >= 0 {
			return fmt.Sprintf("lines[%d]: %s", i, msg)
		}
		return msg
	case strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: "):
		return "time: expected an RFC 3339 time such as 2026-11-02T09:00:00Z in a string"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// failingLine returns the index of the first element of the input's "lines"
// that does not decode on its own (with the error same, when same is not
// nil), or -1.
func failingLine(data []byte, v any, same error) int {
	f, ok := reflect.TypeOf(v).Elem().FieldByName("Lines")
	if !ok || f.Type.Kind() != reflect.Slice {
		return -1
	}
	var probe struct {
		Lines []json.RawMessage `json:"lines"`
	}
	_ = json.Unmarshal(data, &probe) // the other fields' errors do not matter here
	for i, raw := range probe.Lines {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(reflect.New(f.Type.Elem()).Interface()); err != nil {
			if same != nil && err.Error() != same.Error() {
				return -1
			}
			return i
		}
	}
	return -1
}

func jsonKind(k string) string {
	switch k {
	case "int64", "int", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "a list"
	case "struct":
		return "an object"
	}
	return k
}

// Validate checks a receipt and names the first field that is wrong.
func (r *Receipt) Validate() error {
	bad := func(field, format string, args ...any) error {
		return Errorf(EINVALID, "receipt %s: %s", field, fmt.Sprintf(format, args...))
	}
	if err := validID(r.ID); err != nil {
		return bad("id", "%s", err)
	}
	if r.Store != "" {
		if err := validID(r.Store); err != nil {
			return bad("store", "%s", err)
		}
	}
	if err := validCardField(r.Card); err != nil {
		return bad("card", "%s", err)
	}
	if r.Time.IsZero() {
		return bad("time", "required (RFC 3339)")
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
