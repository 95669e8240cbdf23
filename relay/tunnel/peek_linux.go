package tunnel

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// readWaiter blocks until a TCP connection has bytes (or EOF, or an error) to read, without
// holding a buffer: an idle tunnel then costs no copy buffer at all. It peeks one byte with
// MSG_PEEK|MSG_DONTWAIT and otherwise parks in Go's network poller through RawConn.Read.
// No library offers this, hence the few lines here.
type readWaiter struct {
	rc   syscall.RawConn
	peek [1]byte
	fn   func(fd uintptr) bool
}

func newReadWaiter(c net.Conn) *readWaiter {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &readWaiter{rc: rc}
	w.fn = func(fd uintptr) bool {
		_, _, err := unix.Recvfrom(int(fd), w.peek[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return err != unix.EAGAIN && err != unix.EINTR
	}
	return w
}

// wait returns once a Read would not block. A nil waiter returns at once.
func (w *readWaiter) wait() error {
	if w == nil {
		return nil
	}
	return w.rc.Read(w.fn)
}
