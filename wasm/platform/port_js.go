//go:build js && wasm

package platform

import (
	"context"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
)

// MessagePort is a Port over a JavaScript object with postMessage and onmessage: the worker's
// global scope, or a MessagePort of a MessageChannel. Messages are JSON text.
type MessagePort struct {
	target  safejs.Value
	handler safejs.Func
	in      *queue
	once    sync.Once
}

// NewMessagePort starts listening on target. Messages queued by the boot script before the
// core started (in target.__caliopenInbox) are delivered first.
func NewMessagePort(target safejs.Value) (*MessagePort, error) {
	p := &MessagePort{target: target, in: newQueue()}
	if inbox, err := target.Get("__caliopenInbox"); err == nil && !inbox.IsUndefined() && !inbox.IsNull() {
		n, err := inbox.Length()
		if err != nil {
			return nil, fmt.Errorf("platform: read queued messages: %w", err)
		}
		for i := 0; i < n; i++ {
			v, err := inbox.Index(i)
			if err != nil {
				return nil, err
			}
			if s, err := v.String(); err == nil {
				p.in.push([]byte(s))
			}
		}
		_ = target.Delete("__caliopenInbox")
	}
	h, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 0 {
			return nil
		}
		data, err := args[0].Get("data")
		if err != nil {
			return nil
		}
		s, err := data.String()
		if err != nil {
			return nil // not ours: API messages are strings
		}
		p.in.push([]byte(s))
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.handler = h
	if err := target.Set("onmessage", h.Value()); err != nil {
		h.Release()
		return nil, fmt.Errorf("platform: listen for messages: %w", err)
	}
	return p, nil
}

// WorkerPort is the MessagePort of the worker the core runs in.
func WorkerPort() (*MessagePort, error) {
	return NewMessagePort(safejs.Global())
}

// Recv waits for the next message from the UI.
func (p *MessagePort) Recv(ctx context.Context) ([]byte, error) {
	for {
		if m, ok := p.in.pop(); ok {
			return m, nil
		}
		select {
		case <-p.in.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Send posts msg to the UI as a string.
func (p *MessagePort) Send(msg []byte) error {
	_, err := p.target.Call("postMessage", string(msg))
	if err != nil {
		return fmt.Errorf("platform: post message: %w", err)
	}
	return nil
}

// Close stops listening.
func (p *MessagePort) Close() error {
	p.once.Do(func() {
		_ = p.target.Set("onmessage", safejs.Null())
		p.handler.Release()
	})
	return nil
}
