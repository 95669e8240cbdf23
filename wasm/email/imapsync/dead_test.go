//go:build !js

package imapsync_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// freezer forwards TCP to a target until frozen; then it keeps connections open but silent,
// like a peer that vanished without closing (a dead NAT mapping, a sleeping laptop's Wi-Fi).
type freezer struct {
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func (f *freezer) start(t *testing.T, target string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, c, s)
			f.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				buf := make([]byte, 32<<10)
				for {
					n, err := src.Read(buf)
					for f.frozen.Load() {
						time.Sleep(10 * time.Millisecond) // silent: nothing passes, nothing closes
					}
					if n > 0 {
						dst.Write(buf[:n])
					}
					if err != nil {
						dst.Close()
						return
					}
				}
			}
			go pipe(s, c)
			go pipe(c, s)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func (f *freezer) set(v bool) { f.frozen.Store(v) }

// A connection that goes silent is detected at the next keep-alive check (no answer to DONE
// within AliveTimeout), long before the IDLE restart's full sync; it is reported as an error
// with a retry time, and replaced once the server answers again. Between keep-alives, the last
// activity moves on.
func TestDeadConnectionIsDetected(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	f := &freezer{}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	acct.Settings.IMAP.Port = f.start(t, "127.0.0.1:"+itoa(srv.Port))
	r := newRepo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var states []email.Health
	s := &imapsync.Syncer{Account: acct, Repo: r, KeepAlive: 200 * time.Millisecond, AliveTimeout: 300 * time.Millisecond,
		Backoff: email.Backoff{Min: 100 * time.Millisecond, Max: 100 * time.Millisecond}}
	var rounds atomic.Int32
	s.Synced = func([]imapsync.Folder) { rounds.Add(1) }
	s.Health.Observe = func(h email.Health) { mu.Lock(); states = append(states, h); mu.Unlock() }
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	emailtest.Eventually(t, 5*time.Second, "connected", func() bool { return s.Health.Get().State == email.Connected && rounds.Load() > 0 })
	first := s.Health.Get().LastActivity
	emailtest.Eventually(t, 5*time.Second, "keep-alives answered", func() bool {
		return s.Health.Get().LastActivity.After(first.Add(500 * time.Millisecond))
	})
	if n := rounds.Load(); n != 1 {
		t.Fatalf("%d sync rounds: a keep-alive is not a sync", n)
	}
	f.set(true)
	emailtest.Eventually(t, 5*time.Second, "dead connection reported", func() bool {
		h := s.Health.Get()
		return h.State == email.Retrying || h.State == email.Failing || h.State == email.Connecting && h.Attempt > 0
	})
	mu.Lock()
	var failure email.Health
	for _, h := range states {
		if h.State == email.Retrying {
			failure = h
		}
	}
	mu.Unlock()
	if !strings.Contains(failure.Err, "did not answer") || failure.RetryAt.IsZero() {
		t.Fatalf("failure reported as %+v", failure)
	}
	f.set(false)
	emailtest.Eventually(t, 5*time.Second, "reconnected", func() bool {
		h := s.Health.Get()
		return h.State == email.Connected && h.Since.After(failure.Since)
	})
	cancel()
	<-done
}
