package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// statuses is the one table from an error's code to its HTTP status. A
// code it lacks is answered as internal.
var statuses = map[string]int{
	rewards.EINVALID:         http.StatusBadRequest,
	rewards.EUNAUTHENTICATED: http.StatusUnauthorized,
	rewards.EFORBIDDEN:       http.StatusForbidden,
	rewards.ENOTFOUND:        http.StatusNotFound,
	rewards.ECONFLICT:        http.StatusConflict,
	rewards.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	rewards.EREFUSED:         http.StatusUnprocessableEntity,
	rewards.ERATELIMITED:     http.StatusTooManyRequests,
	rewards.EINTERNAL:        http.StatusInternalServerError,
}

// Status is the HTTP status an error with the code is answered with.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the error envelope's inside:
// {"error":{"code":...,"key":...,"args":{...},"message":...}}.
type errorBody struct {
	Code    string         `json:"code"`
	Key     string         `json:"key"`
	Args    map[string]any `json:"args"`
	Message string         `json:"message"`
}

// envelope is an error as the API answers it.
type envelope struct {
	Error *errorBody `json:"error"`
}

// wireError is err as the API shows it to a reader of language l: a
// domain error with its key, arguments and message; anything else as the
// internal error, its own words left out (they are the log's).
func wireError(err error, l string) *errorBody {
	var e *rewards.Error
	if !errors.As(err, &e) || e.Code == rewards.EINTERNAL || statuses[e.Code] == 0 {
		return &errorBody{Code: rewards.EINTERNAL, Key: "error.internal", Args: map[string]any{},
			Message: lang.Text(l, "error.internal", nil)}
	}
	return &errorBody{Code: e.Code, Key: e.Key, Args: wireArgs(e.Args), Message: e.In(l)}
}

// wireArgs are a message's arguments as JSON carries them, for a client
// to render the message in another language: a message as its key and
// arguments, a day as 2006-01-02, a moment in RFC 3339, a number as a
// number, a name in every language it has.
func wireArgs(args lang.Args) map[string]any {
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
			m["args"] = wireArgs(v.Args)
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
		rewards.Names, rewards.Store, rewards.Coop, []string:
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

// domainArgs turns the arguments of an error that came over the wire back
// into values the catalog renders in any language, as wireArgs wrote them:
// a message, a day, a moment, an integer, names.
func domainArgs(in map[string]any) lang.Args {
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
			return lang.M(key, domainArgs(args))
		}
		if names, ok := namesOf(v); ok {
			return names
		}
		if id, ok := v["id"].(string); ok {
			names, _ := namesOf(mapOf(v["names"]))
			if coop, ok := v["coop"].(string); ok {
				addr, _ := v["address"].(string)
				return rewards.Store{ID: id, Coop: coop, Names: names, Address: addr}
			}
			return rewards.Coop{ID: id, Names: names}
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
func namesOf(m map[string]any) (rewards.Names, bool) {
	var n rewards.Names
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

// domainError is an error envelope's inside as the domain error it was.
func (b *errorBody) domainError() *rewards.Error {
	return &rewards.Error{Code: b.Code, Key: b.Key, Args: domainArgs(b.Args), Message: b.Message}
}

// Language is the language of the catalog an Accept-Language header
// prefers most (q-values weigh; of equal weight, the first named), or
// English when it names none of ours.
func Language(header string) string {
	best, bestQ := lang.EN, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if lang.Valid(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
