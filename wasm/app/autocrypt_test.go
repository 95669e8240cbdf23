//go:build !js

package app

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
)

// autocryptOf returns the Autocrypt header of a sent mail, parsed.
func autocryptOf(t *testing.T, raw []byte) autocrypt.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h, err := autocrypt.ParseHeader(m.Header.Get("Autocrypt"))
	if err != nil {
		t.Fatalf("Autocrypt header %q: %v\n%s", m.Header.Get("Autocrypt"), err, raw)
	}
	return h
}

// Every outgoing mail carries the sender's Autocrypt header, a clear one too: a user without
// a key gets one made for the address on their first send (the keys list says so), and the
// header announces the prefer-encrypt they choose.
func TestAutocryptHeaderOnEveryMail(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	if own := u.keys().Own; len(own) != 0 {
		t.Fatalf("own keys before sending: %+v", own)
	}
	send := func(subject string) []byte {
		var ch api.ChannelsView
		u.must("compose.channels", api.ChannelsParams{To: []string{"carol@nowhere.test"}}, &ch)
		u.must("message.send", api.SendParams{AccountID: ch.Channels[0].AccountID, To: idStrings(ch.Channels[0].To), Subject: subject, Text: "in the clear"}, nil)
		return u.nextDelivered().Data
	}
	sent := send("first")
	if bytes.Contains(sent, []byte("multipart/encrypted")) || !bytes.Contains(sent, []byte("in the clear")) {
		t.Fatalf("a mail to someone without a key goes in the clear:\n%s", sent)
	}
	h := autocryptOf(t, sent)
	own := u.keys().Own
	if len(own) != 1 || !own[0].Auto || own[0].Address != "alice@example.test" {
		t.Fatalf("own keys after the first send: %+v", own)
	}
	pub, err := pgp.ParsePublic(h.KeyData)
	if err != nil || pub.Fingerprint() != own[0].Fingerprint || h.Addr != "alice@example.test" || h.PreferEncrypt != autocrypt.Mutual {
		t.Fatalf("header %+v (key %v): want alice's key %s, mutual", h, err, own[0].Fingerprint)
	}
	if names := pub.UserIDs(); len(names) != 1 || !strings.HasPrefix(names[0], "Alice <") {
		t.Errorf("user ids of the key made: %q", names)
	}

	u.must("keys.setPreferEncrypt", api.PreferEncryptParams{Mutual: false}, nil)
	if v := u.keys(); v.PreferEncrypt != "nopreference" || len(v.Own) != 1 {
		t.Fatalf("keys after choosing no preference: %+v", v)
	}
	if h := autocryptOf(t, send("second")); h.PreferEncrypt != autocrypt.NoPreference || h.Addr != "alice@example.test" {
		t.Fatalf("second header: %+v", h)
	}
}

// An Autocrypt Setup Message moves the user's secret key to another client: made with a
// setup code shown once, sent to the user's own address; received on another device, it is
// recognised, and its key imports with the right code only.
func TestAutocryptSetupMessageBetweenDevices(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	key, _ := u.makeKey()
	u.must("keys.setPreferEncrypt", api.PreferEncryptParams{Mutual: false}, nil)
	var setup api.SetupMessage
	u.must("keys.makeSetupMessage", api.SetupMessageParams{Fingerprint: key.Fingerprint, Send: true}, &setup)
	if len(strings.ReplaceAll(setup.Code, "-", "")) != 36 || setup.Begin != setup.Code[:2] || !setup.Sent {
		t.Fatalf("setup message: code %q begin %q sent %v", setup.Code, setup.Begin, setup.Sent)
	}
	sent := u.nextDelivered()
	if strings.Join(sent.To, ",") != "alice@example.test" || !bytes.Contains(sent.Data, []byte("Autocrypt-Setup-Message: v1")) ||
		bytes.Contains(sent.Data, []byte("PRIVATE KEY")) || !bytes.Equal(bytes.TrimSpace(sent.Data), bytes.TrimSpace([]byte(setup.Message))) {
		t.Fatalf("sent to %v:\n%s", sent.To, sent.Data)
	}

	// Another device of the same user receives it.
	other := newMailUser(t, relayOptions{})
	got := other.stored(other.deliver(sent.Data), func(m model.Message) bool { return m.Security.SetupMessage })
	wrong := []byte(setup.Code)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	if code := other.fails("keys.importSetupMessage", api.ImportSetupParams{MessageID: got.ID, Code: string(wrong)}); code != "wrong_setup_code" {
		t.Fatalf("wrong code: %s", code)
	}
	if code := other.fails("keys.importSetupMessage", api.ImportSetupParams{MessageID: got.ID, Code: "1234"}); code != "bad_setup_code" {
		t.Fatalf("short code: %s", code)
	}
	var imported api.KeysView
	other.must("keys.importSetupMessage", api.ImportSetupParams{MessageID: got.ID, Code: strings.ReplaceAll(setup.Code, "-", " ")}, &imported)
	if len(imported.Own) != 1 || imported.Own[0].Fingerprint != key.Fingerprint || imported.Own[0].Locked {
		t.Fatalf("imported: %+v", imported)
	}
	if v := other.keys(); v.PreferEncrypt != "nopreference" || len(v.Own) != 1 {
		t.Fatalf("the other device's keys: %+v", v)
	}
	// The downloaded file imports the same way; a plain mail is not one.
	other.must("keys.importSetupMessage", api.ImportSetupParams{Message: setup.Message, Code: setup.Code}, nil)
	plain := other.stored(other.deliver([]byte("From: alice@example.test\r\nTo: alice@example.test\r\nSubject: note\r\n"+
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <note@example.test>\r\n\r\nto self\r\n")), func(model.Message) bool { return true })
	if plain.Security.SetupMessage {
		t.Fatal("a plain mail to self is taken for a Setup Message")
	}
	if code := other.fails("keys.importSetupMessage", api.ImportSetupParams{MessageID: plain.ID, Code: setup.Code}); code != "not_setup_message" {
		t.Fatalf("plain mail: %s", code)
	}
}

// A key attached to a mail is offered for import as its sender's, with its fingerprint; a key
// naming someone else is offered for the address it names.
func TestKeysFromAttachments(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	bob, err := pgp.Generate("Bob", "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	carol, err := pgp.Generate("Carol", "carol@example.org")
	if err != nil {
		t.Fatal(err)
	}
	bobPub, _ := bob.Public()
	bobArmored, _ := bobPub.Armored()
	carolPub, _ := carol.Public()
	carolArmored, _ := carolPub.Armored()
	raw := "From: Bob <bob@example.com>\r\nTo: alice@example.test\r\nSubject: my key\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <keys@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nHere is my key, and Carol's.\r\n" +
		"--b\r\nContent-Type: application/pgp-keys\r\nContent-Disposition: attachment; filename=\"OpenPGP_0xB0B.asc\"\r\n\r\n" + bobArmored + "\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"carol.asc\"\r\n\r\n" + carolArmored + "\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n-----BEGIN PGP PUBLIC KEY BLOCK----- not a key\r\n--b--\r\n"
	m := u.stored(u.deliver([]byte(raw)), func(model.Message) bool { return true })
	var offer api.AttachedKeysView
	u.must("keys.attached", api.MessageBodyParams{ID: m.ID}, &offer)
	if offer.Sender != "bob@example.com" || len(offer.Keys) != 2 {
		t.Fatalf("offer: %+v", offer)
	}
	b, c := offer.Keys[0], offer.Keys[1]
	if b.Fingerprint != bobPub.Fingerprint() || !b.ForSender || b.Known || b.Display != pgp.FormatFingerprint(b.Fingerprint) {
		t.Errorf("bob's key: %+v", b)
	}
	if c.Fingerprint != carolPub.Fingerprint() || c.ForSender || len(c.Addresses) != 1 || c.Addresses[0] != "carol@example.org" {
		t.Errorf("carol's key: %+v", c)
	}
	for _, k := range offer.Keys {
		u.must("keys.importAttached", api.AttachedKeyRef{MessageID: m.ID, AttachmentID: k.AttachmentID, Fingerprint: k.Fingerprint}, nil)
	}
	held := map[string]string{}
	for _, c := range u.keys().Contacts {
		held[c.Address] = c.Fingerprint + " " + c.Source
	}
	if held["bob@example.com"] != bobPub.Fingerprint()+" attachment" || held["carol@example.org"] != carolPub.Fingerprint()+" attachment" {
		t.Fatalf("keys held: %v", held)
	}
	u.must("keys.attached", api.MessageBodyParams{ID: m.ID}, &offer)
	if !offer.Keys[0].Known || !offer.Keys[1].Known {
		t.Fatalf("after import: %+v", offer)
	}
}
