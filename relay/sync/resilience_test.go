package relaysync

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"caliopen/wasm/syncspace"
)

// storedOps reads the space's log straight from JetStream and counts each operation of its
// ordinary batches (not snapshots).
func storedOps(t *testing.T, js jetstream.JetStream, key *syncspace.Key) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lg, err := OpenLog(ctx, js, LogConfig{Replicas: 0})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	err = lg.Follow(ctx, key.SpaceID(), 0, false, func(seq uint64, data []byte) error {
		ops, part, err := key.OpenBatch(data)
		if err != nil || part != nil {
			return err
		}
		for _, op := range ops {
			counts[op.ID()]++
		}
		return nil
	}, func(uint64) error { return nil }, func(uint64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// TestRelayRestartMidSync stops the relay (and its embedded NATS) while two devices push,
// starts it again on the same address and data directory, and checks that the devices
// reconnect, resume from their cursors, and that every operation is stored exactly once.
func TestRelayRestartMidSync(t *testing.T) {
	dir := t.TempDir()
	tokens, tok := newTokens(t)
	backend, err := StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, backend, tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	a := newDevice(t, key, "phone", r.url(), tok)
	b := newDevice(t, key, "desktop", r.url(), tok)
	a.start()
	b.start()
	writeN(t, a, "a", 0, 200)
	writeN(t, b, "b", 0, 100)
	eventually(t, 20*time.Second, "some batches through", func() bool { return keysWith(b, "a") > 0 })

	r.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	backend.Close(ctx)
	cancel()
	writeN(t, a, "a", 200, 300) // while the relay is down
	writeN(t, b, "b", 100, 150)

	backend2 := embedded(t, dir)
	r2 := startRelay(t, backend2, tokens, DefaultConfig(), LogConfig{}, r.addr)
	_ = r2
	converged(t, 60*time.Second, 450, a, b)

	counts := storedOps(t, backend2.JS, key)
	if len(counts) != 450 {
		t.Fatalf("%d operations stored, want 450", len(counts))
	}
	for id, n := range counts {
		if n != 1 {
			t.Fatalf("operation %s stored %d times", id, n)
		}
	}
}

// natsNode is one node of an in-process NATS cluster.
type natsNode struct {
	srv  *server.Server
	opts *server.Options
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCluster starts a 3-node NATS cluster with JetStream, every node storing on disk.
func startCluster(t *testing.T) []*natsNode {
	t.Helper()
	ports := []int{freePort(t), freePort(t), freePort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, "nats://127.0.0.1:"+strconv.Itoa(p))
	}
	nodes := make([]*natsNode, 3)
	for i := range nodes {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: filepath.Join(t.TempDir(), "js"), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "caliopen-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		nodes[i] = &natsNode{srv: s, opts: opts}
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	for _, n := range nodes {
		if !n.srv.ReadyForConnections(20 * time.Second) {
			t.Fatal("a NATS node did not start")
		}
	}
	return nodes
}

func clusterURLs(nodes []*natsNode, first int) string {
	var urls []string
	for i := range nodes {
		urls = append(urls, nodes[(first+i)%len(nodes)].srv.ClientURL())
	}
	return strings.Join(urls, ",")
}

func connectCluster(t *testing.T, urls string) *Backend {
	t.Helper()
	b, err := Connect(urls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Conn.Close() })
	return b
}

// twoRelays starts relay A and relay B, each with its own token store, connected to the
// cluster through different nodes, sharing a stream replicated on all three.
func twoRelays(t *testing.T, nodes []*natsNode) (relayA *relay, tokA string, relayB *relay, tokB string) {
	t.Helper()
	tokensA, tokA := newTokens(t)
	tokensB, tokB := newTokens(t)
	backendA := connectCluster(t, clusterURLs(nodes, 0))
	backendB := connectCluster(t, clusterURLs(nodes, 1))
	lcfg := LogConfig{Replicas: 3}
	eventually(t, 60*time.Second, "JetStream cluster ready", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := OpenLog(ctx, backendA.JS, lcfg)
		return err == nil
	})
	relayA = startRelay(t, backendA, tokensA, DefaultConfig(), lcfg, "127.0.0.1:0")
	relayB = startRelay(t, backendB, tokensB, DefaultConfig(), lcfg, "127.0.0.1:0")
	return relayA, tokA, relayB, tokB
}

// stopNodeOf shuts down the NATS node a backend is connected to.
func stopNodeOf(nodes []*natsNode, b *Backend) {
	connected := b.Conn.ConnectedServerName()
	for _, n := range nodes {
		if n.srv.Name() == connected {
			n.srv.Shutdown()
			n.srv.WaitForShutdown()
		}
	}
}

// TestTwoRelaysOnACluster runs relay A and relay B on a 3-node NATS cluster (stream
// replicated on all three): a device on A sees what a device on B pushes and back, and
// stopping the node relay A is connected to, mid-sync, loses nothing.
func TestTwoRelaysOnACluster(t *testing.T) {
	nodes := startCluster(t)
	relayA, tokA, relayB, tokB := twoRelays(t, nodes)
	backendA, backendB := relayA.backend, relayB.backend

	key, _ := syncspace.NewKey()
	a := newDevice(t, key, "phone", relayA.url(), tokA)
	b := newDevice(t, key, "desktop", relayB.url(), tokB)
	a.start()
	b.start()
	writeN(t, a, "a", 0, 100)
	writeN(t, b, "b", 0, 100)
	converged(t, 30*time.Second, 200, a, b)

	// Mid-sync, the node relay A talks to goes away.
	writeN(t, a, "a", 100, 300)
	writeN(t, b, "b", 100, 200)
	stopNodeOf(nodes, backendA)
	writeN(t, a, "a", 300, 400)
	writeN(t, b, "b", 200, 300)
	converged(t, 90*time.Second, 700, a, b)
	counts := storedOps(t, backendB.JS, key)
	if len(counts) != 700 {
		t.Fatalf("%d operations stored, want 700", len(counts))
	}
	for id, n := range counts {
		if n != 1 {
			t.Fatalf("operation %s stored %d times", id, n)
		}
	}
}
