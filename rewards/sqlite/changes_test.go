package sqlite_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// TestChangesKeepLatestEntries gives a household more movements than a
// replica keeps (50 entries an account), before and after its snapshot,
// then pools it into another: the replica holds the latest entries, the
// rest as trimmed points, and its check still adds up.
func TestChangesKeepLatestEntries(t *testing.T) {
	scope := rewards.SyncScope{Coop: "c1"}
	w := newSyncWorld(t, 11)
	busy, other := mustCard(t, w.s, rewards.CardIssue{Meta: w.meta(), Handed: true}), mustCard(t, w.s, rewards.CardIssue{Meta: w.meta(), Handed: true})
	w.cards = append(w.cards, busy, other)
	w.clk.t = w.clk.t.Add(48 * 3600e9) // the cards are active
	cycle := func(i int) {
		w.clk.t = w.clk.t.Add(97 * 60e9)
		if _, err := w.s.PostReceipt(ctx, rewards.Receipt{ID: fmt.Sprintf("B%d", i), Store: "s1", Card: busy, Time: w.clk.t,
			Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 5000, Bonus: 30}}}); err != nil {
			t.Fatal(err)
		}
		w.clk.t = w.clk.t.Add(20 * 24 * 3600e9) // the lot matures
		v, err := w.s.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: busy, Reward: "item0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.CancelVoucher(ctx, rewards.VoucherAction{Meta: w.meta(), Code: v.Code}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		cycle(i)
	}
	r := w.bootstrap(scope)
	sameLedgers(t, w.s, r, w.cards, w.clk.t)
	if n := dumpTable(t, r, `SELECT count(*) FROM entries`); n[0] != "50" {
		t.Fatalf("the snapshot holds %s entries of 60", n[0])
	}
	for i := 30; i < 45; i++ {
		cycle(i)
	}
	w.pull(r, scope, 7)
	sameLedgers(t, w.s, r, w.cards, w.clk.t)
	if n := dumpTable(t, r, `SELECT count(*) FROM entries`); n[0] != "50" {
		t.Fatalf("the replica holds %s entries of 90", n[0])
	}
	if _, err := w.s.LinkCard(ctx, rewards.CardLink{Meta: w.meta(), Card: busy, Holder: other, Pool: true}); err != nil {
		t.Fatal(err)
	}
	w.pull(r, scope, 7)
	sameLedgers(t, w.s, r, w.cards, w.clk.t)
	if got := dumpTable(t, r, `SELECT points FROM replica_trimmed`); len(got) != 1 {
		t.Fatalf("trimmed points %v", got)
	}
}

// TestChangesStaff gives the staff who may log in at a kiosk of the
// scope, whole, whenever they changed since the digest the kiosk holds.
func TestChangesStaff(t *testing.T) {
	w := newSyncWorld(t, 5)
	rewardstest.MustPlaces(t, w.s, "c2", "s2")
	for _, m := range []rewards.StaffMember{
		{Number: "100", Name: "Coop", Role: rewards.StaffRoleManager, Coop: "c1"},
		{Number: "101", Name: "Store", Role: rewards.StaffRoleStaff, Store: "s1"},
		{Number: "102", Name: "Elsewhere", Role: rewards.StaffRoleStaff, Store: "s2"},
	} {
		if _, err := w.s.AddStaff(ctx, rewards.StaffAdd{Staff: m, PIN: "482193"}); err != nil {
			t.Fatal(err)
		}
	}
	scope := rewards.SyncScope{Store: "s1"}
	page, err := w.s.Changes(ctx, scope, "", 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, m := range page.Staff {
		numbers = append(numbers, m.Number)
		if m.PINHash == "" {
			t.Fatalf("staff member %s without a PIN hash", m.Number)
		}
	}
	if !reflect.DeepEqual(numbers, []string{"100", "101"}) || page.StaffDigest == "" {
		t.Fatalf("staff of store s1: %v, digest %q", numbers, page.StaffDigest)
	}
	again, err := w.s.Changes(ctx, scope, page.Next, 1000, page.StaffDigest)
	if err != nil {
		t.Fatal(err)
	}
	if again.Staff != nil || again.StaffDigest != page.StaffDigest || len(again.Changes) != 0 || again.More || again.Next != page.Next {
		t.Fatalf("nothing changed, yet %+v", again)
	}
	if coop, err := w.s.Changes(ctx, rewards.SyncScope{Coop: "c1"}, page.Next, 1000, ""); err != nil || len(coop.Staff) != 1 {
		t.Fatalf("staff of cooperative c1: %+v (%v)", coop.Staff, err)
	}

	r := w.bootstrap(scope)
	w.pull(r, scope, 7)
	staff, err := r.StaffList(ctx)
	if err != nil || len(staff) != 2 || staff[1].Coop != "c1" {
		t.Fatalf("the replica's staff %+v (%v)", staff, err)
	}
	if _, err := w.s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "101", Card: "9990000000012"}); err != nil {
		t.Fatal(err)
	}
	w.pull(r, scope, 7)
	if staff, _ := r.StaffList(ctx); staff[1].Card != "9990000000012" {
		t.Fatalf("the replica's staff after a change %+v", staff)
	}

	if _, err := w.s.Changes(ctx, scope, "12", 10, ""); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Fatalf("a bad cursor: %v", err)
	}
}
