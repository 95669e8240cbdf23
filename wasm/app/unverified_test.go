//go:build !js

package app

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/shared/testkit"
	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/privacy"
	"caliopen/wasm/wkd"
)

// keyDirectory is a Web Key Directory for example.com (direct method: the openpgpkey host
// does not resolve) publishing keys by local part; it counts the key requests, and holds an
// answer back while a gate is set for its local part.
type keyDirectory struct {
	mu    sync.Mutex
	keys  map[string][]byte
	asked map[string]int
	gates map[string]chan struct{}
}

func startKeyDirectory(t *testing.T, keys map[string]*pgp.PublicKey) (*keyDirectory, relayOptions) {
	d := &keyDirectory{keys: map[string][]byte{}, asked: map[string]int{}, gates: map[string]chan struct{}{}}
	for local, k := range keys {
		b, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		d.keys[local] = b
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "example.com" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/.well-known/openpgpkey/policy" {
			return
		}
		local := r.URL.Query().Get("l")
		if r.URL.Path != "/.well-known/openpgpkey/hu/"+wkd.Hash(local) {
			http.NotFound(w, r)
			return
		}
		d.mu.Lock()
		d.asked[local]++
		gate, key := d.gates[local], d.keys[local]
		d.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if key == nil {
			http.NotFound(w, r)
			return
		}
		w.Write(key)
	}))
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return d, relayOptions{hosts: hostsResolver{"example.com": "127.0.0.1"}, https: srv.Listener.Addr().String(), extraCAPEM: caPEM}
}

// hold makes the directory wait before answering for local; the function returned lets it.
func (d *keyDirectory) hold(local string) func() {
	gate := make(chan struct{})
	d.mu.Lock()
	d.gates[local] = gate
	d.mu.Unlock()
	return func() { close(gate) }
}

func (d *keyDirectory) count(local string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asked[local]
}

// waitAsked waits until the directory was asked for local n times.
func (d *keyDirectory) waitAsked(t *testing.T, local string, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); d.count(local) < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the directory was asked for %s %d times, want %d", local, d.count(local), n)
		}
	}
}

// liveQuery is one subscription to a live query, read push after push: what the UI shows
// changes without the query being asked again.
type liveQuery[T any] struct {
	u   *ui
	sub int64
}

func subscribeTo[T any](u *ui, ids *int, query string, args any) liveQuery[T] {
	u.t.Helper()
	raw, _ := json.Marshal(args)
	var sub api.SubscribeResult
	*ids++
	if e := u.call(*ids, "subscribe", api.SubscribeParams{Query: query, Args: raw}, &sub); e != nil {
		u.t.Fatal(e)
	}
	return liveQuery[T]{u: u, sub: sub.Sub}
}

// until reads the pushes until one satisfies cond.
func (q liveQuery[T]) until(what string, cond func(T) bool) T {
	q.u.t.Helper()
	ctx, cancel := context.WithTimeout(q.u.ctx, 30*time.Second)
	defer cancel()
	var last T
	for {
		raw, err := q.u.port.Recv(ctx)
		if err != nil {
			q.u.t.Fatalf("waiting for %s: %v; last: %+v", what, err, last)
		}
		var m struct {
			Sub  int64           `json:"sub"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &m) != nil || m.Sub != q.sub {
			continue
		}
		var v T
		if err := json.Unmarshal(m.Data, &v); err != nil {
			q.u.t.Fatal(err)
		}
		if last = v; cond(v) {
			return v
		}
	}
}

// signedMail is a multipart/signed mail from from@example.com (or another domain) to the
// test user, signed by key.
func signedMail(t *testing.T, key *pgp.SecretKey, from, subject, text, id string, extra ...string) []byte {
	t.Helper()
	raw, err := pgp.BuildSigned(pgp.Outgoing{From: &gomail.Address{Address: from}, To: []*gomail.Address{{Address: "alice@example.test"}},
		Subject: subject, Date: time.Now(), MessageID: id, Text: text}, key)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(strings.Join(extra, "")), raw...)
}

func newKey(t *testing.T, name, addr string) (*pgp.SecretKey, *pgp.PublicKey) {
	t.Helper()
	s, err := pgp.Generate(name, addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Public()
	return s, p
}

// awaitingKey says whether m's signature could not be checked for want of the key.
func awaitingKey(m model.Message) bool {
	return m.Security.Signature == model.SigError && pgp.AwaitsKey(m.Security)
}

func signedEvidence(v api.MessageView) string {
	f, ok := v.Privacy.Factor(privacy.FactorSigned)
	if !ok || len(f.Evidence) == 0 {
		return ""
	}
	return f.Evidence[0].Code
}

// A signed mail from a correspondent whose key is not held: the app looks the sender up in
// their Web Key Directory in the background, once stored, keeps the key found because it is
// the signature's issuer, and the message then reads good from a known key — in the
// discussion the UI has open, with its privacy index, without asking again — its kept raw
// form dropped. A key published for another sender that is not their signature's issuer is
// not taken; an address is asked once a day at most; list mail is never looked up.
func TestSignedMailVerifiedWithTheSendersWebKeyDirectoryKey(t *testing.T) {
	bob, bobPub := newKey(t, "Bob", "bob@example.com")
	eve, _ := newKey(t, "Eve", "eve@example.com")
	_, eveOther := newKey(t, "Eve", "eve@example.com")
	lister, listerPub := newKey(t, "Lister", "lister@example.com")
	zed, zedPub := newKey(t, "Zed", "zed@example.com")
	dir, opts := startKeyDirectory(t, map[string]*pgp.PublicKey{"bob": bobPub, "eve": eveOther, "lister": listerPub, "zed": zedPub})
	u := newMailUser(t, opts)
	ids := 1000

	// Bob's first signed mail: stored first, unverified, its raw form kept; the directory
	// holds its answer back meanwhile.
	release := dir.hold("bob")
	u.deliver(signedMail(t, bob, "bob@example.com", "Lunch on Friday", "Shall we try the new place?", "lunch@example.com"))
	page := follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{Text: "bob"}, "bob's discussion", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	view := subscribeTo[api.DiscussionView](u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key})
	first := view.until("bob's mail unverified", func(v api.DiscussionView) bool {
		return len(v.Messages) == 1 && awaitingKey(v.Messages[0].Message)
	})
	lunch := first.Messages[0].Message
	if _, err := u.repo.Attachment(u.ctx, lunch.ID, "raw"); err != nil {
		t.Fatalf("the raw form of a mail waiting for its key is not kept: %v", err)
	}
	if ev := signedEvidence(first.Messages[0]); ev != "evidence.signed.unchecked" {
		t.Fatalf("signed evidence before the key: %s", ev)
	}
	dir.waitAsked(t, "bob", 1)
	release()

	// The key comes from the directory: the open discussion shows the mail signed by a known
	// key, graded so.
	after := view.until("bob's mail verified", func(v api.DiscussionView) bool {
		return len(v.Messages) == 1 && v.Messages[0].Message.Security.Signature == model.SigGoodKnown
	})
	if ev := signedEvidence(after.Messages[0]); ev != "evidence.signed.good-known" {
		t.Fatalf("signed evidence after the key: %s", ev)
	}
	if s := after.Messages[0].Message.Security; s.SignerKeyID != bobPub.KeyID() || len(s.Notes) != 0 {
		t.Fatalf("security after the key: %+v", s)
	}
	if after.Messages[0].Privacy.Score <= first.Messages[0].Privacy.Score {
		t.Fatalf("the privacy score did not rise: %d then %d", first.Messages[0].Privacy.Score, after.Messages[0].Privacy.Score)
	}
	if _, err := u.repo.Attachment(u.ctx, lunch.ID, "raw"); err == nil {
		t.Fatal("the raw form was not dropped once verified")
	}
	keys := u.keys()
	if i := slices.IndexFunc(keys.Contacts, func(k api.KeyView) bool { return k.Address == "bob@example.com" }); i < 0 ||
		keys.Contacts[i].Source != "wkd" || keys.Contacts[i].Fingerprint != bobPub.Fingerprint() {
		t.Fatalf("keys: %+v", keys.Contacts)
	}
	// The next one is known at once, with no other lookup.
	if got := u.stored(u.deliver(signedMail(t, bob, "bob@example.com", "Friday", "Noon then.", "friday@example.com")),
		func(m model.Message) bool { return m.Security.Signature != "" }); got.Security.Signature != model.SigGoodKnown {
		t.Fatalf("bob's next mail: %+v", got.Security)
	}

	// Eve's directory publishes another key than the one she signs with: it is not taken, and
	// her mail still says its key is missing. Her second mail the same day asks no more, nor
	// does a list's signed mail; Zed, looked up after them, shows that the lookups are done.
	eve1 := u.stored(u.deliver(signedMail(t, eve, "eve@example.com", "Invoice", "Please pay.", "invoice-1@example.com")), awaitingKey)
	dir.waitAsked(t, "eve", 1)
	eve2 := u.stored(u.deliver(signedMail(t, eve, "eve@example.com", "Invoice again", "Please pay now.", "invoice-2@example.com")), awaitingKey)
	list := u.stored(u.deliver(signedMail(t, lister, "lister@example.com", "[team] minutes", "Minutes attached.", "minutes@example.com",
		"List-Id: Team <team.example.com>\r\n")), awaitingKey)
	u.stored(u.deliver(signedMail(t, zed, "zed@example.com", "Hello", "Hi from Zed.", "zed-1@example.com")), func(m model.Message) bool {
		return m.Security.Signature == model.SigGoodKnown
	})
	if n, l := dir.count("eve"), dir.count("lister"); n != 1 || l != 0 {
		t.Fatalf("lookups: eve %d times (want 1), the list's poster %d times (want 0)", n, l)
	}
	keys = u.keys()
	if slices.ContainsFunc(keys.Contacts, func(k api.KeyView) bool { return k.Address == "eve@example.com" || k.Address == "lister@example.com" }) {
		t.Fatalf("a key that is not the issuer's was taken: %+v", keys.Contacts)
	}
	for _, m := range []model.Message{eve1, eve2} {
		if got := u.stored(m.MessageID, func(model.Message) bool { return true }); !awaitingKey(got) {
			t.Fatalf("eve's mail: %+v", got.Security)
		}
	}
	if _, err := u.repo.Attachment(u.ctx, list.ID, "raw"); err == nil {
		t.Fatal("a list's mail was kept to be verified again")
	}
}

// Keys that come later, from an import or an Autocrypt header, verify the older mail they
// signed: GnuPG's signed mail, signed and encrypted mail (decrypted again from its kept
// form), and a tampered one, which then reads bad and stays so.
func TestKeysLearntLaterVerifyOlderMail(t *testing.T) {
	peer := testkit.NewGPG(t, "Tapioca", "tapioca@example.net", "ed25519")
	u := newMailUser(t, relayOptions{hosts: hostsResolver{}}) // no directory answers
	_, alicePub := u.makeKey()
	aliceArmored, _ := alicePub.Armored()
	ids := 1000

	signed, stderr, code := peer.Run("sign", "Signed note", peer.File("note.txt", []byte("Pay 10 euros.\n")), "alice@example.test")
	if code != 0 {
		t.Fatalf("gpg: %s", stderr)
	}
	tampered, _, _ := peer.Run("sign", "Tampered note", peer.File("note2.txt", []byte("Pay 10 euros.\n")), "alice@example.test")
	tampered = []byte(strings.Replace(string(tampered), "Pay 10 euros.", "Pay 99 euros.", 1))
	sealed, stderr, code := peer.Run("encrypt-sign", peer.File("alice.asc", []byte(aliceArmored)), "Sealed note", peer.File("note3.txt", []byte("The cake is in the oven.\n")))
	if code != 0 {
		t.Fatalf("gpg: %s", stderr)
	}
	var stored []model.Message
	for _, raw := range [][]byte{signed, tampered, sealed} {
		m := u.stored(u.deliver(raw), awaitingKey)
		if _, err := u.repo.Attachment(u.ctx, m.ID, "raw"); err != nil {
			t.Fatalf("%q: raw form not kept: %v", m.Subject, err)
		}
		stored = append(stored, m)
	}
	if !stored[2].Security.Encrypted {
		t.Fatalf("the sealed note was not decrypted: %+v", stored[2].Security)
	}

	// GnuPG's key imported: each reads as it is, in the discussion's live query.
	u.must("keys.import", api.ImportKeyParams{Armored: string(peer.PublicKey())}, nil)
	page := follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{Text: "tapioca"}, "tapioca's discussion", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	states := func(v api.DiscussionView) map[string]model.SignatureState {
		out := map[string]model.SignatureState{}
		for _, m := range v.Messages {
			out[m.Message.Subject] = m.Message.Security.Signature
		}
		return out
	}
	view := follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "the notes verified", func(v api.DiscussionView) bool {
		s := states(v)
		return s["Signed note"] == model.SigGoodKnown && s["Tampered note"] == model.SigBad && s["Sealed note"] == model.SigGoodKnown
	})
	for _, m := range view.Messages {
		if m.Message.Subject == "Tampered note" && signedEvidence(m) != "evidence.signed.bad" {
			t.Fatalf("the tampered note's grade: %+v", m.Privacy)
		}
	}
	if b := u.body(stored[2].ID); !strings.Contains(b.Text, "The cake is in the oven.") {
		t.Fatalf("the sealed note's body after verification: %+v", b)
	}
	for _, m := range stored {
		if _, err := u.repo.Attachment(u.ctx, m.ID, "raw"); err == nil {
			t.Fatalf("%q: the raw form was not dropped once verified", m.Subject)
		}
	}

	// Dan signs without announcing his key; his next mail carries it in its Autocrypt header:
	// the first one is verified with it. The tampered note stays bad meanwhile.
	dan, danPub := newKey(t, "Dan", "dan@example.net")
	first := u.stored(u.deliver(signedMail(t, dan, "dan@example.net", "Draft", "A first draft.", "draft@example.net")), awaitingKey)
	danKey, _ := danPub.Bytes()
	u.deliver([]byte("Autocrypt: " + autocrypt.Header{Addr: "dan@example.net", PreferEncrypt: autocrypt.Mutual, KeyData: danKey}.String() + "\r\n" +
		"From: Dan <dan@example.net>\r\nTo: alice@example.test\r\nSubject: Draft, again\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMessage-ID: <again@example.net>\r\n\r\nSee the draft.\r\n"))
	if got := u.stored(first.MessageID, func(m model.Message) bool { return m.Security.Signature == model.SigGoodKnown }); got.Subject != "Draft" {
		t.Fatalf("dan's first mail: %+v", got)
	}
	if got := u.stored(stored[1].MessageID, func(model.Message) bool { return true }); got.Security.Signature != model.SigBad {
		t.Fatalf("the tampered note: %+v", got.Security)
	}
}
