package testkit

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// MailPeers is a throw-away Dovecot + Postfix pair started by shared/peers/mailserver-start.sh
// (its header lists the ports and options): Dir holds their state, Env the KEY=VALUE lines
// the script printed (IMAPS_PORT, SUBMISSION_PORT, TLS_CERT...), Pool trusts their
// self-signed certificate (for the name "localhost").
type MailPeers struct {
	Dir  string
	Env  map[string]string
	Pool *x509.CertPool
}

// StartMailPeers starts the pair with the given environment (e.g. "PEER_LISTEN=127.0.0.2",
// "PEER_WEBSOCKIFY=0") and stops it when the test ends. Without Dovecot, Postfix or root the
// test fails, unless CALIOPEN_SKIP_PEERS=1 where it is skipped.
func StartMailPeers(t testing.TB, env ...string) *MailPeers {
	t.Helper()
	peers := PeersDir(t, "dovecot", "postfix")
	dir, err := os.MkdirTemp("/tmp", "cpeer")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(peers, "mailserver-start.sh"), dir)
	cmd.Env = append(append(os.Environ(), "PEER_FIX_ANCESTORS=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		if os.Getenv("CALIOPEN_SKIP_PEERS") == "1" {
			t.Skipf("the mail peers did not start: %v", err)
		}
		t.Fatalf("mailserver-start.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		// Stopping is cleanup, not what the test checks: under load a server's child can
		// outlive the script's wait (or its pid be reused), which it reports; say so only.
		stop := exec.Command("bash", filepath.Join(peers, "mailserver-stop.sh"), dir, "--purge")
		if out, err := stop.CombinedOutput(); err != nil {
			t.Logf("mailserver-stop.sh: %v\n%s", err, out)
		}
		os.RemoveAll(dir)
	})
	p := &MailPeers{Dir: dir, Env: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && k == strings.ToUpper(k) && !strings.Contains(k, " ") {
			p.Env[k] = strings.Trim(v, `"`)
		}
	}
	pem, err := os.ReadFile(p.Env["TLS_CERT"])
	if err != nil {
		t.Fatalf("the mail peers' certificate: %v", err)
	}
	p.Pool = x509.NewCertPool()
	p.Pool.AppendCertsFromPEM(pem)
	return p
}
