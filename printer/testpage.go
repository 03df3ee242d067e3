package printer

import (
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// The test page's texts: a pangram in each Cyrillic language the layouts
// print, so that every letter of both alphabets shows whether the font
// reached the printer whole.
const (
	PangramRU = "Съешь же ещё этих мягких французских булок, да выпей чаю"
	PangramBG = "Жълтата дюля беше щастлива, че пухът, който цъфна, замръзна като гьон"
)

// TestCard is the sample card of a printer's test page (tochkactl printer
// test, the kiosk's test page): the program's prefix, zeros and its check
// digit, named in both alphabets.
func TestCard(p *rewards.Program) rewards.Card {
	body := p.Card.Prefix + strings.Repeat("0", 9) + "1"
	return rewards.Card{Number: rewards.WithCheckDigit(body), Name: "Тест · Test"}
}

// TestVouchers are the test page's vouchers for the card, made at: one in
// Russian and one in Bulgarian, each with its language's pangram for the
// reward's name.
func TestVouchers(p *rewards.Program, card string, at time.Time) []Voucher {
	voucher := func(code string, names rewards.Names) rewards.Voucher {
		return rewards.Voucher{Code: code, Card: card, Reward: "TEST", Names: names, Points: 1500, Store: "test",
			Status: rewards.VoucherOpen, CreatedAt: at, ValidUntil: at.Add(30 * 24 * time.Hour)}
	}
	return []Voucher{
		{Program: *p, Lang: LangRU, Voucher: voucher("TEST-PAGE-RU23", rewards.Names{RU: PangramRU})},
		{Program: *p, Lang: LangBG, Voucher: voucher("TEST-PAGE-BG45", rewards.Names{BG: PangramBG})},
	}
}
