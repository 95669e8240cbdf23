package platform

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by a Port whose pipe has been closed.
var ErrClosed = errors.New("platform: port closed")

// PipePort is one end of an in-process, message-preserving pipe: the native twin of the
// worker's message port, used by tests to talk to the core as the UI would. Like a browser
// MessagePort, Send never blocks: messages queue until the other end reads them.
type PipePort struct {
	in, out *queue
	closed  *closer
}

type closer struct {
	once sync.Once
	done chan struct{}
}

type queue struct {
	mu    sync.Mutex
	msgs  [][]byte
	ready chan struct{} // holds a token while msgs is not empty
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) push(m []byte) {
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return nil, false
	}
	m := q.msgs[0]
	q.msgs = q.msgs[1:]
	if len(q.msgs) > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return m, true
}

// Pipe returns two connected ends: what one Sends, the other Recvs, in order.
func Pipe() (*PipePort, *PipePort) {
	ab, ba := newQueue(), newQueue()
	c := &closer{done: make(chan struct{})}
	return &PipePort{in: ba, out: ab, closed: c}, &PipePort{in: ab, out: ba, closed: c}
}

// Recv waits for the next message from the other end.
func (p *PipePort) Recv(ctx context.Context) ([]byte, error) {
	for {
		if m, ok := p.in.pop(); ok {
			return m, nil
		}
		select {
		case <-p.in.ready:
		case <-p.closed.done:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Send queues a copy of msg for the other end.
func (p *PipePort) Send(msg []byte) error {
	select {
	case <-p.closed.done:
		return ErrClosed
	default:
	}
	p.out.push(append([]byte(nil), msg...))
	return nil
}

// Close closes both ends.
func (p *PipePort) Close() error {
	p.closed.once.Do(func() { close(p.closed.done) })
	return nil
}
