package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

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
	return &errorBody{Code: e.Code, Key: e.Key, Args: rewards.WireArgs(e.Args), Message: e.In(l)}
}

// domainError is an error envelope's inside as the domain error it was.
func (b *errorBody) domainError() *rewards.Error {
	return &rewards.Error{Code: b.Code, Key: b.Key, Args: rewards.DomainArgs(b.Args), Message: b.Message}
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
