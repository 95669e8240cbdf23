package api

import (
	"encoding/json"
	"reflect"
)

// Method declares one request/response pair: its name and its parameter and result types.
type Method[P, R any] struct{ Name string }

// Query declares one live query: its name, its arguments and the shape of each pushed result.
type Query[A, R any] struct{ Name string }

// EventType declares one named event pushed by the core and its payload.
type EventType[D any] struct{ Name string }

// Empty is the parameter or result of a method that carries none.
type Empty struct{}

// Spec describes a declared method, query or event for generators and dispatchers.
type Spec struct {
	Kind   string // "method", "query" or "event"
	Name   string
	Params reflect.Type // method params, query args; nil for events
	Result reflect.Type // method result, query result, event data
}

// Spec returns the method's description.
func (m Method[P, R]) Spec() Spec {
	return Spec{"method", m.Name, reflect.TypeFor[P](), reflect.TypeFor[R]()}
}

// Spec returns the query's description.
func (q Query[A, R]) Spec() Spec {
	return Spec{"query", q.Name, reflect.TypeFor[A](), reflect.TypeFor[R]()}
}

// Spec returns the event's description.
func (e EventType[D]) Spec() Spec {
	return Spec{"event", e.Name, nil, reflect.TypeFor[D]()}
}

// Specced is anything declared in this package.
type Specced interface{ Spec() Spec }

// The API. Add new methods, queries and events here and to All.
var (
	// CoreInfo reports what the core is and what it can use.
	CoreInfo = Method[Empty, CoreInfoResult]{"core.info"}
	// Subscribe starts a live query; Unsubscribe stops it.
	Subscribe   = Method[SubscribeParams, SubscribeResult]{"subscribe"}
	Unsubscribe = Method[UnsubscribeParams, Empty]{"unsubscribe"}

	// CoreReady is pushed once, when the core has started.
	CoreReady = EventType[CoreInfoResult]{"core.ready"}

	// StatusQuery follows the core's overall state (storage, leadership, connectivity).
	StatusQuery = Query[Empty, CoreStatus]{"core.status"}
)

// All lists every declared method, query and event, in a stable order.
var All = []Specced{CoreInfo, Subscribe, Unsubscribe, CoreReady, StatusQuery}

// CoreInfoResult describes the running core.
type CoreInfoResult struct {
	Product   string      `json:"product"`
	Version   string      `json:"version"`
	Build     string      `json:"build"`
	GoVersion string      `json:"goVersion"`
	Platform  string      `json:"platform"` // GOOS/GOARCH
	Storage   StorageInfo `json:"storage"`
}

// StorageInfo says whether durable local storage is available and how much of it.
type StorageInfo struct {
	Available  bool   `json:"available"`
	Backend    string `json:"backend"`              // "indexeddb" in a browser, "memory" or "file" natively
	Persistent bool   `json:"persistent"`           // the browser granted persistent storage
	UsageBytes int64  `json:"usageBytes,omitempty"` // from navigator.storage.estimate()
	QuotaBytes int64  `json:"quotaBytes,omitempty"`
	Error      string `json:"error,omitempty"` // why storage is unavailable, in plain words
}

// SubscribeParams names a live query and its arguments.
type SubscribeParams struct {
	Query string          `json:"query"`
	Args  json.RawMessage `json:"args,omitempty"`
}

// SubscribeResult is the id under which the query's updates are pushed.
type SubscribeResult struct {
	Sub int64 `json:"sub"`
}

// UnsubscribeParams stops a live query.
type UnsubscribeParams struct {
	Sub int64 `json:"sub"`
}

// CoreStatus is the core's overall state.
type CoreStatus struct {
	Storage StorageInfo `json:"storage"`
	Online  bool        `json:"online"`
}
