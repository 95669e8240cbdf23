package api

// The user's say on messages (wasm/app/messages.go) and what the page knows of the network
// (wasm/app/network.go).
var (
	// SetMessageState marks messages read or unread, starred or not, and files them: in the
	// archive, back in the inbox, in the trash. Each message changes on its network where the
	// network keeps such a state (email: IMAP flags and folders, pushed at once or when the
	// server can next be reached; Mastodon: a conversation read); X keeps none, so there the
	// state is this device's (and the user's other devices'). The copies of an email in other
	// folders change with it. A change is kept in the operation log for the user's other
	// devices.
	SetMessageState = Method[MessageStateParams, Empty]{"messages.setState"}
	// SetNetwork tells the core what the page knows of the network: whether the browser is
	// online and the relay answers, and when the page came back into view. When the network
	// comes back, email accounts sync at once and the outbox sends what waits without waiting
	// out its backoff; while offline, the outbox tries nothing (an attempt that cannot succeed
	// would count toward giving up on the message).
	SetNetwork = Method[NetworkParams, Empty]{"core.network"}
)

func init() { All = append(All, SetMessageState, SetNetwork) }

// MessageStateParams names messages and what to change; a field left out is left as it is.
type MessageStateParams struct {
	IDs     []string `json:"ids"`
	Seen    *bool    `json:"seen,omitempty"`
	Flagged *bool    `json:"flagged,omitempty"`
	// Move files the messages: "archive" (out of the inbox), "inbox" (out of the archive) or
	// "trash".
	Move string `json:"move,omitempty"`
}

// NetworkParams is the page's view of the network.
type NetworkParams struct {
	Online bool `json:"online"`
	// Visible is true when the page just came back into view: connections are checked.
	Visible bool `json:"visible,omitempty"`
}
