package rewards

import (
	"encoding/json"
	"math"
	"regexp"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// A message's arguments travel as JSON: an API's error, an uploaded
// event's answer, a conflict a ledger keeps. WireArgs writes them so, and
// DomainArgs reads them back as values the catalog renders in any
// language.

// WireArgs are a message's arguments as JSON carries them, for a client
// to render the message in another language: a message as its key and
// arguments, a day as 2006-01-02, a moment in RFC 3339, a number as a
// number, a name in every language it has.
func WireArgs(args lang.Args) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		out[k] = wireArg(v)
	}
	return out
}

func wireArg(v any) any {
	switch v := v.(type) {
	case lang.Msg:
		m := map[string]any{"key": v.Key}
		if len(v.Args) > 0 {
			m["args"] = WireArgs(v.Args)
		}
		return m
	case lang.Date:
		return time.Time(v).Format(time.DateOnly)
	case lang.Seconds:
		return time.Time(v).Format(time.RFC3339)
	case time.Time:
		return v.Format(time.RFC3339)
	case lang.Number:
		return int64(v)
	case time.Duration:
		return v.String()
	case error:
		return v.Error()
	case json.Marshaler, string, bool, nil,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64,
		Names, Store, Coop, []string:
		return v
	case lang.Localized:
		return v.In(lang.EN)
	}
	return v
}

var (
	dayRE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	momentRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
)

// DomainArgs turns the arguments of an error that came over the wire back
// into values the catalog renders in any language, as WireArgs wrote them:
// a message, a day, a moment, an integer, names.
func DomainArgs(in map[string]any) lang.Args {
	out := make(lang.Args, len(in))
	for k, v := range in {
		out[k] = domainArg(v)
	}
	return out
}

func domainArg(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case float64:
		// A number decoded without UseNumber: an integer is one again.
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case string:
		if dayRE.MatchString(v) {
			if t, err := time.Parse(time.DateOnly, v); err == nil {
				return lang.Date(t)
			}
		}
		if momentRE.MatchString(v) {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return t
			}
		}
		return v
	case map[string]any:
		if key, ok := v["key"].(string); ok {
			args, _ := v["args"].(map[string]any)
			return lang.M(key, DomainArgs(args))
		}
		if names, ok := namesOf(v); ok {
			return names
		}
		if id, ok := v["id"].(string); ok {
			names, _ := namesOf(mapOf(v["names"]))
			if coop, ok := v["coop"].(string); ok {
				addr, _ := v["address"].(string)
				return Store{ID: id, Coop: coop, Names: names, Address: addr}
			}
			return Coop{ID: id, Names: names}
		}
		return v
	case []any:
		for i := range v {
			v[i] = domainArg(v[i])
		}
		return v
	}
	return v
}

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

// namesOf reads an object of names by language.
func namesOf(m map[string]any) (Names, bool) {
	var n Names
	if len(m) == 0 {
		return n, false
	}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return n, false
		}
		switch k {
		case lang.BG:
			n.BG = s
		case lang.RU:
			n.RU = s
		case lang.EN:
			n.EN = s
		default:
			return n, false
		}
	}
	return n, true
}
