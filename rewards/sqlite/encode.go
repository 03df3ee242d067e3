package sqlite

import (
	"encoding/json"
	"strconv"

	"github.com/tochka-loyalty/tochka/rewards"
)

// encodeJSON encodes what an event stores. Receipts, the bulk of the log,
// are written by hand: encoding/json's reflection is a large part of what
// posting a receipt costs. Both ways give the same bytes (a fuzz test holds
// them to it), so a retry compares equal whichever wrote the first copy;
// anything else goes to encoding/json. (A receipt's result is not stored:
// it is rebuilt.)
func encodeJSON(v any) ([]byte, error) {
	if r, ok := v.(rewards.Receipt); ok {
		if b, ok := appendReceipt(make([]byte, 0, 128+96*len(r.Lines)), r); ok {
			return b, nil
		}
	}
	return json.Marshal(v)
}

func appendReceipt(b []byte, r rewards.Receipt) ([]byte, bool) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, r.ID)
	b = append(b, `,"store":`...)
	b = appendJSONString(b, r.Store)
	b = append(b, `,"card":`...)
	b = appendJSONString(b, r.Card)
	b = append(b, `,"time":"`...)
	b, err := r.Time.AppendText(b)
	if err != nil {
		return nil, false // encoding/json says what is wrong with the time
	}
	b = append(b, `","lines":`...)
	if r.Lines == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range r.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"sku":`...)
			b = appendJSONString(b, l.SKU)
			b = append(b, `,"qty":`...)
			b = strconv.AppendInt(b, l.Qty, 10)
			b = append(b, `,"amount":`...)
			b = strconv.AppendInt(b, l.Amount, 10)
			if l.OwnBrand {
				b = append(b, `,"own_brand":true`...)
			}
			if l.Service {
				b = append(b, `,"service":true`...)
			}
			if l.Bonus != 0 {
				b = append(b, `,"bonus":`...)
				b = strconv.AppendInt(b, l.Bonus, 10)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.PayWithPoints != 0 {
		b = append(b, `,"pay_with_points":`...)
		b = strconv.AppendInt(b, r.PayWithPoints, 10)
	}
	return append(b, '}'), true
}

// appendJSONString appends s as encoding/json writes it. Printable ASCII
// other than the characters it escapes is copied; anything else (control
// characters, <, >, &, non-ASCII, invalid UTF-8) is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
