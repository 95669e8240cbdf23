// Package api is the single source of truth for the messages exchanged between the user
// interface and the core (the Go WebAssembly module running in a Web Worker).
//
// Three kinds of message cross the worker boundary, each a JSON object:
//
//	request   UI → core   {"id": 7, "method": "core.info", "params": {...}}
//	response  core → UI   {"id": 7, "result": {...}}  or  {"id": 7, "error": {"code": "...", "message": "..."}}
//	event     core → UI   {"event": "core.ready", "data": {...}}
//	                      {"sub": 3, "data": {...}}   (an update of live query 3)
//
// Live queries are requests to the "subscribe" method naming a query; the core answers with a
// subscription id, pushes the query's current result at once and again whenever the data
// behind it changes, until "unsubscribe".
//
// Every method, event and query is declared here with Go types; `go run ./wasm/api/tsgen`
// writes the matching TypeScript declarations to web/src/gen/api.ts, and a test fails when
// that file is out of date.
package api

import "encoding/json"

// Request is a call from the UI.
type Request struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Response answers one Request: exactly one of Result and Error is set.
type Response struct {
	ID     int64           `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Event is pushed by the core: a named event, or an update of a live query (Sub != 0).
type Event struct {
	Event string          `json:"event,omitempty"`
	Sub   int64           `json:"sub,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Error is a failure the UI can show: Code is stable for programs, Message is for people (in
// English; the UI translates known codes, filling in Params).
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Params  map[string]string `json:"params,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode names the error for the UI's translations, with the values its sentence names
// (the outbox keeps them with an item's last error).
func (e *Error) ErrorCode() (string, map[string]string) { return e.Code, e.Params }

// Error codes.
const (
	CodeBadRequest    = "bad_request"
	CodeUnknownMethod = "unknown_method"
	CodeInternal      = "internal"
	CodeUnavailable   = "unavailable"
	CodeNotFound      = "not_found"
)

// Errorf builds an *Error with a code.
func Errorf(code, message string) *Error { return &Error{Code: code, Message: message} }

// With adds a named value that the message names, for the UI's translation of it.
func (e *Error) With(name, value string) *Error {
	if e.Params == nil {
		e.Params = map[string]string{}
	}
	e.Params[name] = value
	return e
}
