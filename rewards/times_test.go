package rewards_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Times from outside stay within what JSON (RFC 3339) can write back: the
// years 1 to 9999, as given and in UTC, with a zone offset under 24 hours.
func TestTimeRules(t *testing.T) {
	east, west := time.FixedZone("", 23*3600+59*60), time.FixedZone("", -(23*3600+59*60))
	for _, tc := range []struct {
		name string
		at   time.Time
		want string // the key of the problem, "" when accepted
	}{
		{"an ordinary day", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), ""},
		{"the last instant of 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), ""},
		{"early in year 1, east of UTC", time.Date(1, 1, 2, 0, 0, 0, 0, east), ""},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "problem.after_year_9999"},
		{"9999 here, 10000 in UTC", time.Date(9999, 12, 31, 23, 0, 0, 0, west), "problem.after_year_9999"},
		{"10000 here, 9999 in UTC", time.Date(10000, 1, 1, 0, 0, 0, 0, east), "problem.after_year_9999"},
		{"year 0", time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC), "problem.before_year_1"},
		{"year 1 here, year 0 in UTC", time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600)), "problem.before_year_1"},
		{"a negative year", time.Date(-44, 3, 15, 0, 0, 0, 0, time.UTC), "problem.before_year_1"},
		{"an offset of 24 hours", time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("", 24*3600)), "problem.zone_offset"},
		{"an offset of -25 hours", time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("", -25*3600)), "problem.zone_offset"},
	} {
		for _, f := range timeFields(t) {
			t.Run(f.field+"/"+tc.name, func(t *testing.T) {
				err := f.validate(tc.at)
				if tc.want == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					// What is accepted can be written.
					if _, err := json.Marshal(tc.at); err != nil {
						t.Fatalf("accepted a time JSON cannot write: %v", err)
					}
					return
				}
				wantField(t, err, f.field, tc.want)
			})
		}
	}
}

type timeField struct {
	field    string
	validate func(time.Time) error
}

// timeFields lists every business time of every command.
func timeFields(t *testing.T) []timeField {
	type validator interface{ Validate() error }
	meta := func(what string, make func(m rewards.Meta) validator) timeField {
		return timeField{what + " at", func(at time.Time) error { return make(rewards.Meta{ID: "c-1", At: at}).Validate() }}
	}
	return []timeField{
		{"receipt time", func(at time.Time) error {
			r := rewards.Receipt{ID: "R1", Store: "s1", Card: card1, Time: at, Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 1}}}
			return r.Validate()
		}},
		{"return time", func(at time.Time) error {
			r := rewards.Return{ID: "RET1", Receipt: "R1", Time: at, Lines: []rewards.ReturnLine{{SKU: "A", Qty: 1}}}
			return r.Validate()
		}},
		{"reward valid_from", func(at time.Time) error {
			r := reward()
			r.ValidFrom = &at
			return r.Validate()
		}},
		{"reward valid_to", func(at time.Time) error {
			r := reward()
			r.ValidTo = &at
			return r.Validate()
		}},
		meta("card issue", func(m rewards.Meta) validator { return &rewards.CardIssue{Meta: m} }),
		meta("card register", func(m rewards.Meta) validator { return &rewards.CardRegister{Meta: m, Card: card1} }),
		meta("card action", func(m rewards.Meta) validator { return &rewards.CardAction{Meta: m, Card: card1} }),
		meta("card replace", func(m rewards.Meta) validator { return &rewards.CardReplace{Meta: m, Card: card1} }),
		meta("card link", func(m rewards.Meta) validator { return &rewards.CardLink{Meta: m, Card: card1, Holder: card2} }),
		meta("redemption", func(m rewards.Meta) validator { return &rewards.Redemption{Meta: m, Card: card1, Reward: "oil"} }),
		meta("voucher action", func(m rewards.Meta) validator { return &rewards.VoucherAction{Meta: m, Code: code1} }),
		meta("reward add", func(m rewards.Meta) validator { return &rewards.RewardAdd{Meta: m, Reward: reward()} }),
		meta("reward remove", func(m rewards.Meta) validator { return &rewards.RewardRemove{Meta: m, Reward: "oil"} }),
	}
}

// A command's time may be left out (the store takes its clock's); a
// receipt's or return's may not.
func TestTimeRequired(t *testing.T) {
	for _, f := range timeFields(t) {
		err := f.validate(time.Time{})
		switch {
		case strings.HasPrefix(f.field, "receipt ") || strings.HasPrefix(f.field, "return "):
			wantField(t, err, f.field, "problem.time_required")
		case strings.HasPrefix(f.field, "reward valid"):
			// A zero date given is a date like another (year 1): accepted.
		default:
			if err != nil {
				t.Errorf("%s left out: %v", f.field, err)
			}
		}
	}
}

// From JSON, the years past 9999 come only with an offset west of UTC, and
// the year 0 as written: ParseReceipt refuses both, naming the field.
func TestParseReceiptRefusesTimesJSONCannotWrite(t *testing.T) {
	for _, tc := range []struct{ time, want string }{
		{"9999-12-31T23:30:00-01:00", "problem.after_year_9999"},
		{"0000-12-31T23:30:00Z", "problem.before_year_1"},
		{"0001-01-01T00:30:00+01:00", "problem.before_year_1"},
	} {
		in := `{"id":"R1","store":"s1","card":"2900000000018","time":"` + tc.time + `","lines":[{"sku":"A","qty":1,"amount":5}]}`
		_, err := rewards.ParseReceipt(strings.NewReader(in))
		wantField(t, err, "receipt time", tc.want)
		in = `{"id":"RET1","receipt":"R1","time":"` + tc.time + `","lines":[{"sku":"A","qty":1}]}`
		_, err = rewards.ParseReturn(strings.NewReader(in))
		wantField(t, err, "return time", tc.want)
	}
}
