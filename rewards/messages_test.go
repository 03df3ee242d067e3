package rewards_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// keyArg is which argument of a call is a message key (keyCall) or the
// name of what a field belongs to (subjectCall), by the called function:
// "rewards.Fail" from other packages, "rewards/Fail" inside rewards.
var (
	keyCall = map[string]int{
		"rewards.Fail": 1, "rewards/Fail": 1, "rewards/wrong": 0,
		"lang.M": 0, "lang.Text": 1, "lang.Render": 1, "lang.Has": 1,
		"lang/M": 0, "lang/Text": 1, "lang/Render": 1, "lang/Has": 1,
		"rewards.NewProblem": 0, "rewards/NewProblem": 0,
		// the CLI's own: words.t, what a command changed, the card and
		// voucher commands' done keys, and usage errors (cli.usage.KEY)
		"main/t": 0, "main/changed": 0, "main/printCard": 2, "main/printVoucher": 2, "main/badUsage": 1,
	}
	// keyPrefix is what a call's key is written after, by the called
	// function.
	keyPrefix   = map[string]string{"main/badUsage": "cli.usage."}
	subjectCall = map[string]int{
		"rewards/invalidField": 0, "rewards/subject": 0, "rewards/badJSON": 0, "rewards/missingField": 0,
		"rewards/required": 0, "rewards/decodeLines": 0, "rewards/unmarshalStrict": 0, "rewards/decodeStrict": 1,
		"rewards/validate": 0, // Meta.validate(what)
	}
)

// sourceKeys returns the message keys that the non-test Go sources of the
// repository name literally, each with where it is named: keys passed to
// Fail, wrong, lang.M, lang.Text and their kin, and "subject.<what>" for
// the names of what a field belongs to ("card register" is
// subject.card_register). A key built at run time ("kind."+kind) is not
// seen here; the tests of its own kind check it.
func sourceKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				name = f.Name.Name + "/" + fun.Name
			case *ast.SelectorExpr:
				if x, ok := fun.X.(*ast.Ident); ok && x.Obj == nil {
					name = x.Name + "." + fun.Sel.Name // a package's function
				} else {
					name = f.Name.Name + "/" + fun.Sel.Name // a method
				}
			}
			at := fset.Position(call.Pos()).String()
			if i, ok := keyCall[name]; ok && i < len(call.Args) {
				if s, ok := literal(call.Args[i]); ok {
					keys[keyPrefix[name]+s] = at
				}
			}
			if i, ok := subjectCall[name]; ok && i < len(call.Args) {
				if s, ok := literal(call.Args[i]); ok {
					keys["subject."+strings.ReplaceAll(s, " ", "_")] = at
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// literal is the value of a string literal, or of a constant declared
// with one ("const what = \"card issue\"").
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		if e.Obj == nil || e.Obj.Kind != ast.Con {
			return "", false
		}
		if spec, ok := e.Obj.Decl.(*ast.ValueSpec); ok {
			for i, n := range spec.Names {
				if n.Name == e.Name && i < len(spec.Values) {
					return literal(spec.Values[i])
				}
			}
		}
	}
	return "", false
}

// Every key the code names has a text in every language: a key missing
// from the catalog would show to a cashier as the key itself.
func TestSourceKeysInCatalog(t *testing.T) {
	keys := sourceKeys(t)
	// The scan finds what it should: a Fail's key inside rewards, one from
	// rewards/sqlite, a problem, a nested message and a subject.
	for _, k := range []string{"card.blocked", "card.unknown", "problem.required", "json.trailing", "subject.card_register", "subject.receipt_line"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the scan of the sources missed %s", k)
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		for _, l := range lang.All {
			if !lang.Has(l, k) {
				t.Errorf("%s: key %s has no %s text", keys[k], k, l)
			}
		}
	}
}

// eventKinds returns the values of the rewards.Event* constants, read from
// the package's sources so that a kind added later is checked too.
func eventKinds(t *testing.T) map[string]string {
	t.Helper()
	kinds := map[string]string{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				spec := s.(*ast.ValueSpec)
				for i, n := range spec.Names {
					if !strings.HasPrefix(n.Name, "Event") || !n.IsExported() || i >= len(spec.Values) {
						continue
					}
					if v, ok := literal(spec.Values[i]); ok {
						kinds[n.Name] = v
					}
				}
			}
		}
	}
	return kinds
}

// Every kind of event has a name in every language, with the client's id
// and without one: errors about an event name it by its kind.
func TestEventKindsInCatalog(t *testing.T) {
	kinds := eventKinds(t)
	if kinds["EventReceipt"] != rewards.EventReceipt || kinds["EventRewardRemove"] != rewards.EventRewardRemove || len(kinds) < 14 {
		t.Fatalf("the Event constants read from the sources: %v", kinds)
	}
	for name, kind := range kinds {
		for _, l := range lang.All {
			if !lang.Has(l, "kind."+kind) {
				t.Errorf("%s (%s) has no %s name: kind.%s", name, kind, l, kind)
				continue
			}
			withID, err := lang.Render(l, "kind."+kind, lang.Args{"id": "R-42"})
			if err != nil || !strings.Contains(withID, "R-42") {
				t.Errorf("kind.%s in %s with an id: %q, %v", kind, l, withID, err)
			}
			without := rewards.Command(kind, "").In(l)
			if without == "" || without == "kind."+kind || strings.Contains(without, "<no value>") || strings.Contains(without, "R-42") {
				t.Errorf("kind.%s in %s without an id: %q", kind, l, without)
			}
		}
	}
}

// The kinds of program, which an error names, have names too.
func TestProgramKindsInCatalog(t *testing.T) {
	for _, k := range []string{rewards.KindPoints, rewards.KindBonus} {
		for _, l := range lang.All {
			if !lang.Has(l, "program.kind."+k) {
				t.Errorf("program kind %s has no %s name", k, l)
			}
		}
	}
}

// Real refusals, nested messages and all, read whole in every language:
// no argument left out, no key shown instead of its text, and Bulgarian and
// Russian not left in English.
func TestErrorsReadInEveryLanguage(t *testing.T) {
	coop := bundled(t, "coop")
	sofia := coop.Location()
	from := at(t, "2026-11-02T08:00:00Z")
	errs := map[string]error{
		"inactive card": rewards.RefuseInactive(rewards.Card{Number: card1, Status: rewards.CardIssued, ActiveFrom: &from}, sofia),
		"clock ahead":   coop.CheckNotAhead(rewards.EventCardBlock, "", from.Add(time.Hour), from),
		"family holder": func() error {
			_, _, err := coop.Link(rewards.Card{Number: card1}, rewards.Card{Number: card2}, 3, false, from)
			return err
		}(),
		"out of stock": func() error {
			r := reward()
			r.Stock = new(int64)
			return r.OfferedAt(from, "", sofia)
		}(),
		"redeem short": func() error {
			r := reward()
			_, err := coop.Redeem(rewards.Account{Loaded: true}, card1, r, "", code1, from)
			return err
		}(),
	}
	for name, in := range map[string]string{
		"bad time":    `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00","lines":[]}`,
		"qty type":    `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":"1","amount":5}]}`,
		"check digit": `{"id":"R1","store":"s1","card":"2900000000017","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":5}]}`,
		"no lines":    `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z"}`,
	} {
		_, errs[name] = rewards.ParseReceipt(strings.NewReader(in))
	}
	_, errs["program kind"] = rewards.ParseProgram([]byte("name = \"x\"\nkind = \"pointz\"\ncurrency = \"EUR\"\ntimezone = \"Europe/Sofia\"\n"))
	leftover := regexp.MustCompile(`<no value>|\b(problem|subject|kind|json|unit|program\.kind)\.[a-z_.]+`)
	for name, err := range errs {
		var e *rewards.Error
		if !errors.As(err, &e) || e.Key == "" {
			t.Errorf("%s: %v is not a keyed domain error", name, err)
			continue
		}
		en := rewards.ErrorText(err, lang.EN)
		for _, l := range lang.All {
			text := rewards.ErrorText(err, l)
			if leftover.MatchString(text) {
				t.Errorf("%s in %s: %q", name, l, text)
			}
			if l != lang.EN && text == en {
				t.Errorf("%s in %s is the English %q", name, l, text)
			}
		}
	}
}
