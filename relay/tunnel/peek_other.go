//go:build !linux

package tunnel

import "net"

// readWaiter is a no-op off Linux: the copy loop then holds its buffer while it waits.
type readWaiter struct{}

func newReadWaiter(net.Conn) *readWaiter { return nil }

func (w *readWaiter) wait() error { return nil }
