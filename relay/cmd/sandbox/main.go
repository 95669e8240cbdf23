// Command sandbox runs the demo world next to the relay: it starts the sandbox's servers
// (mail, Mastodon, X, autoconfig and WKD on loopback; see shared/sandbox), then runs the
// relay binary with routes to exactly those servers and the sandbox's description for
// signed-in clients. It is what `make run` starts; `make serve` runs the relay alone.
//
//	sandbox -relay .bin/relay [-listen 127.0.0.1:8080] [-data caliopen-data] [-reset] [-tick 45s]
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"caliopen/shared/sandbox"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	relayBin := fs.String("relay", "relay", "the relay binary to run")
	listen := fs.String("listen", "127.0.0.1:8080", "the relay's address (the app's origin)")
	data := fs.String("data", "caliopen-data", "the relay's data directory; the sandbox keeps its state in its sandbox/ folder")
	reset := fs.Bool("reset", false, "forget the sandbox's state (mailbox, keys, CA, timeline) and start the story again")
	tick := fs.Duration("tick", 45*time.Second, "time between two new messages in the sandbox")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := filepath.Join(*data, "sandbox")
	if *reset {
		if err := sandbox.Reset(dir); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sb, err := sandbox.Start(sandbox.Options{Dir: dir, AppOrigin: "http://" + *listen, Tick: *tick, Log: log})
	if err != nil {
		return err
	}
	defer sb.Close()
	d := sb.Description()
	fmt.Printf("Sandbox running: mail for %s (IMAP, SMTP), Mastodon %s at %s, X %s at %s; a new message every %s.\n",
		d.Email.Address, d.Mastodon.Handle, d.Mastodon.Instance, d.X.Handle, d.X.APIBase, *tick)
	fmt.Println("In the app: choose a passphrase, give the relay token, then \"Try it with demo accounts\".")
	// Where each server listens, for a developer's own client (and the e2e tests' checks).
	fmt.Printf("Sandbox routes: %s\n", sandbox.RouteFlag(sb.Routes()))

	relay := exec.Command(*relayBin, "-listen", *listen, "-data", *data,
		"-tunnel-routes", sandbox.RouteFlag(sb.Routes()), "-sandbox", sb.DescriptionFile())
	relay.Stdout, relay.Stderr = os.Stdout, os.Stderr
	if err := relay.Start(); err != nil {
		return fmt.Errorf("starting the relay: %w", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- relay.Wait() }()
	select {
	case err := <-done:
		return fmt.Errorf("the relay stopped: %w", err)
	case s := <-sig:
		relay.Process.Signal(s) // the relay shuts down gracefully
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			relay.Process.Kill()
		}
		return nil
	}
}
