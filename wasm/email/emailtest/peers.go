package emailtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	script string
}

// SharedDir returns ../shared relative to the module root (the directory holding go.mod).
func SharedDir(t testing.TB) string { return testkit.SharedDir(t) }

// StartPeers starts Dovecot and Postfix listening on listen ("" = 127.0.0.1). Without the
// peers (or without root) the test fails, unless CALIOPEN_SKIP_PEERS=1 where it is skipped.
func StartPeers(t testing.TB, listen string) *Peers {
	t.Helper()
	script := filepath.Join(SharedDir(t), "peers", "mailserver-start.sh")
	skip := os.Getenv("CALIOPEN_SKIP_PEERS") == "1"
	if _, err := os.Stat(script); err != nil {
		if skip {
			t.Skip("peers not found and CALIOPEN_SKIP_PEERS=1")
		}
		t.Fatalf("testmail: %s not found (set CALIOPEN_SKIP_PEERS=1 to skip)", script)
	}
	if _, err := exec.LookPath("dovecot"); err != nil && skip {
		t.Skip("dovecot not installed and CALIOPEN_SKIP_PEERS=1")
	}
	dir, err := os.MkdirTemp("/tmp", "cpeer")
	if err != nil {
		t.Fatal(err)
	}
	if listen == "" {
		listen = "127.0.0.1"
	}
	cmd := exec.Command("bash", script, dir)
	cmd.Env = append(os.Environ(), "PEER_FIX_ANCESTORS=1", "PEER_LISTEN="+listen, "PEER_WEBSOCKIFY=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		if skip {
			t.Skipf("peers did not start: %v", err)
		}
		t.Fatalf("testmail: mailserver-start.sh: %v\n%s", err, out)
	}
	p := &Peers{Dir: dir, Listen: listen, Env: map[string]string{}, script: script}
	t.Cleanup(func() {
		exec.Command("bash", filepath.Join(filepath.Dir(script), "mailserver-stop.sh"), dir, "--purge").Run()
		os.RemoveAll(dir)
	})
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && k == strings.ToUpper(k) && !strings.Contains(k, " ") {
			p.Env[k] = strings.Trim(v, `"`)
		}
	}
	pem, err := os.ReadFile(p.Env["TLS_CERT"])
	if err != nil {
		t.Fatalf("testmail: peers' certificate: %v", err)
	}
	p.Pool = x509.NewCertPool()
	p.Pool.AppendCertsFromPEM(pem)
	return p
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
