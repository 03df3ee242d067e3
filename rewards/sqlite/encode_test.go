package sqlite

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// FuzzEncodeJSON holds the hand-written encoding of receipts and of the
// facts kept with them to encoding/json's, byte for byte: a retry's request
// is compared with the stored body as bytes.
func FuzzEncodeJSON(f *testing.F) {
	f.Add("R1", "s1", "2900000000018", int64(1793606400), int64(0), 0, "A", int64(1), int64(1000), true, false, int64(0), int64(0), 3)
	f.Add("R<&>\"\\\n", "магазин", "29\x00", int64(-62135596800), int64(999999999), -3*3600, "\xff\xfe", int64(-1), int64(1<<62), false, true, int64(7), int64(-5), 0)
	f.Add("", "", "", int64(253402300800), int64(1), 5*3600+1800, "\u2028", int64(0), int64(0), false, false, int64(0), int64(0), -1)
	f.Fuzz(func(t *testing.T, id, store, card string, sec, nsec int64, offset int, sku string, qty, amount int64, own, service bool, bonus, pay int64, nLines int) {
		tm := time.Unix(sec, nsec%1_000_000_000).In(time.FixedZone("", offset%(24*3600)))
		r := rewards.Receipt{ID: id, Store: store, Card: card, Time: tm, PayWithPoints: pay}
		res := rewards.ReceiptResult{Receipt: id, Card: card, Earned: amount, Spent: pay, Discount: bonus}
		if nLines >= 0 {
			r.Lines, res.Lines = []rewards.Line{}, []rewards.LineResult{}
			for i := 0; i < nLines%5; i++ {
				r.Lines = append(r.Lines, rewards.Line{SKU: sku, Qty: qty + int64(i), Amount: amount, OwnBrand: own, Service: service, Bonus: bonus})
				res.Lines = append(res.Lines, rewards.LineResult{SKU: sku, Earned: qty, Discount: amount - int64(i)})
			}
		}
		facts := receiptFacts{Version: int(qty), Member: own, Spent: pay, SpendEntry: bonus}
		if want, _ := json.Marshal(facts); !bytes.Equal(facts.appendJSON(nil), want) {
			t.Fatalf("%#v:\nencoding/json %s\nours          %s", facts, want, facts.appendJSON(nil))
		}
		for _, v := range []any{r, res} {
			want, werr := json.Marshal(v)
			got, gerr := encodeJSON(v)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("%#v: encoding/json error %v, ours %v", v, werr, gerr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%#v:\nencoding/json %s\nours          %s", v, want, got)
			}
		}
	})
}
