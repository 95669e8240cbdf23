//go:build !js

package pgp

import (
	"bytes"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"caliopen/shared/testkit"
	"caliopen/wasm/model"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailServer is Dovecot + Postfix started by mailserver-start.sh.
type mailServer struct {
	env map[string]string
	tls *tls.Config
}

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	p := testkit.StartMailPeers(t)
	return &mailServer{env: p.Env, tls: &tls.Config{RootCAs: p.Pool, ServerName: "localhost"}}
}

// send submits raw by SMTP (STARTTLS + AUTH PLAIN) as user.
func (s *mailServer) send(t *testing.T, user, pass, from string, to []string, raw []byte) {
	t.Helper()
	c, err := smtp.DialStartTLS("127.0.0.1:"+s.env["SUBMISSION_PORT"], s.tls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	_ = c.Quit()
}

// fetchLatest waits until the newest message in user's INBOX contains marker and returns it
// as stored.
func (s *mailServer) fetchLatest(t *testing.T, user, pass, marker string) []byte {
	t.Helper()
	c, err := imapclient.DialTLS("127.0.0.1:"+s.env["IMAPS_PORT"], &imapclient.Options{TLSConfig: s.tls})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mbox, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if mbox.NumMessages > 0 {
			section := &imap.FetchItemBodySection{Peek: true}
			msgs, err := c.Fetch(imap.SeqSetNum(mbox.NumMessages), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
			if err != nil || len(msgs) != 1 {
				t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
			}
			if body := msgs[0].FindBodySection(section); bytes.Contains(body, []byte(marker)) {
				return body
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail with %q for %s after 15 s", marker, user)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestThroughMailServers sends PGP/MIME through Postfix into Dovecot both ways between us
// (alice) and GnuPG (bob, with an Ed25519 and then an RSA key), and reads it back by IMAP.
func TestThroughMailServers(t *testing.T) {
	srv := startMailServer(t)
	me, err := Generate("Alice", "alice@example.test")
	if err != nil {
		t.Fatal(err)
	}
	myPub, _ := me.Public()
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			peer := newGPGPeer(t, "Bob", "bob@example.test", algo)
			bobKey := peer.publicKey()
			myPubFile := peer.File("alice.asc", mustArmor(t, myPub))
			peer.Run("import", myPubFile)

			t.Run("caliopen to gnupg, encrypted", func(t *testing.T) {
				m := outgoing("Through Postfix")
				m.MessageID = "encrypted-" + algo + "@example.test"
				raw, err := BuildEncrypted(m, me, []*PublicKey{bobKey})
				if err != nil {
					t.Fatal(err)
				}
				srv.send(t, "alice", "alicepw", "alice@example.test", []string{"bob@example.test"}, raw)
				got := srv.fetchLatest(t, "bob", "bobpw", m.MessageID)
				plain, stderr, code := peer.Run("decrypt-verify", peer.File("fetched.eml", got))
				if code != 0 || !bytes.Contains(plain, []byte("Subject: Through Postfix")) {
					t.Fatalf("gpg decrypt-verify exit %d: %s\n%s", code, stderr, plain)
				}
			})

			t.Run("caliopen to gnupg, signed", func(t *testing.T) {
				raw, err := BuildSigned(outgoing("Signed through Postfix"), me)
				if err != nil {
					t.Fatal(err)
				}
				srv.send(t, "alice", "alicepw", "alice@example.test", []string{"bob@example.test"}, raw)
				got := srv.fetchLatest(t, "bob", "bobpw", "Signed through Postfix")
				if _, stderr, code := peer.Run("verify", peer.File("fetched-signed.eml", got)); code != 0 {
					t.Fatalf("gpg verify exit %d: %s", code, stderr)
				}
			})

			t.Run("gnupg to caliopen", func(t *testing.T) {
				msg, stderr, code := peer.Run("encrypt-sign", myPubFile, "Through Dovecot "+algo)
				if code != 0 {
					t.Fatalf("gpg: %s", stderr)
				}
				srv.send(t, "bob", "bobpw", "bob@example.test", []string{"alice@example.test"}, msg)
				got := srv.fetchLatest(t, "alice", "alicepw", "Through Dovecot "+algo)
				ring := NewRing()
				ring.Add("bob@example.test", bobKey, SourceImport)
				o := mustOpen(t, got, Keys{Own: []*SecretKey{me}, Contacts: ring})
				wantSecurity(t, o, true, model.SigGoodKnown)
				if o.Parsed.Message.Subject != "Through Dovecot "+algo || !strings.Contains(o.Parsed.Body.Text, "Hello from GnuPG") {
					t.Errorf("subject %q body %q", o.Parsed.Message.Subject, o.Parsed.Body.Text)
				}
			})
		})
	}
}
