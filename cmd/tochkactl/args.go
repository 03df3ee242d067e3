package main

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// flagKind says what value a flag takes, so that a bad value is a usage
// error found before the database is opened.
type flagKind int

const (
	kindString flagKind = iota
	kindBool
	kindInt
	kindTime
)

// flagSpec describes one flag of a command.
type flagSpec struct {
	name     string
	kind     flagKind
	value    string // the placeholder in usage text: FILE, TIME, N
	required bool
	// helpKey is the catalog key of the help text of a flag several
	// commands share (help.flag.at); the others' is derived from the
	// names, help.flag.COMMAND.FLAG (see flagHelpKey).
	helpKey string
	// choices, when set, are the only values the flag takes, matched
	// without regard to case and kept as spelled here.
	choices []string
	// check, when set, vets the value once its kind has been parsed.
	check func(value string) error
	// oneOf names a group of flags of which exactly one must be given,
	// such as the destinations of a print command.
	oneOf string
}

// The flags every command accepts, anywhere on the line.
var globalFlags = []flagSpec{
	{name: "db", kind: kindString, value: "URL"},
	{name: "json", kind: kindBool},
	{name: "device", kind: kindString, value: "ID"},
	{name: "lang", kind: kindString, value: "bg|ru|en", choices: lang.All},
	{name: "help", kind: kindBool},
	{name: "server", kind: kindString, value: "URL", check: checkServerURL},
	{name: "token", kind: kindString, value: "TOKEN"},
}

// atFlag is the business time of a change, or the moment a balance previews.
var atFlag = flagSpec{name: "at", kind: kindTime, value: "TIME", helpKey: "help.flag.at"}

// usageError is bad usage: exit status 2 with the command's usage line.
type usageError struct {
	cmd *command // nil: the whole program's usage
	msg lang.Msg // what is wrong, from the catalog (cli.usage.*)
}

// badUsage is the usageError of cmd that the catalog's key cli.usage.KEY
// says, with its arguments.
func badUsage(cmd *command, key string, args lang.Args) *usageError {
	return &usageError{cmd: cmd, msg: lang.M("cli.usage."+key, args)}
}

func (e *usageError) Error() string { return e.msg.In(lang.EN) }

// errText is an error as an argument of a message: the domain error's
// text, or the error's own words, in the reader's language.
type errText struct{ err error }

func (e errText) In(l string) string { return errorText(e.err, l) }

// list is items joined in the reader's language, the last one by the
// catalog's key: cli.and ("a, b and c") or cli.or ("a, b or c").
type list struct {
	key   string
	items []string
}

func andList(items []string) list { return list{"cli.and", items} }
func orList(items []string) list  { return list{"cli.or", items} }

func (x list) In(l string) string {
	if len(x.items) < 2 {
		return strings.Join(x.items, "")
	}
	last := len(x.items) - 1
	return lang.Text(l, x.key, lang.Args{"list": strings.Join(x.items[:last], ", "), "last": x.items[last]})
}

// invocation is a command line taken apart.
type invocation struct {
	cmd   *command
	group string   // "card" when only the group was named
	args  []string // positional arguments after the command words
	// global holds the values of the global flags; set, str, num and
	// times those of the command's, so that a command may declare a flag
	// of a global flag's name (scanner watch --device) without the two
	// meaning one thing.
	global map[string]string
	set    map[string]bool
	str    map[string]string
	num    map[string]int64
	times  map[string]time.Time
}

// bool is a boolean flag of the command.
func (in *invocation) bool(name string) bool { return in.set[name] && in.str[name] == "true" }

// globalBool is a boolean global flag.
func (in *invocation) globalBool(name string) bool { return in.global[name] == "true" }

// parseLine splits args into global flags, the command words, the command's
// flags and its positional arguments. Flags may stand anywhere after the
// command words, global flags anywhere at all; both --flag value and
// --flag=value work, and "--" ends the flags. After the command words a
// command's own flag wins over a global flag of the same name.
func parseLine(args []string) (*invocation, error) {
	in := &invocation{global: map[string]string{}, set: map[string]bool{}, str: map[string]string{},
		num: map[string]int64{}, times: map[string]time.Time{}}
	var words []string
	flagsDone := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !flagsDone && a == "--" {
			flagsDone = true
			continue
		}
		if flagsDone || a == "-" || !strings.HasPrefix(a, "-") {
			if in.cmd != nil {
				in.args = append(in.args, a)
				continue
			}
			words = append(words, a)
			name := strings.Join(words, " ")
			// A command that is also a group's first word ("conflicts",
			// "conflicts resolve") is the longer one when the next word
			// makes it.
			if c := lookupCommand(name); c != nil && (i+1 == len(args) || lookupCommand(name+" "+args[i+1]) == nil) {
				in.cmd, in.group = c, ""
			} else if isGroup(name) {
				in.group = name
			} else {
				return in, badUsage(nil, "unknown_command", lang.Args{"name": name})
			}
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" {
			name = "help"
		}
		var spec *flagSpec
		if in.cmd != nil {
			spec = findFlag(in.cmd.flags, name)
		}
		global := false
		if spec == nil {
			spec = findFlag(globalFlags, name)
			global = spec != nil
		}
		if spec == nil {
			if in.cmd == nil && in.group == "" && len(words) == 0 {
				return in, badUsage(nil, "unknown_flag_first", lang.Args{"flag": a})
			}
			return in, badUsage(in.cmd, "unknown_flag", lang.Args{"flag": a})
		}
		if spec.kind == kindBool {
			if !hasValue {
				value = "true"
			} else if b, err := strconv.ParseBool(value); err != nil {
				return in, badUsage(in.cmd, "flag_bool", lang.Args{"flag": name, "got": value})
			} else {
				value = strconv.FormatBool(b)
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return in, badUsage(in.cmd, "flag_value", lang.Args{"flag": name, "value": spec.value})
			}
			i++
			value = args[i]
		}
		if len(spec.choices) > 0 {
			i := slices.IndexFunc(spec.choices, func(c string) bool { return strings.EqualFold(c, value) })
			if i < 0 {
				return in, badUsage(in.cmd, "flag_choice", lang.Args{"flag": name, "choices": orList(spec.choices), "got": value})
			}
			value = spec.choices[i]
		}
		switch spec.kind {
		case kindInt:
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return in, badUsage(in.cmd, "flag_number", lang.Args{"flag": name, "got": value})
			}
			in.num[name] = n
		case kindTime:
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return in, badUsage(in.cmd, "flag_time", lang.Args{"flag": name, "got": value})
			}
			in.times[name] = t
		}
		if spec.check != nil {
			if err := spec.check(value); err != nil {
				return in, badUsage(in.cmd, "flag_problem", lang.Args{"flag": name, "problem": errText{err}})
			}
		}
		if global {
			in.global[name] = value
			continue
		}
		in.set[name] = true
		in.str[name] = value
	}
	if in.globalBool("help") {
		return in, nil // help wins over what is missing
	}
	if in.cmd == nil {
		if in.group != "" {
			return in, badUsage(nil, "subcommand", lang.Args{"group": in.group, "subcommands": strings.Join(subcommands(in.group), ", ")})
		}
		return in, badUsage(nil, "no_command", nil)
	}
	c := in.cmd
	for _, f := range c.flags {
		if _, ok := in.global[f.name]; ok {
			// Given before the command words, it was taken for the global
			// flag, which this command does not use.
			return in, badUsage(c, "flag_after", lang.Args{"flag": f.name, "command": c.name, "value": f.value})
		}
	}
	if n := c.requiredArgs(); len(in.args) < n {
		return in, badUsage(c, "missing_args", lang.Args{"args": strings.Join(c.args[len(in.args):n], " ")})
	}
	if len(in.args) > len(c.args) && !c.variadic() {
		return in, badUsage(c, "unexpected_arg", lang.Args{"arg": in.args[len(c.args)]})
	}
	for _, f := range c.flags {
		if f.required && !in.set[f.name] {
			return in, badUsage(c, "missing_flag", lang.Args{"flag": f.name, "value": f.value})
		}
	}
	for _, group := range c.groups() {
		var given, all []string
		for _, f := range group {
			all = append(all, f.usage())
			if in.set[f.name] {
				given = append(given, "--"+f.name)
			}
		}
		switch {
		case len(given) == 0:
			return in, badUsage(c, "missing_group", lang.Args{"group": lang.M("cli.group."+group[0].oneOf, nil), "options": orList(all)})
		case len(given) > 1:
			return in, badUsage(c, "one_of_group", lang.Args{"group": lang.M("cli.group."+group[0].oneOf, nil), "given": andList(given)})
		}
	}
	return in, nil
}

// variadic reports whether the command's last argument takes one or more
// values: it is written CARD... (or [CARD...], none or more).
func (c *command) variadic() bool {
	return len(c.args) > 0 && strings.HasSuffix(strings.TrimSuffix(c.args[len(c.args)-1], "]"), "...")
}

// requiredArgs is how many of the command's arguments must be given: those
// before the first one written in brackets, which the command checks
// itself ([CARD...] when a flag may stand for them).
func (c *command) requiredArgs() int {
	for i, a := range c.args {
		if strings.HasPrefix(a, "[") {
			return i
		}
	}
	return len(c.args)
}

// groups returns the command's oneOf groups of flags, in the order of their
// first flag.
func (c *command) groups() [][]flagSpec {
	var out [][]flagSpec
	index := map[string]int{}
	for _, f := range c.flags {
		if f.oneOf == "" {
			continue
		}
		i, ok := index[f.oneOf]
		if !ok {
			i = len(out)
			index[f.oneOf] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], f)
	}
	return out
}

// findFlag is the spec of the flag name among specs, or nil.
func findFlag(specs []flagSpec, name string) *flagSpec {
	for i := range specs {
		if specs[i].name == name {
			return &specs[i]
		}
	}
	return nil
}

// needed is the flag made required, with its name and help, for a command
// that cannot do without it.
func (f flagSpec) needed() flagSpec {
	f.required = true
	return f
}

// usage is the flag as a usage line writes it: --out FILE, or --member
// for a flag that takes no value.
func (f flagSpec) usage() string {
	if f.kind == kindBool {
		return "--" + f.name
	}
	return "--" + f.name + " " + f.value
}

// synopsis is a command's usage line without the program name. A oneOf
// group is written where its first flag is: (--out FILE | --printer QUEUE).
func (c *command) synopsis() string {
	parts := []string{c.name}
	parts = append(parts, c.args...)
	alts := map[string][]string{}
	for _, f := range c.flags {
		if f.oneOf != "" {
			alts[f.oneOf] = append(alts[f.oneOf], f.usage())
		}
	}
	for _, f := range c.flags {
		if f.oneOf != "" {
			if a, ok := alts[f.oneOf]; ok {
				parts = append(parts, "("+strings.Join(a, " | ")+")")
				delete(alts, f.oneOf)
			}
			continue
		}
		s := f.usage()
		if !f.required {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}
