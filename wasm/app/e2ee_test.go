//go:build !js

package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
	gomail "github.com/emersion/go-message/mail"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	"caliopen/shared/testkit"
	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/platform"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/wkd"
)

// mailUser is a user of the app with one email account on in-process IMAP and SMTP servers,
// reached through a real relay tunnel; the test reads the app's store directly.
type mailUser struct {
	*ui
	t         *testing.T
	im        *emailtest.IMAP
	repo      *repo.Repo
	db        store.DB
	delivered chan emailtest.Mail
	nextID    int
}

// hostsResolver answers the relay's name lookups from a table.
type hostsResolver map[string]string

func (h hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := h[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// relayOptions adjust the relay and the core of a mailUser (a Web Key Directory server).
type relayOptions struct {
	hosts      hostsResolver
	https      string // where the relay sends connections to 127.0.0.1:443
	extraCAPEM []byte
	tabs       *platform.Hub // the app's tabs, when the test opens more than one
}

func newMailUser(t *testing.T, o relayOptions) *mailUser {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", "pw")
	sm := emailtest.StartSMTP(t, ca, "alice", "pw")
	u := &mailUser{t: t, im: im, delivered: make(chan emailtest.Mail, 8)}
	sm.OnDelivered = func(m emailtest.Mail) { u.delivered <- m }
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("alice")
	cfg := tunnel.DefaultConfig()
	cfg.Ports = append(cfg.Ports, uint16(im.Port), uint16(sm.Port), 443)
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		if address == "127.0.0.1:443" && o.https != "" {
			address = o.https
		}
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}
	opts := tunnel.Options{Dial: dial}
	if o.hosts != nil {
		opts.Resolver = o.hosts
	}
	relay := httptest.NewServer(tunnel.New(cfg, tokens, opts))
	t.Cleanup(relay.Close)

	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	u.repo, u.db = repo.New(db), db
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	coreOpts := Options{Port: coreEnd, DB: db, ExtraCAPEM: o.extraCAPEM}
	if o.tabs != nil {
		coreOpts.Broadcast = o.tabs.Join()
	}
	go Start(ctx, coreOpts)
	u.ui = &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	u.must("core.setRole", api.SetRoleParams{Leader: true}, nil)
	u.must("vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	u.must("relay.set", api.RelayParams{URL: relay.URL, Token: token}, nil)
	sum := sha256.Sum256(ca.Server.Certificate[0])
	server := &api.EmailServer{IMAPHost: "127.0.0.1", IMAPPort: im.Port, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: sm.Port, SMTPSecurity: "tls", Username: "alice", IMAPPin: hex.EncodeToString(sum[:]), SMTPPin: hex.EncodeToString(sum[:])}
	u.must("accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Name: "Alice", Server: server}, nil)
	return u
}

// must calls a method that must succeed.
func (u *mailUser) must(method string, params, result any) {
	u.t.Helper()
	u.nextID++
	if e := u.call(u.nextID, method, params, result); e != nil {
		u.t.Fatalf("%s: %s: %s", method, e.Code, e.Message)
	}
}

// fails calls a method that must fail and returns its error code.
func (u *mailUser) fails(method string, params any) string {
	u.t.Helper()
	u.nextID++
	e := u.call(u.nextID, method, params, nil)
	if e == nil {
		u.t.Fatalf("%s succeeded", method)
	}
	return e.Code
}

var messageIDHeader = regexp.MustCompile(`(?mi)^Message-ID:\s*<([^>]+)>`)

// deliver puts a raw message in the INBOX and returns its Message-ID.
func (u *mailUser) deliver(raw []byte) string {
	u.t.Helper()
	m := messageIDHeader.FindSubmatch(raw)
	if m == nil {
		u.t.Fatalf("no Message-ID in\n%s", raw)
	}
	u.im.Append(u.t, "alice", "INBOX", raw)
	return string(m[1])
}

// stored waits until the message with Message-ID id is stored and ok says it is as wanted.
func (u *mailUser) stored(id string, ok func(model.Message) bool) model.Message {
	u.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []model.Message
	for time.Now().Before(deadline) {
		ms, err := u.repo.MessagesByMessageID(u.ctx, id)
		if err != nil {
			u.t.Fatal(err)
		}
		for _, m := range ms {
			if ok(m) {
				return m
			}
		}
		last = ms
		time.Sleep(50 * time.Millisecond)
	}
	u.t.Fatalf("message %s never reached the wanted state; stored: %+v", id, last)
	return model.Message{}
}

// keys reads the keys list (a live query: its first push).
func (u *mailUser) keys() api.KeysView {
	u.t.Helper()
	var sub api.SubscribeResult
	u.must("subscribe", api.SubscribeParams{Query: "keys.list"}, &sub)
	defer u.must("unsubscribe", api.UnsubscribeParams{Sub: sub.Sub}, nil)
	for {
		m := u.recv()
		if string(m["sub"]) == fmt.Sprint(sub.Sub) {
			var v api.KeysView
			if err := json.Unmarshal(m["data"], &v); err != nil {
				u.t.Fatal(err)
			}
			return v
		}
	}
}

func (u *mailUser) body(id string) model.Body {
	u.t.Helper()
	var b model.Body
	u.must("message.body", api.MessageBodyParams{ID: id}, &b)
	return b
}

// makeKey makes the user a key for alice@example.test and returns it with its public half.
func (u *mailUser) makeKey() (api.KeyView, *pgp.PublicKey) {
	u.t.Helper()
	var key api.KeyView
	u.must("keys.generate", api.GenerateKeyParams{Address: "alice@example.test", Name: "Alice"}, &key)
	var armored api.ArmoredKey
	u.must("keys.exportPublic", api.KeyRef{Fingerprint: key.Fingerprint}, &armored)
	pub, err := pgp.ParsePublic([]byte(armored.Armored))
	if err != nil {
		u.t.Fatal(err)
	}
	return key, pub
}

// nextDelivered waits for the next mail the SMTP server delivered.
func (u *mailUser) nextDelivered() emailtest.Mail {
	u.t.Helper()
	select {
	case m := <-u.delivered:
		return m
	case <-time.After(30 * time.Second):
		u.t.Fatal("nothing was sent")
	}
	return emailtest.Mail{}
}

// withAutocrypt adds an Autocrypt header (prefer-encrypt=mutual) for addr's key on top of raw.
func withAutocrypt(t *testing.T, raw []byte, addr string, armoredKey []byte) []byte {
	t.Helper()
	pub, err := pgp.ParsePublic(armoredKey)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := pub.Bytes()
	h := autocrypt.Header{Addr: addr, PreferEncrypt: autocrypt.Mutual, KeyData: kd}.String()
	return append([]byte("Autocrypt: "+h+"\r\n"), raw...)
}

func encrypted(m model.Message) bool { return m.Security.Encrypted }

// A GnuPG user and the app's user write to each other, encrypted and signed, through IMAP,
// SMTP and the relay tunnel: the app decrypts and verifies what GnuPG sent, learns the key
// from Autocrypt, and its reply is PGP/MIME that GnuPG decrypts and verifies. A message that
// arrives while the vault is locked is read once it opens; one encrypted to a key imported
// later is read once the key comes; a tampered one reports a bad signature.
func TestEncryptedMailWithGnuPG(t *testing.T) {
	peer := testkit.NewGPG(t, "Tapioca", "tapioca@example.net", "ed25519")
	u := newMailUser(t, relayOptions{})

	var key api.KeyView
	u.must("keys.generate", api.GenerateKeyParams{Address: "alice@example.test", Name: "Alice"}, &key)
	if key.Source != "own" || key.Locked || len(key.Fingerprint) != 40 {
		t.Fatalf("generated key: %+v", key)
	}
	var pub api.ArmoredKey
	u.must("keys.exportPublic", api.KeyRef{Fingerprint: key.Fingerprint}, &pub)
	alicePub := peer.File("alice.asc", []byte(pub.Armored))
	peer.Run("import", alicePub)

	// GnuPG encrypts and signs to Alice, announcing its key with Autocrypt.
	msg, stderr, code := peer.Run("encrypt-sign", alicePub, "Secret plans", peer.File("body.txt", []byte("The cake is in the oven.\n")))
	if code != 0 {
		t.Fatalf("gpg: %s", stderr)
	}
	id := u.deliver(withAutocrypt(t, msg, "tapioca@example.net", peer.PublicKey()))
	// The key arrives with this very message: its Autocrypt header makes it the sender's,
	// and the signature reads good from that key, as the next messages' will.
	got := u.stored(id, encrypted)
	if got.Subject != "Secret plans" || got.Security.Signature != model.SigGoodKnown || got.Security.Undecrypted {
		t.Fatalf("stored: subject %q security %+v", got.Subject, got.Security)
	}
	if b := u.body(got.ID); !strings.Contains(b.Text, "The cake is in the oven.") {
		t.Fatalf("decrypted body: %+v", b)
	}
	keys := u.keys()
	if len(keys.Contacts) != 1 || keys.Contacts[0].Address != "tapioca@example.net" || keys.Contacts[0].Source != "autocrypt" {
		t.Fatalf("keys: %+v", keys)
	}

	// The reply is planned encrypted, then goes out as PGP/MIME GnuPG reads.
	var plan api.SendPlan
	u.must("message.plan", api.ReplyParams{MessageID: got.ID}, &plan)
	if !plan.Encrypt || len(plan.Recipients) != 1 || plan.Recipients[0].Fingerprint != keys.Contacts[0].Fingerprint {
		t.Fatalf("plan: %+v", plan)
	}
	u.must("message.reply", api.ReplyParams{MessageID: got.ID, Text: "Save me a slice."}, nil)
	sent := u.nextDelivered()
	if !bytes.Contains(sent.Data, []byte("multipart/encrypted")) || bytes.Contains(sent.Data, []byte("Save me a slice")) ||
		!bytes.Contains(sent.Data, []byte("Autocrypt: addr=alice@example.test")) {
		t.Fatalf("sent:\n%s", sent.Data)
	}
	plain, stderr, code := peer.Run("decrypt-verify", peer.File("reply.eml", sent.Data))
	if code != 0 || !strings.Contains(stderr, "SIGNATURE GOOD "+strings.ToUpper(key.Fingerprint)) ||
		!bytes.Contains(plain, []byte("Save me a slice.")) || !bytes.Contains(plain, []byte("Subject: Re: Secret plans")) {
		t.Fatalf("gpg on the reply (exit %d): %s\n%s", code, stderr, plain)
	}

	// Received while the vault is locked: read after it opens.
	u.must("vault.lock", api.Empty{}, nil)
	msg, _, _ = peer.Run("encrypt-sign", alicePub, "While you were away")
	id = u.deliver(msg)
	u.must("vault.unlock", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	if got := u.stored(id, encrypted); got.Subject != "While you were away" || got.Security.Signature != model.SigGoodKnown {
		t.Fatalf("after unlock: %+v", got)
	}

	// Encrypted to a key the app gets later: kept, with a clear note, then read on import.
	later, err := pgp.Generate("Alice", "alice@example.test")
	if err != nil {
		t.Fatal(err)
	}
	laterPub, _ := later.Public()
	laterArmored, _ := laterPub.Armored()
	msg, _, _ = peer.Run("encrypt-sign", peer.File("later.asc", []byte(laterArmored)), "For your other key")
	id = u.deliver(msg)
	waiting := u.stored(id, func(m model.Message) bool { return m.Security.Undecrypted })
	if !strings.Contains(waiting.Security.Note, "key we do not have") || waiting.Security.Signature != model.SigNone {
		t.Fatalf("waiting: %+v", waiting.Security)
	}
	protected, _ := later.ExportSecret([]byte("another passphrase"))
	if code := u.fails("keys.import", api.ImportKeyParams{Armored: protected, Passphrase: "wrong one"}); code != "wrong_key_passphrase" {
		t.Fatalf("wrong passphrase: %s", code)
	}
	u.must("keys.import", api.ImportKeyParams{Armored: protected, Passphrase: "another passphrase"}, nil)
	if got := u.stored(id, encrypted); got.Subject != "For your other key" || got.Security.Undecrypted || got.Security.Signature != model.SigGoodKnown {
		t.Fatalf("after import: %+v", got)
	}
	if _, err := u.repo.Attachment(u.ctx, waiting.ID, "raw"); err == nil {
		t.Fatal("the kept ciphertext was not dropped once decrypted")
	}

	// Tampered after signing: a bad signature, said so.
	msg, _, _ = peer.Run("sign", "Signed note", peer.File("signed.txt", []byte("Pay 10 euros.\n")), "alice@example.test")
	id = u.deliver(bytes.Replace(msg, []byte("Pay 10 euros."), []byte("Pay 99 euros."), 1))
	if got := u.stored(id, func(m model.Message) bool { return m.Security.Signature != "" }); got.Security.Signature != model.SigBad {
		t.Fatalf("tampered: %+v", got.Security)
	}

	// Keys leave as the user asks: a protected secret key, a revocation certificate.
	var exported api.ArmoredKey
	if code := u.fails("keys.exportSecret", api.ExportSecretParams{Fingerprint: key.Fingerprint, Passphrase: "short"}); code != "weak_export_passphrase" {
		t.Fatalf("short export passphrase: %s", code)
	}
	u.must("keys.exportSecret", api.ExportSecretParams{Fingerprint: key.Fingerprint, Passphrase: "backup passphrase"}, &exported)
	if _, err := pgp.ImportSecret([]byte(exported.Armored), []byte("backup passphrase")); err != nil {
		t.Fatalf("exported secret key: %v", err)
	}
	var rev api.ArmoredKey
	u.must("keys.revocation", api.KeyRef{Fingerprint: key.Fingerprint}, &rev)
	if !strings.Contains(rev.Armored, "BEGIN PGP PUBLIC KEY BLOCK") {
		t.Fatalf("revocation: %s", rev.Armored)
	}
	u.must("keys.setVerified", api.SetVerifiedParams{Address: "tapioca@example.net", Fingerprint: keys.Contacts[0].Fingerprint, Verified: true}, nil)
	keys = u.keys()
	if len(keys.Contacts) != 1 || !keys.Contacts[0].Verified || len(keys.Own) != 2 {
		t.Fatalf("keys after verifying: %+v", keys)
	}
}

// A recipient's key found in their Web Key Directory, over HTTPS through the relay tunnel
// (the advanced method's host does not exist, so the direct one answers), makes the reply
// encrypted to it.
func TestReplyEncryptedToAWebKeyDirectoryKey(t *testing.T) {
	bob, err := pgp.Generate("Bob", "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	bobPub, _ := bob.Public()
	bobKey, _ := bobPub.Bytes()
	dir := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Host != "example.com":
			http.NotFound(w, r)
		case r.URL.Path == "/.well-known/openpgpkey/policy":
		case r.URL.Path == "/.well-known/openpgpkey/hu/"+wkd.Hash("bob") && r.URL.Query().Get("l") == "bob":
			w.Write(bobKey)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(dir.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: dir.Certificate().Raw})
	u := newMailUser(t, relayOptions{hosts: hostsResolver{"example.com": "127.0.0.1"}, https: dir.Listener.Addr().String(), extraCAPEM: caPEM})
	_, aliceKey := u.makeKey()

	// An attachment inside the encryption is stored decrypted with the message: no server
	// can give it back part by part.
	withFile, err := pgp.BuildEncrypted(pgp.Outgoing{From: &gomail.Address{Address: "bob@example.com"}, To: []*gomail.Address{{Address: "alice@example.test"}},
		Subject: "the plans", MessageID: "f1@example.com", Text: "See attached.",
		Attachments: []pgp.Attachment{{Name: "plans.txt", ContentType: "text/plain", Data: []byte("top secret plans")}}}, bob, []*pgp.PublicKey{aliceKey})
	if err != nil {
		t.Fatal(err)
	}
	got := u.stored(u.deliver(withFile), encrypted)
	b := u.body(got.ID)
	if got.Subject != "the plans" || len(b.Attachments) != 1 || !b.Attachments[0].Fetched {
		t.Fatalf("encrypted attachment: %+v %+v", got, b)
	}
	if data, err := u.repo.Attachment(u.ctx, got.ID, b.Attachments[0].ID); err != nil || string(data) != "top secret plans" {
		t.Fatalf("attachment bytes: %q %v", data, err)
	}

	id := u.deliver([]byte("From: Bob <bob@example.com>\r\nTo: alice@example.test\r\nSubject: hello\r\n" +
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b1@example.com>\r\n\r\nAre you there?\r\n"))
	parent := u.stored(id, func(model.Message) bool { return true })
	var plan api.SendPlan
	u.must("message.plan", api.ReplyParams{MessageID: parent.ID}, &plan)
	if !plan.Encrypt || len(plan.Recipients) != 1 || plan.Recipients[0].Fingerprint != bobPub.Fingerprint() {
		t.Fatalf("plan: %+v", plan)
	}
	keys := u.keys()
	if len(keys.Contacts) != 1 || keys.Contacts[0].Source != "wkd" || keys.Contacts[0].Address != "bob@example.com" {
		t.Fatalf("keys: %+v", keys)
	}
	u.must("message.reply", api.ReplyParams{MessageID: parent.ID, Text: "I am."}, nil)
	sent := u.nextDelivered()
	opened, err := pgp.Open(sent.Data, pgp.Keys{Own: []*pgp.SecretKey{bob}})
	if err != nil || !opened.Security.Encrypted || !strings.Contains(opened.Parsed.Body.Text, "I am.") {
		t.Fatalf("bob reads the reply: %v %+v", err, opened)
	}

	// Without a key anywhere, the plan says why the reply goes in the clear.
	id = u.deliver([]byte("From: Carol <carol@nowhere.test>\r\nTo: alice@example.test\r\nSubject: hi\r\n" +
		"Date: Mon, 2 Nov 2026 11:00:00 +0000\r\nMessage-ID: <c1@nowhere.test>\r\n\r\nHi\r\n"))
	parent = u.stored(id, func(model.Message) bool { return true })
	u.must("message.plan", api.ReplyParams{MessageID: parent.ID}, &plan)
	if plan.Encrypt || plan.CanEncrypt || !strings.Contains(plan.Reason, "no key for carol@nowhere.test") {
		t.Fatalf("plan without a key: %+v", plan)
	}
	if code := u.fails("message.reply", api.ReplyParams{MessageID: parent.ID, Text: "x", Encrypt: ptr(true)}); code != "cannot_encrypt" {
		t.Fatalf("forced encryption without a key: %s", code)
	}
}

func ptr[T any](v T) *T { return &v }

// Protected headers cannot make a message pass for someone else's, nor plant a key for them:
// Mallory, whose key Alice holds, signs and encrypts a message claiming inside to come from
// Boss, with an Autocrypt header for Boss's address carrying Mallory's key; then sends an
// unsigned encrypted one claiming the same, gossiping Mallory's key as Boss's. Both show as
// from Mallory with the claim named, and no key is learnt for Boss.
func TestProtectedHeadersCannotSpoofTheSender(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	_, aliceKey := u.makeKey()
	mallory, err := pgp.Generate("Mallory", "mallory@example.net")
	if err != nil {
		t.Fatal(err)
	}
	malloryPub, _ := mallory.Public()
	malloryArmored, _ := malloryPub.Armored()
	u.must("keys.import", api.ImportKeyParams{Armored: malloryArmored}, nil)
	malloryKey, _ := malloryPub.Bytes()
	plant := autocrypt.Header{Addr: "boss@example.net", PreferEncrypt: autocrypt.Mutual, KeyData: malloryKey}

	// Signed by Mallory's known key, From Boss inside, From Mallory outside.
	boss := &gomail.Address{Name: "The Boss", Address: "boss@example.net"}
	raw, err := pgp.BuildEncrypted(pgp.Outgoing{From: boss, To: []*gomail.Address{{Address: "alice@example.test"}}, MessageID: "spoof1@example.net",
		Subject: "Wire the money today", Text: "Use the new account number.", Autocrypt: plant.String()}, mallory, []*pgp.PublicKey{aliceKey})
	if err != nil {
		t.Fatal(err)
	}
	outerFrom := []byte("From: \"The Boss\" <boss@example.net>\r\n")
	if !bytes.Contains(raw, outerFrom) {
		t.Fatalf("no outer From to replace in\n%s", raw)
	}
	raw = bytes.Replace(raw, outerFrom, []byte("From: Mallory <mallory@example.net>\r\n"), 1)
	got := u.stored(u.deliver(raw), encrypted)
	if got.From().Address() != "mallory@example.net" || got.Subject != "Wire the money today" ||
		got.Security.Signature != model.SigGoodKnown || got.Security.ClaimedFrom != "boss@example.net" || !strings.Contains(got.Security.Note, "claims to come from boss@example.net") {
		t.Fatalf("signed claim: from %q subject %q security %+v", got.From(), got.Subject, got.Security)
	}

	// Encrypted only: the claim and the gossip inside are nobody's word.
	gossip := autocrypt.Header{Addr: "boss@example.net", KeyData: malloryKey}.GossipString()
	inner := "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"; hp=\"cipher\"\r\n" +
		"From: The Boss <boss@example.net>\r\nTo: alice@example.test, boss@example.net\r\nSubject: New bank details\r\n" +
		"Autocrypt-Gossip: " + gossip + "\r\n\r\nPlease use the new account.\r\n"
	armored, err := pgp.EncryptTo([]byte(inner), aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte("From: Mallory <mallory@example.net>\r\nTo: alice@example.test, boss@example.net\r\nSubject: [...]\r\n" +
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <spoof2@example.net>\r\nAutocrypt: " + plant.String() + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\n\r\n" + string(armored) + "\r\n--b--\r\n")
	got = u.stored(u.deliver(raw), encrypted)
	if got.From().Address() != "mallory@example.net" || got.Subject != "New bank details" ||
		got.Security.Signature != model.SigNone || got.Security.ClaimedFrom != "boss@example.net" {
		t.Fatalf("unsigned claim: from %q subject %q security %+v", got.From(), got.Subject, got.Security)
	}
	time.Sleep(1500 * time.Millisecond) // the Autocrypt state is saved a second after it changed
	for _, c := range u.keys().Contacts {
		if c.Address == "boss@example.net" {
			t.Fatalf("a key was learnt for boss@example.net: %+v", c)
		}
	}
	var plan api.SendPlan
	u.must("message.plan", api.ReplyParams{MessageID: got.ID}, &plan)
	for _, r := range plan.Recipients {
		if r.Address == "boss@example.net" && r.Fingerprint != "" {
			t.Fatalf("a reply to all would be encrypted to %s for boss@example.net", r.Fingerprint)
		}
	}
}

// A blind copy stays blind inside the encryption: To and Cc get one message encrypted to
// their keys (and the sender's), each Bcc recipient a copy encrypted to their key alone that
// names them as Bcc, and the Sent copy, encrypted to the sender, names every Bcc recipient.
// The Bcc recipient reads their copy with GnuPG (an RSA key).
func TestBccGetsItsOwnEncryptedCopy(t *testing.T) {
	dana := testkit.NewGPG(t, "Dana", "dana@example.net", "rsa")
	u := newMailUser(t, relayOptions{})
	me, _ := u.makeKey()
	camille, err := pgp.Generate("Camille", "camille@example.net")
	if err != nil {
		t.Fatal(err)
	}
	camillePub, _ := camille.Public()
	camilleArmored, _ := camillePub.Armored()
	for _, armored := range []string{camilleArmored, string(dana.PublicKey())} {
		u.must("keys.import", api.ImportKeyParams{Armored: armored}, nil)
	}
	var ch api.ChannelsView
	u.must("compose.channels", api.ChannelsParams{To: []string{"camille@example.net"}, Bcc: []string{"Dana <dana@example.net>"}}, &ch)
	if len(ch.Channels) != 1 || !ch.Channels[0].Encrypted || len(ch.Channels[0].Plan.Recipients) != 2 {
		t.Fatalf("channels: %+v", ch)
	}
	c := ch.Channels[0]
	u.must("message.send", api.SendParams{AccountID: c.AccountID, To: idStrings(c.To), Bcc: []string{"Dana <dana@example.net>"},
		Subject: "Reorg", Text: "Dana is joining us."}, nil)
	got := map[string]emailtest.Mail{}
	for range 2 {
		m := u.nextDelivered()
		got[strings.Join(m.To, ",")] = m
	}
	main, copy := got["camille@example.net"], got["dana@example.net"]
	if main.Data == nil || copy.Data == nil {
		t.Fatalf("deliveries by recipient: %v", slices.Collect(maps.Keys(got)))
	}
	for name, m := range map[string]emailtest.Mail{"to camille": main, "to dana": copy} {
		if n := len(encryptedTo(t, m.Data)); n != 2 {
			t.Errorf("%s: encrypted to %d keys, want the recipient's and the sender's", name, n)
		}
	}
	if bytes.Contains(main.Data, []byte("dana@example.net")) {
		t.Error("the message to camille names dana outside the encryption")
	}
	if _, _, code := dana.Run("decrypt-verify", dana.File("main.eml", main.Data)); code == 0 {
		t.Error("dana can read the message to camille")
	}
	if o, _ := pgp.Open(copy.Data, pgp.Keys{Own: []*pgp.SecretKey{camille}}); o.Security.Encrypted {
		t.Error("camille can read dana's blind copy")
	}
	o, err := pgp.Open(main.Data, pgp.Keys{Own: []*pgp.SecretKey{camille}})
	if err != nil || !o.Security.Encrypted || hasRole(o.Parsed.Message, model.RoleBcc) || !strings.Contains(o.Parsed.Body.Text, "Dana is joining us.") {
		t.Fatalf("camille reads: %v %+v %+v", err, o.Security, o.Parsed.Message.Participants)
	}
	dana.Run("import", dana.File("alice.asc", func() []byte {
		var pub api.ArmoredKey
		u.must("keys.exportPublic", api.KeyRef{Fingerprint: me.Fingerprint}, &pub)
		return []byte(pub.Armored)
	}()))
	plain, stderr, code := dana.Run("decrypt-verify", dana.File("copy.eml", copy.Data))
	if code != 0 || !strings.Contains(stderr, "SIGNATURE GOOD "+strings.ToUpper(me.Fingerprint)) || !bytes.Contains(plain, []byte("Dana is joining us.")) ||
		!bytes.Contains(plain, []byte("Bcc: ")) || !bytes.Contains(plain, []byte("dana@example.net")) || !bytes.Contains(plain, []byte(o.Parsed.Message.MessageID)) {
		t.Fatalf("gpg on dana's copy (exit %d): %s\n%s", code, stderr, plain)
	}
	// The Sent copy, read back from the user's store, names the blind copy.
	sent := u.stored(o.Parsed.Message.MessageID, func(m model.Message) bool { return m.Outgoing })
	if !sent.Security.Encrypted || participant(sent, model.RoleBcc) != "email:dana@example.net" {
		t.Fatalf("sent copy: %+v %+v", sent.Security, sent.Participants)
	}
}

// encryptedTo lists the key IDs a PGP/MIME message is encrypted to.
func encryptedTo(t *testing.T, raw []byte) []string {
	t.Helper()
	begin, end := bytes.Index(raw, []byte("-----BEGIN PGP MESSAGE-----")), bytes.Index(raw, []byte("-----END PGP MESSAGE-----"))
	if begin < 0 || end < begin {
		t.Fatalf("no PGP message in\n%s", raw)
	}
	msg, err := crypto.NewPGPMessageFromArmored(string(raw[begin : end+len("-----END PGP MESSAGE-----")]))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := msg.HexEncryptionKeyIDs()
	return ids
}

func participant(m model.Message, role model.Role) model.IdentityURI {
	for _, p := range m.Participants {
		if p.Role == role {
			return p.URI
		}
	}
	return ""
}

func hasRole(m model.Message, role model.Role) bool { return participant(m, role) != "" }

// A key that can no longer be used is named as such before sending, the user's own or a
// recipient's: it must be renewed, not looked for.
func TestPlanSaysWhenAKeyCannotBeUsed(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	old := time.Now().Add(-48 * time.Hour).Unix()
	expired, err := crypto.PGP().KeyGeneration().AddUserId("Alice", "alice@example.test").GenerationTime(old).Lifetime(3600).New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	armored, _ := expired.Armor()
	u.must("keys.import", api.ImportKeyParams{Armored: armored}, nil)
	if own := u.keys().Own; len(own) != 1 || own[0].ProblemCode != "expired" {
		t.Fatalf("own keys: %+v", own)
	}
	bob, err := crypto.PGP().KeyGeneration().AddUserId("Bob", "bob@example.com").New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.GetEntity().Revoke(packet.KeyRetired, "replaced", nil); err != nil {
		t.Fatal(err)
	}
	bobPub, _ := bob.ToPublic()
	bobArmored, _ := bobPub.Armor()
	u.must("keys.import", api.ImportKeyParams{Armored: bobArmored}, nil)
	parent := u.stored(u.deliver([]byte("From: Bob <bob@example.com>\r\nTo: alice@example.test\r\nSubject: hello\r\n"+
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b1@example.com>\r\n\r\nHi\r\n")), func(model.Message) bool { return true })

	var plan api.SendPlan
	u.must("message.plan", api.ReplyParams{MessageID: parent.ID}, &plan)
	if plan.ReasonCode != "own-key-expired" || plan.CanEncrypt {
		t.Fatalf("plan with an expired own key: %+v", plan)
	}
	u.makeKey()
	u.must("message.plan", api.ReplyParams{MessageID: parent.ID}, &plan)
	if plan.ReasonCode != "revoked-keys" || !slices.Equal(plan.Revoked, []string{"bob@example.com"}) || len(plan.NoKey) != 0 || plan.CanEncrypt {
		t.Fatalf("plan to a revoked key: %+v", plan)
	}
	var ch api.ChannelsView
	u.must("compose.channels", api.ChannelsParams{To: []string{"bob@example.com"}}, &ch)
	if len(ch.Channels) != 1 || ch.Channels[0].Why.Code != "email-key-unusable" || ch.Channels[0].Encrypted {
		t.Fatalf("channels: %+v", ch.Channels)
	}
}
