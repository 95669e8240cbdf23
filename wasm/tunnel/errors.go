package tunnel

import (
	"errors"
	"fmt"

	proto "caliopen/shared/tunnel"
)

// Error kinds. Every tunnel failure is an *Error that errors.Is matches against exactly one
// of these, so the app can tell "denied" from "unreachable" from "timed out".
var (
	ErrAuth         = errors.New("relay refused the access token")
	ErrDenied       = errors.New("relay policy denies this destination")
	ErrDNS          = errors.New("destination name does not resolve")
	ErrUnreachable  = errors.New("destination unreachable")
	ErrTimeout      = errors.New("tunnel timed out")
	ErrLimit        = errors.New("relay limit reached")
	ErrShuttingDown = errors.New("relay is shutting down")
	ErrBadRequest   = errors.New("relay rejected the request as malformed")
	ErrRelay        = errors.New("cannot reach the relay") // WebSocket could not be opened
	ErrProtocol     = errors.New("unexpected relay behaviour")
)

var kinds = map[proto.Code]error{
	proto.CodeAuthFailed:   ErrAuth,
	proto.CodeDenied:       ErrDenied,
	proto.CodeDNS:          ErrDNS,
	proto.CodeUnreachable:  ErrUnreachable,
	proto.CodeTimeout:      ErrTimeout,
	proto.CodeLimit:        ErrLimit,
	proto.CodeShuttingDown: ErrShuttingDown,
	proto.CodeBadRequest:   ErrBadRequest,
}

// Error is a tunnel failure: a relay close code with its reason, or a failure to reach
// the relay at all.
type Error struct {
	Kind    error      // one of the Err* values above
	Code    proto.Code // relay close code, 0 if none was received
	Reason  string     // relay's reason text, if any
	Address string     // destination host:port
	Err     error      // underlying error, if any
}

func (e *Error) Error() string {
	s := "tunnel to " + e.Address + ": " + e.Kind.Error()
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Err != nil && e.Code == 0 {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches the error's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether the relay closed the tunnel for a timeout (net.Error).
func (e *Error) Timeout() bool { return e.Kind == ErrTimeout }

// Temporary is part of net.Error; limits and shutdowns pass.
func (e *Error) Temporary() bool { return e.Kind == ErrLimit || e.Kind == ErrShuttingDown }

// fromClose returns the *Error for a relay close code, or nil for codes that are not
// tunnel codes (a normal closure, for one).
func fromClose(address string, code int, reason string, err error) *Error {
	kind, ok := kinds[proto.Code(code)]
	if !ok {
		return nil
	}
	return &Error{Kind: kind, Code: proto.Code(code), Reason: reason, Address: address, Err: err}
}

func protocolError(address string, format string, args ...any) *Error {
	return &Error{Kind: ErrProtocol, Address: address, Err: fmt.Errorf(format, args...)}
}
