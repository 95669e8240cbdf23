package platform

import "sync"

// Broadcaster tells the app's other tabs that data changed, and hears their news. Each tab
// runs its own core; IndexedDB is shared, so a topic name is all that needs to travel: each
// core re-runs its live queries for that topic and reads the new data itself.
type Broadcaster interface {
	// Publish tells every other tab that data under topic changed.
	Publish(topic string) error
	// Listen calls fn with the topics other tabs publish, until Close.
	Listen(fn func(topic string))
	Close() error
}

// Hub is the native twin of the browser's BroadcastChannel: the endpoints it hands out hear
// each other's topics, never their own, as tabs do.
type Hub struct {
	mu   sync.Mutex
	ends map[*HubEnd]bool
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{ends: map[*HubEnd]bool{}} }

// HubEnd is one tab's endpoint on a Hub.
type HubEnd struct {
	hub *Hub
	mu  sync.Mutex
	fns []func(string)
}

// Join returns a new endpoint.
func (h *Hub) Join() *HubEnd {
	e := &HubEnd{hub: h}
	h.mu.Lock()
	h.ends[e] = true
	h.mu.Unlock()
	return e
}

// Publish delivers topic to every other endpoint, asynchronously, as a BroadcastChannel does.
func (e *HubEnd) Publish(topic string) error {
	e.hub.mu.Lock()
	var others []*HubEnd
	for o := range e.hub.ends {
		if o != e {
			others = append(others, o)
		}
	}
	e.hub.mu.Unlock()
	for _, o := range others {
		o.mu.Lock()
		fns := append([]func(string){}, o.fns...)
		o.mu.Unlock()
		for _, fn := range fns {
			go fn(topic)
		}
	}
	return nil
}

// Listen registers fn for topics published by other endpoints.
func (e *HubEnd) Listen(fn func(topic string)) {
	e.mu.Lock()
	e.fns = append(e.fns, fn)
	e.mu.Unlock()
}

// Close leaves the hub.
func (e *HubEnd) Close() error {
	e.hub.mu.Lock()
	delete(e.hub.ends, e)
	e.hub.mu.Unlock()
	return nil
}
