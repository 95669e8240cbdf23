package privacy

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"caliopen/shared/testkit"
	"caliopen/wasm/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sharedDir finds ../shared beside the repository root (the directory holding go.mod).
func sharedDir(t testing.TB) string { return testkit.SharedDir(t) }

// mailPeer is a running Dovecot + Postfix pair on loopback.
type mailPeer struct {
	state string
	env   map[string]string
}

// startMailPeer starts Dovecot and Postfix with the shared script; it fails the test when
// they cannot run, unless CALIOPEN_SKIP_PEERS=1.
func startMailPeer(t *testing.T) *mailPeer {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("real mail servers run beside native tests; a browser cannot start them")
	}
	mp := testkit.StartMailPeers(t, "PEER_WEBSOCKIFY=0", "PEER_DOVECOT_SUBMISSION=0")
	p := &mailPeer{state: mp.Dir, env: mp.Env}
	p.recordTLSInReceived(t)
	return p
}

// recordTLSInReceived turns on Postfix's smtpd_tls_received_header (off by default and in
// the shared script), so Received headers say "using TLSv1.3 with cipher ...", as most
// providers' servers do.
func (p *mailPeer) recordTLSInReceived(t *testing.T) {
	t.Helper()
	conf := filepath.Join(p.state, "postfix", "etc")
	for _, args := range [][]string{
		{"postconf", "-c", conf, "-e", "smtpd_tls_received_header=yes"},
		{"postfix", "-c", conf, "reload"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	time.Sleep(300 * time.Millisecond) // the reload restarts smtpd processes
}

func (p *mailPeer) addr(port string) string { return "127.0.0.1:" + p.env[port] }

func (p *mailPeer) tlsConfig(t *testing.T) *tls.Config {
	pem, err := os.ReadFile(p.env["TLS_CERT"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// submit sends a message to the submission port with STARTTLS and AUTH, as alice.
func (p *mailPeer) submit(t *testing.T, msg string) {
	t.Helper()
	c, err := smtp.DialStartTLS(p.addr("SUBMISSION_PORT"), p.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("sender.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice", "alicepw")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("alice@example.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
}

// seedClear sends a message to the plain SMTP port, without TLS.
func (p *mailPeer) seedClear(t *testing.T, msg string) {
	t.Helper()
	c, err := smtp.Dial(p.addr("SMTP_PORT"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("sender.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("carol@sender.example.org", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	c.Quit()
}

// delivered waits for the message with the given subject in bob's Maildir.
func (p *mailPeer) delivered(t *testing.T, subject string) *mail.Parsed {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, raw := range p.maildir() {
			if !bytes.Contains(raw, []byte("Subject: "+subject+"\r\n")) && !bytes.Contains(raw, []byte("Subject: "+subject+"\n")) {
				continue
			}
			parsed, err := mail.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("delivered %q, Received headers:\n%s", subject, receivedHeaders(raw))
			return parsed
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("message %q was not delivered", subject)
	return nil
}

func receivedHeaders(raw []byte) string {
	head, _, _ := bytes.Cut(raw, []byte("\n\n"))
	var b strings.Builder
	in := false
	for _, l := range strings.Split(string(head), "\n") {
		switch {
		case strings.HasPrefix(l, "Received:"):
			in = true
		case in && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")):
		default:
			in = false
		}
		if in {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func testMail(from, subject string, extra ...string) string {
	return strings.Join(append(extra,
		"From: "+from,
		"To: Bob <bob@example.test>",
		"Subject: "+subject,
		"Date: "+time.Now().Format(time.RFC1123Z),
		fmt.Sprintf("Message-ID: <%d.%s@sender.example.org>", time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-")),
		"",
		"Hello Bob.",
		""), "\r\n")
}

// rawByMessageID returns the delivered file carrying a Message-ID.
func (p *mailPeer) rawByMessageID(t *testing.T, id string) []byte {
	t.Helper()
	for _, raw := range p.maildir() {
		if bytes.Contains(raw, []byte(id)) {
			return raw
		}
	}
	t.Fatalf("no delivered message %s", id)
	return nil
}

// maildir returns every message in bob's inbox, new or already seen by an IMAP session
// (Dovecot moves messages from new/ to cur/ when the mailbox is opened).
func (p *mailPeer) maildir() [][]byte {
	var out [][]byte
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join(p.state, "mail", "bob", "Maildir", sub)
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if raw, err := os.ReadFile(filepath.Join(dir, f.Name())); err == nil {
				out = append(out, raw)
			}
		}
	}
	return out
}
