package rewards_test

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

const day = 24 * time.Hour

func TestParseBundledPrograms(t *testing.T) {
	coop := bundled(t, "coop")
	if coop.Name != "КООП" || coop.Kind != rewards.KindPoints || coop.Currency != "EUR" || coop.Timezone != "Europe/Sofia" {
		t.Errorf("coop header: %+v", coop)
	}
	if got := coop.Location().String(); got != "Europe/Sofia" {
		t.Errorf("coop location %s", got)
	}
	if coop.Card.ActivationDelay.D() != 24*time.Hour || coop.Card.Prefix != "29" {
		t.Errorf("coop card rules %+v", coop.Card)
	}
	if e := coop.Earn; e.Step != 25 || e.Points != 1 || e.OwnBrandPoints != 2 || e.MemberPercent != 200 {
		t.Errorf("coop earn rules %+v", e)
	}
	if coop.Spend.VoucherValid.D() != 720*time.Hour || coop.Expiry.After != 0 {
		t.Errorf("coop spend/expiry %+v %+v", coop.Spend, coop.Expiry)
	}

	bonus := bundled(t, "bonus")
	if bonus.Kind != rewards.KindBonus || bonus.Currency != "RUB" || bonus.Location().String() != "Europe/Moscow" {
		t.Errorf("bonus header: %+v", bonus)
	}
	e := bonus.Earn
	if !reflect.DeepEqual(e.PositionPercent, []int64{100, 150, 200}) {
		t.Errorf("position_percent %v", e.PositionPercent)
	}
	if e.Maturation.D() != 15*day || e.Welcome != 500 || !e.WelcomeDelay.NextDay {
		t.Errorf("bonus earn rules %+v", e)
	}
	if bonus.Spend.MaxPercent != 50 || bonus.Expiry.After.D() != 365*day || bonus.Returns.TakeBackDays != 0 {
		t.Errorf("bonus spend/expiry/returns %+v %+v %+v", bonus.Spend, bonus.Expiry, bonus.Returns)
	}
	if bonus.Card.ActivationDelay != 0 || bonus.Card.Prefix != "27" {
		t.Errorf("bonus card rules %+v", bonus.Card)
	}
	if coop.Card.Barcode != rewards.BarcodeEAN13 || bonus.Card.Barcode != rewards.BarcodeEAN13 {
		t.Errorf("card barcodes %q %q, want the default %q", coop.Card.Barcode, bonus.Card.Barcode, rewards.BarcodeEAN13)
	}
	if p := program(t, header+"[card]\nbarcode = \"code128\"\n"); p.Card.Barcode != rewards.BarcodeCode128 {
		t.Errorf("[card] barcode = \"code128\" read as %q", p.Card.Barcode)
	}
}

// The store keeps installed programs as JSON; what it reads back must be
// the same program.
func TestProgramJSONRoundTrip(t *testing.T) {
	for _, name := range []string{"coop", "bonus", "long"} {
		var p *rewards.Program
		if name == "long" {
			// Found by FuzzParseDuration: 100000d264h was written as
			// "100011d", which did not parse again.
			p = program(t, header+"[expiry]\nafter = \"100000d264h\"\n[earn]\nwelcome_delay = \"1d12h\"\n")
		} else {
			p = bundled(t, name)
		}
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back rewards.Program
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(back, *p) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", name, back, *p)
		}
	}
}

func TestParseProgramDefaults(t *testing.T) {
	p := program(t, `name = "n"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
`)
	want := rewards.DefaultProgram()
	if p.Card != want.Card || p.Spend != want.Spend || p.Expiry != want.Expiry || p.Returns != want.Returns {
		t.Errorf("defaults: %+v", p)
	}
	if !reflect.DeepEqual(p.Earn, want.Earn) {
		t.Errorf("earn defaults %+v, want %+v", p.Earn, want.Earn)
	}
	// The documented defaults of the issue.
	if p.Card.ActivationDelay.D() != 24*time.Hour || p.Earn.Step != 50 || p.Earn.Points != 1 ||
		p.Earn.OwnBrandPoints != 2 || p.Earn.MemberPercent != 200 || p.Earn.Maturation != 0 ||
		p.Earn.Welcome != 0 || !p.Earn.WelcomeDelay.NextDay || p.Spend.MaxPercent != 50 ||
		p.Spend.VoucherValid.D() != 720*time.Hour || p.Expiry.After != 0 || p.Returns.TakeBackDays != 0 {
		t.Errorf("documented defaults: %+v", p)
	}
	// A shorter list replaces the default one instead of overwriting its head.
	p = program(t, `name = "n"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
[earn]
position_percent = [120]
`)
	if !reflect.DeepEqual(p.Earn.PositionPercent, []int64{120}) {
		t.Errorf("position_percent %v", p.Earn.PositionPercent)
	}
	if again := rewards.DefaultProgram(); !reflect.DeepEqual(again.Earn.PositionPercent, []int64{100, 150, 200}) {
		t.Errorf("parsing changed the defaults: %v", again.Earn.PositionPercent)
	}
}

const header = `name = "КООП"
kind = "points"
currency = "EUR"
timezone = "Europe/Sofia"
`

func TestParseProgramRequiredKeys(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(header), "\n")
	for i, key := range []string{"name", "kind", "currency", "timezone"} {
		t.Run(key, func(t *testing.T) {
			without := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
			_, err := rewards.ParseProgram([]byte(strings.Join(without, "\n")))
			wantError(t, err, rewards.EINVALID, "program file", key, "required")
		})
	}
	_, err := rewards.ParseProgram(nil)
	wantError(t, err, rewards.EINVALID, "name", "required")
}

func TestParseProgramRefusesBadKeys(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unknown top-level key", header + "colour = \"red\"\n", []string{`unknown key "colour"`}},
		{"unknown key in table", header + "[earn]\nstepp = 50\n", []string{`unknown key "earn.stepp"`}},
		{"unknown table", header + "[burn]\nstep = 50\n", []string{"unknown key", "burn"}},
		{"string for integer", header + "[earn]\nstep = \"50\"\n", []string{"earn.step", "line 6"}},
		{"float for integer", header + "[earn]\nstep = 0.5\n", []string{"earn.step"}},
		{"string for list", header + "[earn]\nposition_percent = \"100\"\n", []string{"earn.position_percent"}},
		{"strings in list", header + "[earn]\nposition_percent = [\"100\"]\n", []string{"earn.position_percent"}},
		{"integer for string", header + "[card]\nprefix = 29\n", []string{"card.prefix"}},
		{"integer for duration", header + "[card]\nactivation_delay = 24\n", []string{"card.activation_delay"}},
		{"bad duration", header + "[earn]\nmaturation = \"15 days\"\n", []string{"earn.maturation", "15 days"}},
		{"bad delay", header + "[earn]\nwelcome_delay = \"tomorrow\"\n", []string{"earn.welcome_delay", "next-day"}},
		{"bad expiry", header + "[expiry]\nafter = \"forever\"\n", []string{"expiry.after", "forever"}},
		{"value for table", header + "earn = 5\n", []string{"earn"}},
		{"integer for name", "name = 5\nkind = \"points\"\ncurrency = \"EUR\"\ntimezone = \"UTC\"\n", []string{"name"}},
		{"syntax", header + "[earn\n", []string{"line "}},
		{"bad kind", strings.Replace(header, `"points"`, `"cashback"`, 1), []string{"kind", "cashback"}},
		{"bad currency", strings.Replace(header, `"EUR"`, `"eur"`, 1), []string{"currency", "eur"}},
		{"unknown zone", strings.Replace(header, "Europe/Sofia", "Europe/Plovdiv", 1), []string{"timezone", "Europe/Plovdiv"}},
		{"blank name", strings.Replace(header, `"КООП"`, `"  "`, 1), []string{"name", "required"}},
		{"zero step", header + "[earn]\nstep = 0\n", []string{"earn.step"}},
		{"negative points", header + "[earn]\npoints = -1\n", []string{"earn.points"}},
		{"huge own brand", header + "[earn]\nown_brand_points = 1001\n", []string{"earn.own_brand_points"}},
		{"negative member percent", header + "[earn]\nmember_percent = -100\n", []string{"earn.member_percent"}},
		{"empty positions", header + "[earn]\nposition_percent = []\n", []string{"earn.position_percent"}},
		{"negative position", header + "[earn]\nposition_percent = [100, -1]\n", []string{"earn.position_percent"}},
		{"negative maturation", header + "[earn]\nmaturation = \"-1h\"\n", []string{"earn.maturation"}},
		{"negative welcome delay", header + "[earn]\nwelcome_delay = \"-1h\"\n", []string{"earn.welcome_delay"}},
		{"negative activation", header + "[card]\nactivation_delay = \"-24h\"\n", []string{"card.activation_delay"}},
		{"short prefix", header + "[card]\nprefix = \"2\"\n", []string{"card.prefix"}},
		{"letter prefix", header + "[card]\nprefix = \"2a\"\n", []string{"card.prefix"}},
		{"unknown barcode", header + "[card]\nbarcode = \"qr\"\n", []string{"card.barcode", `"ean13"`, `"code128"`, `"qr"`}},
		{"empty barcode", header + "[card]\nbarcode = \"\"\n", []string{"card.barcode"}},
		{"max percent above 100", header + "[spend]\nmax_percent = 101\n", []string{"spend.max_percent"}},
		{"voucher never valid", header + "[spend]\nvoucher_valid = \"never\"\n", []string{"spend.voucher_valid"}},
		{"negative expiry", header + "[expiry]\nafter = \"-1h\"\n", []string{"expiry.after"}},
		{"overflowing expiry", header + "[expiry]\nafter = \"100000d2562047h\"\n", []string{"expiry.after", "100000d2562047h"}},
		{"negative take back", header + "[returns]\ntake_back_days = -1\n", []string{"returns.take_back_days"}},
		{"welcome too big", header + "[earn]\nwelcome = 1000001\n", []string{"earn.welcome"}},
		// A zero expiry is read as never: the file must say so.
		{"expiry 0s", header + "[expiry]\nafter = \"0s\"\n", []string{"expiry.after", `"0s"`, `write "never"`}},
		{"expiry 0d", header + "[expiry]\nafter = \"0d\"\n", []string{"expiry.after", `"0d"`, `"never"`}},
		{"expiry 0", header + "[expiry]\nafter = \"0\"\n", []string{"expiry.after", `"never"`}},
		{"expiry 0h0m", header + "[expiry]\nafter = \" 0h0m \"\n", []string{"expiry.after", `"never"`}},
		// A program names its zone and its currency.
		{"Local zone", strings.Replace(header, "Europe/Sofia", "Local", 1), []string{"timezone", `"Local"`, "Europe/Sofia"}},
		{"localtime zone", strings.Replace(header, "Europe/Sofia", "localtime", 1), []string{"timezone", `"localtime"`}},
		{"unknown currency", strings.Replace(header, `"EUR"`, `"ABC"`, 1), []string{"currency", `"ABC"`, "ISO 4217"}},
		{"withdrawn currency", strings.Replace(header, `"EUR"`, `"HRK"`, 1), []string{"currency", `"HRK"`}},
		{"the lev, since the euro", strings.Replace(header, `"EUR"`, `"BGN"`, 1), []string{"currency", `"BGN"`}},
		{"no currency", strings.Replace(header, `"EUR"`, `"XXX"`, 1), []string{"currency", `"XXX"`}},
		{"testing currency", strings.Replace(header, `"EUR"`, `"XTS"`, 1), []string{"currency", `"XTS"`}},
		{"negative clock skew", header + "[ledger]\nmax_clock_skew = \"-1m\"\n", []string{"ledger.max_clock_skew", "negative"}},
		{"bad clock skew", header + "[ledger]\nmax_clock_skew = \"soon\"\n", []string{"ledger.max_clock_skew", "soon"}},
		{"colour by name", header + "[kiosk]\ncolour = \"green\"\n", []string{"kiosk.colour", "#rrggbb", "green"}},
		{"colour too light", header + "[kiosk]\ncolour = \"#ffd700\"\n", []string{"kiosk.colour", "#ffd700", "1.4:1", "4.5:1"}},
		{"unknown ledger key", header + "[ledger]\nmax_skew = \"1m\"\n", []string{`unknown key "ledger.max_skew"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := rewards.ParseProgram([]byte(tc.toml))
			if p != nil {
				t.Errorf("got a program with an error: %+v", p)
			}
			wantError(t, err, rewards.EINVALID, append([]string{"program file"}, tc.want...)...)
		})
	}
}

// Keys that do not apply to the program's kind are read, checked and
// otherwise ignored: a points program may carry bonus keys and the other way
// round.
func TestParseProgramKeysOfTheOtherKind(t *testing.T) {
	p := program(t, header+`[earn]
position_percent = [100, 300]
maturation = "15d"
welcome = 500
[spend]
max_percent = 50
`)
	total, _ := p.Earnings([]rewards.Line{{SKU: "A", Qty: 1, Amount: 50, Bonus: 99}}, false)
	if total != 1 {
		t.Errorf("points program earned %d, want 1 (bonus keys ignored)", total)
	}
	if _, most := p.SpendCaps([]rewards.Line{{SKU: "A", Qty: 1, Amount: 10000}}); most != 0 {
		t.Errorf("points program allows paying %d with points at the till, want 0", most)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"15d", 15 * day},
		{"1d", day},
		{"0d", 0},
		{"1d12h", 36 * time.Hour},
		{"2d30m", 2*day + 30*time.Minute},
		{"365d", 365 * day},
		{"24h", 24 * time.Hour},
		{"90m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"0s", 0},
		{"0", 0},
		{"never", 0},
		{" 15d ", 15 * day},
		{"-1h", -time.Hour}, // syntactically fine; Validate refuses it where it matters
		{"100000d", 100000 * day},
		{"106751d", 106751 * day}, // the most a Duration holds
		{"100000d264h", 100011 * day},
	} {
		got, err := rewards.ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "d", "15", "x", "1.5d", "-1d", "1d-1h", "15days", "15 d", "1h2d", "d12h",
		"Never", "1d1d", "106752d", "99999999999999999999d", "100000d2562047h", "1d2562047h",
	} {
		if got, err := rewards.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, got)
		} else if !strings.Contains(err.Error(), "invalid duration") {
			t.Errorf("ParseDuration(%q) error %q does not say why", bad, err)
		}
	}
}

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		text string
	}{
		{15 * day, "15d"},
		{365 * day, "365d"},
		{36 * time.Hour, "36h0m0s"},
		{100011 * day, "100011d"},
		{106751 * day, "106751d"},
		{90 * time.Minute, "1h30m0s"},
		{0, "0s"},
	} {
		b, err := rewards.Duration(tc.d).MarshalText()
		if err != nil || string(b) != tc.text {
			t.Errorf("MarshalText(%v) = %q, %v; want %q", tc.d, b, err, tc.text)
		}
		var back rewards.Duration
		if err := back.UnmarshalText(b); err != nil || back.D() != tc.d {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back.D(), err, tc.d)
		}
	}
	for _, tc := range []struct {
		text string
		want rewards.Delay
	}{
		{"next-day", rewards.Delay{NextDay: true}},
		{"0s", rewards.Delay{}},
		{"12h", rewards.Delay{After: 12 * time.Hour}},
		{"1d", rewards.Delay{After: day}},
	} {
		var d rewards.Delay
		if err := d.UnmarshalText([]byte(tc.text)); err != nil || d != tc.want {
			t.Errorf("Delay.UnmarshalText(%q) = %+v, %v; want %+v", tc.text, d, err, tc.want)
		}
		b, _ := d.MarshalText()
		var back rewards.Delay
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Errorf("Delay %+v does not round-trip through %q", d, b)
		}
	}
	var d rewards.Delay
	if err := d.UnmarshalText([]byte("next day")); err == nil || !strings.Contains(err.Error(), "next-day") {
		t.Errorf("Delay.UnmarshalText(next day) = %v, want an error mentioning next-day", err)
	}
}

// The welcome bonus is spendable from the next local midnight of the
// program's zone: granted at 23:59 Moscow it is spendable one minute later;
// granted at 00:00:01 it waits for the following midnight.
func TestDelayNextDayMoscow(t *testing.T) {
	p := bundled(t, "bonus")
	msk := p.Location()
	d := p.Earn.WelcomeDelay
	for _, tc := range []struct{ granted, want string }{
		{"2026-11-01T23:59:00+03:00", "2026-11-02T00:00:00+03:00"},
		{"2026-11-01T23:59:59.999+03:00", "2026-11-02T00:00:00+03:00"},
		{"2026-11-02T00:00:00+03:00", "2026-11-03T00:00:00+03:00"},
		{"2026-11-02T00:00:01+03:00", "2026-11-03T00:00:00+03:00"},
		{"2026-11-02T12:00:00+03:00", "2026-11-03T00:00:00+03:00"},
		// Given in UTC: 20:59Z is 23:59 in Moscow, 21:00:01Z already the next day there.
		{"2026-11-01T20:59:00Z", "2026-11-01T21:00:00Z"},
		{"2026-11-01T21:00:01Z", "2026-11-02T21:00:00Z"},
		// Month and year ends.
		{"2026-11-30T23:59:00+03:00", "2026-12-01T00:00:00+03:00"},
		{"2026-12-31T23:59:00+03:00", "2027-01-01T00:00:00+03:00"},
	} {
		got := d.From(at(t, tc.granted), msk)
		if want := at(t, tc.want); !got.Equal(want) {
			t.Errorf("granted %s: spendable from %s, want %s", tc.granted, got.In(msk), want.In(msk))
		}
		if got.Location() != time.UTC {
			t.Errorf("From returned %v, want a UTC time", got)
		}
	}

	// The same grant, seen through the ledger: move the clock across midnight.
	granted := at(t, "2026-11-01T23:59:00+03:00")
	lot := p.NewLot(p.Earn.Welcome, d.From(granted, msk))
	for _, tc := range []struct {
		now       string
		available int64
	}{
		{"2026-11-01T23:59:00+03:00", 0},
		{"2026-11-01T23:59:59.999999999+03:00", 0},
		{"2026-11-02T00:00:00+03:00", 500},
		{"2026-11-02T10:00:00+03:00", 500},
	} {
		if got, _, _ := rewards.ComputeBalance([]rewards.Lot{lot}, 0, at(t, tc.now)); got != tc.available {
			t.Errorf("welcome granted 23:59, at %s: available %d, want %d", tc.now, got, tc.available)
		}
	}
	lot = p.NewLot(p.Earn.Welcome, d.From(at(t, "2026-11-02T00:00:01+03:00"), msk))
	for _, tc := range []struct {
		now       string
		available int64
	}{
		{"2026-11-02T23:59:59+03:00", 0},
		{"2026-11-03T00:00:00+03:00", 500},
	} {
		if got, _, _ := rewards.ComputeBalance([]rewards.Lot{lot}, 0, at(t, tc.now)); got != tc.available {
			t.Errorf("welcome granted 00:00:01, at %s: available %d, want %d", tc.now, got, tc.available)
		}
	}
}

// Next-day across Sofia's change from summer time (25 Oct 2026, 04:00 EEST
// becomes 03:00 EET): the next midnight is a local midnight, not 24 h later.
func TestDelayNextDayAcrossDST(t *testing.T) {
	sofia := zone(t, "Europe/Sofia")
	d := rewards.Delay{NextDay: true}
	for _, tc := range []struct{ granted, want string }{
		{"2026-10-24T12:00:00+03:00", "2026-10-25T00:00:00+03:00"},
		{"2026-10-25T00:00:00+03:00", "2026-10-26T00:00:00+02:00"},
		{"2026-10-25T23:30:00+02:00", "2026-10-26T00:00:00+02:00"},
		{"2026-03-28T23:00:00+02:00", "2026-03-29T00:00:00+02:00"},
		{"2026-03-29T12:00:00+03:00", "2026-03-30T00:00:00+03:00"},
	} {
		if got, want := d.From(at(t, tc.granted), sofia), at(t, tc.want); !got.Equal(want) {
			t.Errorf("granted %s: from %s, want %s", tc.granted, got.In(sofia), want)
		}
	}
	// A delay given as a duration ignores the zone.
	after := rewards.Delay{After: 36 * time.Hour}
	if got, want := after.From(at(t, "2026-10-24T12:00:00+03:00"), sofia), at(t, "2026-10-26T00:00:00+03:00"); !got.Equal(want) {
		t.Errorf("36h delay: %s, want %s", got, want)
	}
}

// What the new rules still accept: "never", zero durations where they mean
// no delay, a clock skew of zero (none allowed) and every code of the
// currency list.
func TestParseProgramNewRulesAccept(t *testing.T) {
	if p := program(t, header+"[expiry]\nafter = \"never\"\n"); p.Expiry.After != 0 {
		t.Errorf("never: %v", p.Expiry.After)
	}
	if p := program(t, header+"[expiry]\nafter = \"30d\"\n[card]\nactivation_delay = \"0s\"\n[earn]\nmaturation = \"0d\"\n"); p.Expiry.After.D() != 30*day {
		t.Errorf("30d: %v", p.Expiry.After)
	}
	if p := program(t, header); p.Ledger.MaxClockSkew.D() != 10*time.Minute {
		t.Errorf("default max_clock_skew %v, want 10m", p.Ledger.MaxClockSkew.D())
	}
	for _, skew := range []string{"0s", "90s", "1h", "1d"} {
		p := program(t, header+"[ledger]\nmax_clock_skew = \""+skew+"\"\n")
		if want, _ := rewards.ParseDuration(skew); p.Ledger.MaxClockSkew.D() != want {
			t.Errorf("max_clock_skew %q read as %v", skew, p.Ledger.MaxClockSkew.D())
		}
	}
	data, err := os.ReadFile("currencies.txt")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^[A-Z]{3} \S`)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !code.MatchString(line) {
			t.Errorf("currencies.txt: line %q is not a code and a name", line)
			continue
		}
		n++
		program(t, strings.Replace(header, `"EUR"`, `"`+line[:3]+`"`, 1))
	}
	if n < 150 {
		t.Errorf("currencies.txt lists %d codes", n)
	}
}

// Programs already stored in ledgers were written by json.Marshal without
// the keys added since, and may break the rules for new programs: they keep
// loading, and a key they lack takes its default.
func TestStoredProgramsKeepLoading(t *testing.T) {
	stored := `{"name":"Old","kind":"points","currency":"BGN","timezone":"Local",` +
		`"card":{"activation_delay":"1d","prefix":"29","barcode":"ean13"},` +
		`"earn":{"step":50,"points":1,"own_brand_points":2,"member_percent":200,"position_percent":[100,150,200],"maturation":"0s","welcome":0,"welcome_delay":"next-day"},` +
		`"spend":{"max_percent":50,"voucher_valid":"30d"},"expiry":{"after":"0s"},"returns":{"take_back_days":0},` +
		`"contact":{"phone":"","web":""},"version":3}`
	for _, start := range []struct {
		name string
		p    rewards.Program
	}{{"zero", rewards.Program{}}, {"defaults", rewards.DefaultProgram()}} {
		p := start.p
		if err := json.Unmarshal([]byte(stored), &p); err != nil {
			t.Fatalf("%s: %v", start.name, err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: a stored program no longer validates: %v", start.name, err)
		}
		if p.Ledger.MaxClockSkew.D() != 10*time.Minute || p.Version != 3 || p.Currency != "BGN" || p.Expiry.After != 0 {
			t.Errorf("%s: %+v", start.name, p)
		}
		// As a new program it would be refused.
		wantError(t, p.ValidateNew(), rewards.EINVALID, "currency", "BGN")
	}
	// An event that installs a program, as a replay decodes its body.
	var ev struct {
		Program *rewards.Program `json:"program"`
	}
	if err := json.Unmarshal([]byte(`{"program":`+stored+`}`), &ev); err != nil || ev.Program.Ledger.MaxClockSkew.D() != 10*time.Minute {
		t.Fatalf("in a body: %+v, %v", ev.Program, err)
	}
	// A stored program with the key keeps its value, zero included.
	var p rewards.Program
	withKey := strings.Replace(stored, `"version":3`, `"ledger":{"max_clock_skew":"0s"},"version":3`, 1)
	if err := json.Unmarshal([]byte(withKey), &p); err != nil || p.Ledger.MaxClockSkew != 0 {
		t.Fatalf("with the key: %+v, %v", p.Ledger, err)
	}
}

// A command dated more than max_clock_skew ahead of the ledger's clock is
// refused, saying both times in the program's zone; up to it, it passes.
func TestCheckNotAhead(t *testing.T) {
	sofia := program(t, header) // Europe/Sofia, 10m
	utc := program(t, strings.Replace(header, "Europe/Sofia", "UTC", 1)+"[ledger]\nmax_clock_skew = \"0s\"\n")
	seconds := program(t, strings.Replace(header, "Europe/Sofia", "UTC", 1)+"[ledger]\nmax_clock_skew = \"90s\"\n")
	now := at(t, "2026-11-02T09:00:00Z")
	for _, tc := range []struct {
		name string
		p    *rewards.Program
		at   time.Time
		want string // "" when it passes
	}{
		{"now", sofia, now, ""},
		{"in the past", sofia, now.AddDate(-1, 0, 0), ""},
		{"exactly the skew ahead", sofia, now.Add(10 * time.Minute), ""},
		{"a nanosecond more", sofia, now.Add(10*time.Minute + 1), "The date of receipt R1, 2 Nov 2026 11:10, is more than 10 min ahead of this ledger's clock (2 Nov 2026 11:00): check the till's clock."},
		{"the issue's example", sofia, at(t, "2028-01-01T08:00:00Z"), "The date of receipt R1, 1 Jan 2028 10:00, is more than 10 min ahead of this ledger's clock (2 Nov 2026 11:00)"},
		{"no skew allowed", utc, now, ""},
		{"no skew allowed, a second ahead", utc, now.Add(time.Second), "The date of receipt R1, 2 Nov 2026 09:00:01, is ahead of this ledger's clock (2 Nov 2026 09:00:00)"},
		{"a skew in seconds", seconds, now.Add(91 * time.Second), "2 Nov 2026 09:01:31, is more than 1 min 30 s ahead of this ledger's clock (2 Nov 2026 09:00:00)"},
		{"far in the future", sofia, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "31 Dec 9999 02:00, is more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.CheckNotAhead(rewards.EventReceipt, "R1", tc.at, now)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKey(t, err, rewards.EREFUSED, "clock.ahead", lang.Args{"what": rewards.Command(rewards.EventReceipt, "R1")})
			wantError(t, err, rewards.EREFUSED, tc.want)
		})
	}
}

func TestProgramLanguage(t *testing.T) {
	for currency, want := range map[string]string{"EUR": "bg", "BGN": "bg", "RUB": "ru", "USD": "en", "GBP": "en"} {
		if got := (&rewards.Program{Currency: currency}).Language(); got != want {
			t.Errorf("the language of a %s program is %s, want %s", currency, got, want)
		}
	}
}
