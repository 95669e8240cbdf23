//go:build js && wasm

package platform

import (
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
)

// Channel is a Broadcaster over the browser's BroadcastChannel (available in workers): every
// worker of this origin that opens the same name hears the others.
type Channel struct {
	ch      safejs.Value
	mu      sync.Mutex
	fns     []func(string)
	handler safejs.Func
}

// OpenChannel opens the BroadcastChannel called name.
func OpenChannel(name string) (*Channel, error) {
	ctor, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || ctor.IsUndefined() {
		return nil, fmt.Errorf("platform: this browser has no BroadcastChannel")
	}
	ch, err := ctor.New(name)
	if err != nil {
		return nil, fmt.Errorf("platform: open broadcast channel: %w", err)
	}
	c := &Channel{ch: ch}
	c.handler, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 0 {
			return nil
		}
		data, err := args[0].Get("data")
		if err != nil {
			return nil
		}
		topic, err := data.String()
		if err != nil {
			return nil
		}
		c.mu.Lock()
		fns := append([]func(string){}, c.fns...)
		c.mu.Unlock()
		for _, fn := range fns {
			go fn(topic)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ch.Set("onmessage", c.handler.Value()); err != nil {
		return nil, err
	}
	return c, nil
}

// Publish posts topic to the other listeners of the channel.
func (c *Channel) Publish(topic string) error {
	if _, err := c.ch.Call("postMessage", topic); err != nil {
		return fmt.Errorf("platform: broadcast: %w", err)
	}
	return nil
}

// Listen registers fn for the topics the others publish.
func (c *Channel) Listen(fn func(string)) {
	c.mu.Lock()
	c.fns = append(c.fns, fn)
	c.mu.Unlock()
}

// Close closes the channel.
func (c *Channel) Close() error {
	_, err := c.ch.Call("close")
	c.handler.Release()
	return err
}
