package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
)

// TestPrinterRefusalInReadersLanguage: a printer's refusal reads in the
// language --lang chooses, like every other line: a queue name CUPS would
// not take, and a queue this machine's CUPS does not have (whichever way it
// fails here: no lp, no scheduler, or no such queue).
func TestPrinterRefusalInReadersLanguage(t *testing.T) {
	c := newCLI(t)
	if msg := c.refused("--lang", "ru", "printer", "test", "--printer", "CARDS 2"); msg != "«CARDS 2» — не имя очереди CUPS (lpstat -p их перечисляет)" {
		t.Errorf("a bad queue name in Russian: %q", msg)
	}
	if msg := c.refused("--lang", "bg", "printer", "test", "--printer", "CARDS 2"); msg != `"CARDS 2" не е име на опашка на CUPS (lpstat -p ги изброява)` {
		t.Errorf("a bad queue name in Bulgarian: %q", msg)
	}

	const queue = "tochka-test-no-such-queue"
	_, _, stderr := c.exec("", "--lang", "bg", "--json", "printer", "test", "--printer", queue)
	var e struct {
		Error struct {
			Key     string         `json:"key"`
			Args    map[string]any `json:"args"`
			Message string         `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(stderr), &e); err != nil {
		t.Fatalf("printer test --json with no such queue: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(e.Error.Key, "printer.error.cups_") {
		t.Fatalf("no such queue: the error %q (%s), want one of the printer's", e.Error.Key, e.Error.Message)
	}
	want := lang.Text(lang.BG, e.Error.Key, e.Error.Args)
	if e.Error.Message != want || want == lang.Text(lang.EN, e.Error.Key, e.Error.Args) {
		t.Errorf("no such queue, --json: %q, want the Bulgarian %q", e.Error.Message, want)
	}
	if msg := c.refused("--lang", "bg", "printer", "test", "--printer", queue); msg != want {
		t.Errorf("no such queue: %q, want the Bulgarian %q", msg, want)
	}
}
