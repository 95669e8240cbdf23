package relaysync

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Backend is a connection to JetStream and, when embedded, the NATS server it runs.
type Backend struct {
	Conn     *nats.Conn
	JS       jetstream.JetStream
	embedded *server.Server
}

// StartEmbedded starts a single-node NATS server with JetStream storing under dir, reachable
// only in process (it opens no port), and connects to it.
func StartEmbedded(dir string) (*Backend, error) {
	ns, err := server.NewServer(&server.Options{
		ServerName: "caliopen-relay",
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("relaysync: embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("relaysync: embedded NATS did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("caliopen-relay"))
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("relaysync: connect to embedded NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		ns.Shutdown()
		return nil, err
	}
	return &Backend{Conn: nc, JS: js, embedded: ns}, nil
}

// Connect connects to an external NATS cluster (comma-separated URLs), reconnecting forever
// when a node goes away.
func Connect(urls string, opts ...nats.Option) (*Backend, error) {
	opts = append([]nats.Option{nats.Name("caliopen-relay"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}, opts...)
	nc, err := nats.Connect(strings.TrimSpace(urls), opts...)
	if err != nil {
		return nil, fmt.Errorf("relaysync: connect to NATS at %s: %w", urls, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Backend{Conn: nc, JS: js}, nil
}

// Close drains the connection and stops the embedded server, if any.
func (b *Backend) Close(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		_ = b.Conn.Drain()
		for b.Conn.IsDraining() {
			time.Sleep(10 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		b.Conn.Close()
	}
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
}
