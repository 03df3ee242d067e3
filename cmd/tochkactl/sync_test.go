package main

import (
	"strings"
	"testing"
)

// A kiosk's replica through the CLI: sync init makes it from a server,
// sync status says how fresh it is, the other commands read the replica
// and put what they change in its outbox, sync run uploads and pulls, and
// while the server cannot be reached what needs it is refused saying so.
func TestSyncCommands(t *testing.T) {
	w := newServerWorld(t)
	w.host.ok("store", "add", "--id", "sofia-1", "--coop", "sofia", "--name-bg", "София 1", "--at", "2026-11-01T08:00:00Z")
	var kioskDev struct {
		Token string `json:"token"`
	}
	w.host.jsonOf(&kioskDev, "device", "add", "--name", "kiosk-1", "--role", "kiosk", "--store", "sofia-1")
	var issued struct {
		Card string `json:"card"`
	}
	w.remote.jsonOf(&issued, "card", "issue", "--given-name", "Мария", "--family-name", "Петрова", "--phone", "0888123456", "--consent", "--at", "2026-11-02T08:00:00Z")
	if code, out, errOut := w.remote.exec(`{"id":"R1","store":"sofia-1","card":"`+issued.Card+`","time":"2026-11-03T10:00:00Z","lines":[{"sku":"bread","qty":1,"amount":4000}]}`,
		"receipt", "post", "-"); code != 0 {
		t.Fatalf("receipt post: exit %d\n%s%s", code, out, errOut)
	}

	k := newCLI(t)
	k.env["TOCHKA_NOW"] = serverNow
	if out := k.ok("sync", "init", "--upstream", w.srv.URL, "--token", kioskDev.Token); !strings.Contains(out, "was made from "+w.srv.URL) {
		t.Fatalf("sync init said %q", out)
	}
	k.refused("sync", "init", "--upstream", w.srv.URL, "--token", kioskDev.Token) // a replica is made once
	status := k.ok("sync", "status")
	for _, want := range []string{"replica of " + w.srv.URL + " as kiosk-1", "online: yes", "outbox: 0", "open conflicts: 0", "card numbers left: 1000"} {
		if !strings.Contains(status, want) {
			t.Errorf("sync status has no %q:\n%s", want, status)
		}
	}
	if got, want := k.ok("balance", issued.Card, "--at", serverNow), w.remote.ok("balance", issued.Card, "--at", serverNow); got != want {
		t.Errorf("the replica's balance:\n%s\nthe server's:\n%s", got, want)
	}
	if out := k.ok("check"); !strings.Contains(out, "replica") {
		t.Errorf("check on a replica does not say so:\n%s", out)
	}

	// The server's credentials are made at the server.
	if msg := k.refused("device", "add", "--name", "till-9", "--role", "pos", "--store", "sofia-1"); !strings.Contains(msg, "replica does not do this") {
		t.Errorf("a device added on a replica: %s", msg)
	}

	// A card issued at the kiosk waits in its outbox until sync run.
	var local struct {
		Card string `json:"card"`
	}
	k.jsonOf(&local, "card", "issue", "--given-name", "Иван", "--consent")
	if !strings.Contains(k.ok("sync", "status"), "outbox: 1") {
		t.Fatal("the kiosk's card is not in its outbox")
	}
	w.remote.refused("balance", local.Card)
	if out := k.ok("sync", "run"); !strings.HasPrefix(out, "uploaded: 1, pulled: ") {
		t.Fatalf("sync run said %q", out)
	}
	if !strings.Contains(k.ok("sync", "status"), "outbox: 0") {
		t.Fatal("the outbox is not empty after sync run")
	}
	if out := w.remote.ok("card", "export", local.Card); !strings.Contains(out, "Иван") {
		t.Errorf("the server's card: %s", out)
	}

	// The server gone: what needs it is refused, saying so.
	w.srv.Close()
	other := newCLI(t)
	if msg := other.refused("sync", "init", "--upstream", w.srv.URL, "--token", kioskDev.Token); !strings.Contains(msg, "The server cannot be reached now") {
		t.Errorf("sync init with the server gone: %s", msg)
	}
	if msg := k.refused("board", "add", "--id", "mug", "--coop", "sofia", "--points", "20", "--name-bg", "Чаша"); !strings.Contains(msg, "needs the connection to the server") {
		t.Errorf("a board edit offline: %s", msg)
	}
	if msg := k.refused("sync", "run"); !strings.Contains(msg, "The server cannot be reached now") {
		t.Errorf("sync run offline: %s", msg)
	}
	if status := k.ok("sync", "status"); !strings.Contains(status, "online: no") {
		t.Errorf("sync status after a failed run:\n%s", status)
	}
	k.jsonOf(&local, "card", "issue", "--given-name", "Петър", "--consent")
	if !strings.Contains(k.ok("sync", "status"), "outbox: 1") {
		t.Error("a card issued offline is not in the outbox")
	}
}
