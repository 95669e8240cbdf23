//go:build !js

package emailtest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"caliopen/shared/testkit"
	"caliopen/wasm/email"
)

// Peers are a running Dovecot + Postfix pair (../shared/peers/mailserver-start.sh).
type Peers struct {
	Dir    string
	Listen string
	Env    map[string]string
	Pool   *x509.CertPool
}

// SharedDir returns ../shared relative to the module root (the directory holding go.mod).
func SharedDir(t testing.TB) string { return testkit.SharedDir(t) }

// StartPeers starts Dovecot and Postfix listening on listen ("" = 127.0.0.1). Without the
// peers (or without root) the test fails, unless CALIOPEN_SKIP_PEERS=1 where it is skipped.
func StartPeers(t testing.TB, listen string) *Peers {
	t.Helper()
	if listen == "" {
		listen = "127.0.0.1"
	}
	mp := testkit.StartMailPeers(t, "PEER_LISTEN="+listen, "PEER_WEBSOCKIFY=0")
	return &Peers{Dir: mp.Dir, Listen: listen, Env: mp.Env, Pool: mp.Pool}
}

// Port returns a port from ports.env.
func (p *Peers) Port(t testing.TB, key string) int {
	n, err := strconv.Atoi(p.Env[key])
	if err != nil {
		t.Fatalf("testmail: no %s in the peers' ports (%v)", key, p.Env)
	}
	return n
}

// Transport dials plain TCP and trusts the peers' self-signed certificate.
func (p *Peers) Transport() email.Transport {
	var d net.Dialer
	return email.Transport{
		Dial:      d.DialContext,
		TLSConfig: func(string) *tls.Config { return &tls.Config{RootCAs: p.Pool, ServerName: "localhost"} },
	}
}

// Account is a peers' user (alice/alicepw, bob/bobpw) with IMAPS and 465 submission.
func (p *Peers) Account(t testing.TB, user string) *email.Account {
	return &email.Account{
		ID: "peer-" + user,
		Settings: email.Settings{
			Address: user + "@example.test", Username: user,
			IMAP: email.Server{Host: p.Listen, Port: p.Port(t, "IMAPS_PORT"), Security: email.ImplicitTLS},
			SMTP: email.Server{Host: p.Listen, Port: p.Port(t, "SUBMISSIONS_PORT"), Security: email.ImplicitTLS},
		},
		Password:  user + "pw",
		Transport: p.Transport(),
	}
}

// Doveadm runs doveadm against the peers' Dovecot.
func (p *Peers) Doveadm(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("doveadm", append([]string{"-c", filepath.Join(p.Dir, "dovecot", "dovecot.conf")}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm %v: %v\n%s", args, err, out)
	}
	return out
}

// Save stores a raw message into a user's mailbox.
func (p *Peers) Save(t testing.TB, user, mailbox string, raw []byte) {
	p.Doveadm(t, raw, "save", "-u", user, "-m", mailbox)
}
