package scanner

import (
	"context"

	"github.com/tochka-loyalty/tochka/rewards"
)

// OpenerOf turns a source's own open function into the Open that
// ReportSourceConfig wants: it gives way to a cancelled context first, and
// never returns a nil *E inside a non-nil Endpoint.
func OpenerOf[E Endpoint](open func() (E, error)) func(ctx context.Context) (Endpoint, error) {
	return func(ctx context.Context) (Endpoint, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := open()
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// Problem returns the domain error err, whose message a person reads in
// their language, as an error that also is kind (a source's sentinel
// error), for errors.Is.
func Problem(kind error, err *rewards.Error) error {
	return &problem{err: err, kind: kind}
}

type problem struct {
	err  *rewards.Error
	kind error
}

func (e *problem) Error() string   { return e.err.Error() }
func (e *problem) Unwrap() []error { return []error{e.kind, e.err} }
