package scanner

import (
	"context"
	"fmt"
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

// Problem returns an error whose message is written for a person and that
// also is kind (a source's sentinel error), for errors.Is.
func Problem(kind error, format string, args ...any) error {
	return &problem{msg: fmt.Sprintf(format, args...), kind: kind}
}

type problem struct {
	msg  string
	kind error
}

func (e *problem) Error() string { return e.msg }
func (e *problem) Unwrap() error { return e.kind }
