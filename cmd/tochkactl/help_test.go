package main

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
)

// Every command of the table, every flag of a command and every global
// flag has its help text in every language, rendered without a missing
// argument; and every help text of the catalog belongs to one of them, so
// that a removed command or flag leaves no text behind. (The keys are
// built from the names, which the scan of literal keys cannot see.)
func TestHelpTextsInEveryLanguage(t *testing.T) {
	used := map[string]bool{}
	check := func(what, key string) {
		t.Helper()
		used[key] = true
		for _, l := range lang.All {
			s, err := lang.Render(l, key, helpArgs)
			if err != nil || strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s help text %s: %v", what, l, key, err)
			}
		}
	}
	for _, c := range commands {
		check(c.name, c.helpKey())
		for _, f := range c.flags {
			check(c.name+" --"+f.name, flagHelpKey(c, f))
		}
	}
	for _, f := range globalFlags {
		check("global --"+f.name, flagHelpKey(nil, f))
	}
	for _, k := range []string{"help.intro", "help.commands", "help.flags", "help.global_flags", "help.notes", "help.exit_status", "help.person"} {
		check("the program", k)
	}
	for _, k := range lang.Keys() {
		if strings.HasPrefix(k, "help.") && !used[k] {
			t.Errorf("%s is the help of no command or flag", k)
		}
	}
}

// --help reads in the language --lang chooses, else $TOCHKA_LANG's:
// without a ledger to open, there is no program's language to fall back on.
func TestHelpInReadersLanguage(t *testing.T) {
	c := newCLI(t)
	out := c.ok("--lang", "ru", "card", "issue", "--help")
	for _, want := range []string{
		"использование: tochkactl card issue [--at TIME]",
		"выпускает карту и сразу выдаёт её клиенту",
		"Персональные данные хранятся отдельно", // help.person, an argument of the command's text
		"\nфлаги:\n",
		"  --at TIME          время операции, RFC 3339 (по умолчанию сейчас)\n",
		"  --phone PHONE      телефон, хранится как +CC...",
		"Код выхода: 0 готово;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--lang ru card issue --help does not say %q:\n%s", want, out)
		}
	}
	for _, english := range []string{"usage:", "issue a card", "flags:", "business time", "Exit status"} {
		if strings.Contains(out, english) {
			t.Errorf("--lang ru card issue --help says %q in English:\n%s", english, out)
		}
	}

	c.env["TOCHKA_LANG"] = "bg"
	out = c.ok("--help")
	for _, want := range []string{"употреба: tochkactl [--db URL]", "\nкоманди:\n", "издава карта и я предава на клиента сега",
		"  --lang bg|ru|en    езикът на всеки ред", "Изходен код:"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help with $TOCHKA_LANG=bg does not say %q:\n%s", want, out)
		}
	}
	if out := c.ok("card", "batch", "--help"); !strings.Contains(out, "колко карти да се издадат, от 1 до 10000") {
		t.Errorf("card batch --help with $TOCHKA_LANG=bg:\n%s", out)
	}
	if out := c.ok("--lang", "en", "scanner", "watch", "--help"); !strings.Contains(out, "serial: the port (default /dev/ttyACM0)") {
		t.Errorf("--lang en scanner watch --help (--lang over $TOCHKA_LANG):\n%s", out)
	}
}
