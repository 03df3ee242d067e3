package rewards

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Receipts and returns arrive as JSON from tills. A field left out, or
// null, would decode as its zero: a line without its amount would be posted
// as a sale of nothing, a line without its quantity refused for a reason
// the till never wrote. Their UnmarshalJSON methods decode into the shapes
// below, whose pointers tell a field that was not written from one written
// as zero, and refuse a required field that is missing, naming it; so does
// every decoder of them, ParseReceipt, ParseReturn or a server's
// json.Unmarshal. They refuse unknown fields too, so that json.Unmarshal is
// as strict as ParseReceipt: a misspelt optional field ("own_brnd") would
// otherwise pass silently.
//
// Encoding is untouched (there is no MarshalJSON): a receipt is written by
// encoding/json's reflection, or by rewards/sqlite's encoder that gives the
// same bytes, and stored events stay comparable byte for byte. Every body
// written so far has all the required keys, so what is stored still decodes.

type receiptJSON struct {
	ID            *string     `json:"id"`
	Store         *string     `json:"store"`
	Card          *string     `json:"card"`
	Time          *time.Time  `json:"time"`
	Lines         *[]lineJSON `json:"lines"`
	PayWithPoints int64       `json:"pay_with_points"`
}

type lineJSON struct {
	SKU      *string `json:"sku"`
	Qty      *int64  `json:"qty"`
	Amount   *int64  `json:"amount"`
	OwnBrand bool    `json:"own_brand"`
	Service  bool    `json:"service"`
	Bonus    int64   `json:"bonus"`
}

type returnJSON struct {
	ID      *string           `json:"id"`
	Receipt *string           `json:"receipt"`
	Time    *time.Time        `json:"time"`
	Lines   *[]returnLineJSON `json:"lines"`
}

type returnLineJSON struct {
	SKU *string `json:"sku"`
	Qty *int64  `json:"qty"`
}

// UnmarshalJSON decodes a receipt, refusing unknown fields and required
// fields that are missing or null (id, store, card, time, lines, and each
// line's sku, qty and amount). It does not validate values: Validate does.
func (r *Receipt) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil // as json.Unmarshal does for a value that is not a pointer
	}
	var in receiptJSON
	if err := unmarshalStrict("receipt", data, &in, func() any { return new(lineJSON) }); err != nil {
		return err
	}
	if err := required("receipt", field{"id", in.ID == nil}, field{"store", in.Store == nil}, field{"card", in.Card == nil},
		field{"time", in.Time == nil}); err != nil {
		return err
	}
	lines, err := decodeLines("receipt", in.Lines, (*lineJSON).to)
	if err != nil {
		return err
	}
	*r = Receipt{ID: *in.ID, Store: *in.Store, Card: *in.Card, Time: *in.Time, Lines: lines, PayWithPoints: in.PayWithPoints}
	return nil
}

// UnmarshalJSON decodes one receipt line on its own, with the rules of
// Receipt.UnmarshalJSON: sku, qty and amount are required.
func (l *Line) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var in lineJSON
	if err := unmarshalStrict("receipt line", data, &in, nil); err != nil {
		return err
	}
	return in.to(l, "receipt line", "")
}

func (in *lineJSON) to(l *Line, what, path string) error {
	switch {
	case in.SKU == nil:
		return missingField(what, path+"sku")
	case in.Qty == nil:
		return missingField(what, path+"qty")
	case in.Amount == nil:
		return missingField(what, path+"amount")
	}
	*l = Line{SKU: *in.SKU, Qty: *in.Qty, Amount: *in.Amount, OwnBrand: in.OwnBrand, Service: in.Service, Bonus: in.Bonus}
	return nil
}

// UnmarshalJSON decodes a return, refusing unknown fields and required
// fields that are missing or null (id, receipt, time, lines, and each
// line's sku and qty). It does not validate values: Validate does.
func (r *Return) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var in returnJSON
	if err := unmarshalStrict("return", data, &in, func() any { return new(returnLineJSON) }); err != nil {
		return err
	}
	if err := required("return", field{"id", in.ID == nil}, field{"receipt", in.Receipt == nil}, field{"time", in.Time == nil}); err != nil {
		return err
	}
	lines, err := decodeLines("return", in.Lines, (*returnLineJSON).to)
	if err != nil {
		return err
	}
	*r = Return{ID: *in.ID, Receipt: *in.Receipt, Time: *in.Time, Lines: lines}
	return nil
}

// UnmarshalJSON decodes one return line on its own: sku and qty are
// required.
func (l *ReturnLine) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var in returnLineJSON
	if err := unmarshalStrict("return line", data, &in, nil); err != nil {
		return err
	}
	return in.to(l, "return line", "")
}

func (in *returnLineJSON) to(l *ReturnLine, what, path string) error {
	switch {
	case in.SKU == nil:
		return missingField(what, path+"sku")
	case in.Qty == nil:
		return missingField(what, path+"qty")
	}
	*l = ReturnLine{SKU: *in.SKU, Qty: *in.Qty}
	return nil
}

// field is a required field of a command, and whether it was left out.
type field struct {
	name    string
	missing bool
}

// required refuses the first of a command's required fields left out.
func required(what string, fields ...field) error {
	for _, f := range fields {
		if f.missing {
			return missingField(what, f.name)
		}
	}
	return nil
}

// decodeLines takes a command's lines as decoded, each checked by to, and
// refuses a command without them.
func decodeLines[J, L any](what string, in *[]J, to func(*J, *L, string, string) error) ([]L, error) {
	if in == nil {
		return nil, invalidField(what, "lines", wrong("problem.lines_min", nil))
	}
	out := make([]L, len(*in))
	for i := range *in {
		if err := to(&(*in)[i], &out[i], what, fmt.Sprintf("lines[%d].", i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// missingField is the refusal of a required field left out or null: a zero
// must be written, so that a field forgotten is never taken for a zero.
func missingField(what, field string) error {
	return invalidField(what, field, wrong("problem.required", nil))
}

// unmarshalStrict decodes one JSON value into v, refusing unknown fields,
// and turns a decoding error into a domain error of what that names the
// field; newLine (when not nil) makes the shape of one element of "lines",
// to tell which line is wrong.
func unmarshalStrict(what string, data []byte, v any, newLine func() any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badJSON(what, describeJSONError(err, data, newLine))
	}
	return nil
}

// decodeStrict reads a receipt or return (at most 4 MiB) and decodes it:
// one JSON value and nothing after it.
func decodeStrict(r io.Reader, what string, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return DecodeJSON(data, what, v)
}

// DecodeJSON decodes data, one JSON value of what (the subject its errors
// name: "receipt", "card issue", ...; the catalog's "subject." key with
// its spaces as underscores) into v, refusing unknown fields and anything
// after the value, with an invalid error that names what is wrong: the
// decoder of every command that arrives from outside, by file or by HTTP.
func DecodeJSON(data []byte, what string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // for a v without UnmarshalJSON; Receipt and Return refuse them themselves
	if err := dec.Decode(v); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e // the value's UnmarshalJSON named the field
		}
		return badJSON(what, describeJSONError(err, data, nil))
	}
	// More() is false before a stray ']' or '}', so look for the end itself.
	if _, err := dec.Token(); err != io.EOF {
		return badJSON(what, lang.M("json.trailing", nil))
	}
	return nil
}

// badJSON is the refusal of what's JSON, problem saying what is wrong.
func badJSON(what string, problem lang.Msg) error {
	return Fail(EINVALID, "invalid.json", lang.Args{"what": subject(what), "problem": problem})
}

func describeJSONError(err error, data []byte, newLine func() any) lang.Msg {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return lang.M("json.object", lang.Args{"got": te.Value})
		}
		field := te.Field
		// encoding/json names "lines.qty" without saying which line.
		if rest, ok := strings.CutPrefix(field, "lines"); ok && (rest == "" || rest[0] == '.') {
			if i := failingLine(data, newLine, nil); i >= 0 {
				field = fmt.Sprintf("lines[%d]%s", i, rest)
			}
		}
		return lang.M("json.type", lang.Args{"field": field, "want": lang.M("json.kind."+jsonKind(te.Type.Kind().String()), nil), "got": te.Value})
	case errors.As(err, &se):
		return lang.M("json.malformed", lang.Args{"at": se.Offset, "detail": se.Error()})
	case errors.As(err, &pe):
		return lang.M("json.time", lang.Args{"got": pe.Value})
	case errors.Is(err, io.EOF):
		return lang.M("json.empty", nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lang.M("json.short", nil)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if i := failingLine(data, newLine, err); i >= 0 {
			return lang.M("json.unknown_line_field", lang.Args{"line": i, "field": name})
		}
		return lang.M("json.unknown_field", lang.Args{"field": name})
	case strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: "):
		return lang.M("json.time_string", nil)
	}
	return lang.M("problem.text", lang.Args{"text": strings.TrimPrefix(err.Error(), "json: ")})
}

// failingLine returns the index of the first element of the input's "lines"
// that does not decode on its own into newLine's shape (with the error same,
// when same is not nil), or -1. encoding/json reports the first error in the
// order of the input, so that is the line the error came from.
func failingLine(data []byte, newLine func() any, same error) int {
	if newLine == nil {
		return -1
	}
	var probe struct {
		Lines []json.RawMessage `json:"lines"`
	}
	_ = json.Unmarshal(data, &probe) // the other fields' errors do not matter here
	for i, raw := range probe.Lines {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(newLine()); err != nil {
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
		return "number"
	case "bool":
		return "bool"
	case "string", "slice", "struct":
		return k
	}
	return "other"
}
