package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// report liability prints the points owed by store, cooperative and day,
// as a table, JSON and CSV; its total balance is what check holds in all.
func TestReportLiability(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "bonus", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-05T10:00:00Z"
	c.ok("coop", "add", "--id", "hs", "--name-ru", "Хорошая связь", "--name-en", "Good Link", "--at", "2026-11-01T08:00:00Z")
	c.ok("store", "add", "--id", "moscow-7", "--coop", "hs", "--name-ru", "Москва 7", "--name-en", "Moscow 7", "--at", "2026-11-01T08:00:00Z")
	a := issue(c, "--phone", "+79001112233", "--consent", "--at", "2026-11-01T10:00:00Z")
	issue(c, "--phone", "+79001112234", "--consent", "--at", "2026-11-01T10:00:00Z")
	for i, store := range []string{"moscow-7", "tver-1"} {
		c.ok("receipt", "post", c.file(fmt.Sprintf("r%d.json", i), fmt.Sprintf(`{"id":"R%d","store":%q,"card":%q,"time":"2026-11-02T1%d:00:00Z",
			"lines":[{"sku":"phone","qty":1,"amount":2000000,"bonus":400}],"pay_with_points":100}`, i, store, a, i)))
	}
	// Two welcome bonuses of 500, 200 of them spent; 400 pending from each store.
	out := c.ok("report", "liability")
	for _, want := range []string{
		"bonuses outstanding at 5 Nov 2026 13:00, by store\n",
		"STORE       NAME      AVAILABLE  PENDING  DEBT  BALANCE  VOUCHERS  OUTSTANDING  VALUE\n",
		"moscow-7    Moscow 7  0          400      0     400      0         400          400.00 RUB\n",
		"tver-1      tver-1    0          400      0     400      0         400          400.00 RUB\n",
		"(no store)            800        0        0     800      0         800          800.00 RUB\n",
		"total                 800        800      0     1,600    0         1,600        1,600.00 RUB\n",
		"\nexpiring by month (of the bonuses available and pending):\nSTORE       2026-11  2026-12",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report liability lacks %q:\n%s", want, out)
		}
	}
	// In Russian: bonuses, and numbers grouped as a Russian reader
	// groups them.
	out = c.ok("--lang", "ru", "report", "liability")
	for _, want := range []string{
		"непогашенные бонусы на 05.11.2026 13:00, по магазинам\n",
		"итого                     800       800        0     1\u00a0600   0       1\u00a0600          1\u00a0600,00 RUB\n",
		"\nсгорает по месяцам (из доступных и ожидаемых бонусов):\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report liability in Russian lacks %q:\n%s", want, out)
		}
	}
	var check rewards.CheckReport
	c.jsonOf(&check, "check")
	var l rewards.Liability
	c.jsonOf(&l, "report", "liability", "--by", "coop")
	if l.Total.Balance != check.Total || l.By != "coop" || len(l.Rows) != 2 || l.Rows[0].Group != "hs" || l.Rows[0].Name != "Good Link" ||
		l.Rows[1].Group != "" || l.Rows[1].Pending != 400 || l.Total.Value == nil || *l.Total.Value != 160000 {
		t.Errorf("report liability --by coop --json = %+v (check total %d)", l, check.Total)
	}

	recs, err := csv.NewReader(strings.NewReader(c.ok("report", "liability", "--by", "day", "--csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0][:9], ",") != "day,name,available,pending,debt,balance,vouchers,outstanding,value_RUB" ||
		recs[0][9] != "expiring_2026-11" || len(recs[0]) != 21 ||
		strings.Join(recs[1][:9], ",") != "2026-11-01,,800,0,0,800,0,800,800.00" ||
		strings.Join(recs[2][:9], ",") != "2026-11-02,,0,800,0,800,0,800,800.00" ||
		strings.Join(recs[3][:9], ",") != ",(total),800,800,0,1600,0,1600,1600.00" {
		t.Errorf("report liability --by day --csv:\n%q", recs)
	}
	// The help says where welcome bonuses and debt belong, as the report
	// puts them.
	if help := c.ok("report", "liability", "--help"); !strings.Contains(strings.Join(strings.Fields(help), " "),
		"welcome bonuses belong to no store or cooperative but to the day they were granted, debt to no store, cooperative or day") {
		t.Errorf("report liability --help:\n%s", help)
	}
	// A moment ahead: the bonuses have matured.
	c.jsonOf(&l, "report", "liability", "--at", "2026-12-01T00:00:00Z")
	if l.Total.Available != 1600 || l.Total.Pending != 0 {
		t.Errorf("report liability --at a moment ahead: %+v", l.Total)
	}

	if code, _, errOut := c.exec("", "report", "liability", "--csv", "--json"); code != exitUsage || !strings.Contains(errOut, "--csv and --json") {
		t.Errorf("--csv --json: exit %d, %s", code, errOut)
	}
	if code, _, errOut := c.exec("", "report", "liability", "--by", "week"); code != exitUsage || !strings.Contains(errOut, "--by") {
		t.Errorf("--by week: exit %d, %s", code, errOut)
	}
}

// The report is for now or a moment ahead: on a ledger with receipts and
// vouchers, a moment before them is refused rather than reported from the
// points and vouchers of today.
func TestReportLiabilityPast(t *testing.T) {
	c := newCLI(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "rewards", "sqlite", "testdata", "ledgers", "v0.1.0-coop.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c.env["TOCHKA_NOW"] = "2026-11-10T10:00:00Z"
	code, out, errOut := c.exec("", "report", "liability", "--at", "2026-11-01T10:00:00Z")
	if code != exitRefused || out != "" || !strings.Contains(errOut, "now (10 Nov 2026 12:00) or at a moment ahead; 1 Nov 2026 12:00 is past") {
		t.Errorf("report liability --at a past moment: exit %d\n%s%s", code, out, errOut)
	}
	var e struct {
		Error struct {
			Key string `json:"key"`
		} `json:"error"`
	}
	if code, out, errOut := c.exec("", "--json", "report", "liability", "--at", "2026-11-01T10:00:00Z"); code != exitRefused ||
		json.Unmarshal([]byte(errOut+out), &e) != nil || e.Error.Key != "places.liability_past" {
		t.Errorf("report liability --json --at a past moment: exit %d\n%s%s", code, out, errOut)
	}
	// Now, and a moment ahead, are reported; now's total is what check holds.
	var check rewards.CheckReport
	c.jsonOf(&check, "check")
	var l rewards.Liability
	c.jsonOf(&l, "report", "liability")
	if !l.At.Equal(time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)) || l.Total.Balance != check.Total || check.Total == 0 {
		t.Errorf("report liability now: at %s, %+v (check total %d)", l.At, l.Total, check.Total)
	}
	c.jsonOf(&l, "report", "liability", "--at", "2026-11-10T10:00:00Z")
	if l.Total.Balance != check.Total {
		t.Errorf("report liability --at now: %+v (check total %d)", l.Total, check.Total)
	}
	// A points program's report speaks of points.
	if out := c.ok("report", "liability", "--at", "2026-12-10T10:00:00Z"); !strings.HasPrefix(out, "points outstanding at 10 Dec 2026 12:00, by store\n") ||
		!strings.Contains(out, "\nexpiring by month (of the points available and pending):\n") {
		t.Errorf("report liability of a points program:\n%s", out)
	}
}
