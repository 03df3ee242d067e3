package printer_test

import (
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
)

// BenchmarkCardSheet renders a batch of 1,000 cards as A4 sheets (fronts
// and backs) an iteration: a staff member printing a box of pre-numbered
// cards. Targets: at least 500 cards/s on one CPU, at most 20,000
// bytes/card. Each iteration is a whole batch, so -benchtime 1x measures.
func BenchmarkCardSheet(b *testing.B) {
	const batch = 1000
	c := cardsFixture(b, printer.LangBG, batch)
	if _, _, err := printer.CardSheetPDF(c); err != nil { // warm-up: fonts parsed once
		b.Fatal(err)
	}
	b.ResetTimer()
	size := 0
	for i := 0; i < b.N; i++ {
		pdf, _, err := printer.CardSheetPDF(c)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.StopTimer()
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric(float64(size)/batch, "bytes/card")
}

// BenchmarkVoucherESCPOS renders 100 vouchers for a thermal printer an
// iteration: the kiosk prints one as a customer waits. Target: at most
// 20 ms/voucher.
func BenchmarkVoucherESCPOS(b *testing.B) {
	const batch = 100
	vouchers := make([]printer.Voucher, 0, 3)
	for _, lang := range printer.Languages {
		vouchers = append(vouchers, voucherFixture(b, lang))
	}
	if _, err := printer.VoucherESCPOS(vouchers[0]); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < batch; j++ {
			if _, err := printer.VoucherESCPOS(vouchers[j%len(vouchers)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(batch*b.N), "ms/voucher")
}
