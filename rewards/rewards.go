// Package rewards is the domain of Tochka: loyalty programs and their rules,
// cards and accounts, receipts, the points ledger with its lots, vouchers, the
// reward board and the events that record every change.
//
// Of Tochka's it depends only on lang, the translation catalog its errors
// are written from, and on no database, UI, hardware or network package. Rules are pure functions of their inputs; time is always
// passed in. Adapters (rewards/sqlite, later rewards/postgres and rewards/api)
// implement the service interfaces declared here.
package rewards

import (
	"errors"

	"github.com/tochka-loyalty/tochka/lang"
)

// Error codes: a small vocabulary that adapters map to their own terms
// (HTTP statuses, exit codes).
const (
	ECONFLICT  = "conflict"  // the request clashes with what is stored
	EINTERNAL  = "internal"  // a fault of ours
	EINVALID   = "invalid"   // the request is malformed or not allowed
	ENOTFOUND  = "not_found" // the thing asked for does not exist
	EREFUSED   = "refused"   // well-formed, but the rules refuse it now
	EFORBIDDEN = "forbidden" // the caller is known and may not do this

	EUNAUTHENTICATED = "unauthenticated" // the caller has not said who it is, or not believably
	ETOOLARGE        = "too_large"       // the request is larger than its limit
	ERATELIMITED     = "rate_limited"    // the caller asks too often; it may ask again later
)

// Error is a domain error: a code from the vocabulary above, the key of its
// message in the translation catalog (package lang) with the message's
// arguments, and the message in English. Callers show it in the reader's
// language with In or ErrorText.
type Error struct {
	Code    string
	Key     string
	Args    lang.Args
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// In renders the error in language l.
func (e *Error) In(l string) string {
	if e.Key == "" {
		return e.Message
	}
	return lang.Text(l, e.Key, e.Args)
}

// Fail returns the *Error with the given code whose message is key of the
// catalog with its arguments.
func Fail(code, key string, args lang.Args) *Error {
	if args == nil {
		args = lang.Args{}
	}
	return &Error{Code: code, Key: key, Args: args, Message: lang.Text(lang.EN, key, args)}
}

// problem is what is wrong with a value, as a message of the catalog: the
// detail that the error of the field it is wrong in takes as an argument.
type problem struct{ msg lang.Msg }

func (p *problem) Error() string { return p.msg.In(lang.EN) }

// wrong is the problem key with its arguments.
func wrong(key string, args lang.Args) error { return &problem{lang.M(key, args)} }

// detail is what err says, as a message of the catalog: a problem, a
// domain error, or else (a library's words) its text as it is.
func detail(err error) lang.Msg {
	var p *problem
	var e *Error
	switch {
	case errors.As(err, &p):
		return p.msg
	case errors.As(err, &e) && e.Key != "":
		return lang.M(e.Key, e.Args)
	}
	return lang.M("problem.text", lang.Args{"text": err.Error()})
}

// Detail is what err says as a message of the catalog, for another
// message to take as an argument: a domain error's message, or else (a
// library's words) its text as it is.
func Detail(err error) lang.Msg { return detail(err) }

// ErrorCode returns the code of the domain error inside err, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the person-readable message of the domain error inside
// err, or a generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return lang.Text(lang.EN, "error.internal", nil)
}

// ErrorText returns the message of the domain error inside err in language
// l, or the generic message for internal errors.
func ErrorText(err error, l string) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.In(l)
	}
	return lang.Text(l, "error.internal", nil)
}
