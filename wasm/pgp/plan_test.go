package pgp

import (
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/emersion/go-message/mail"
)

// TestAutocryptConversation: Bob's first mail teaches Alice his key; her reply is planned,
// encrypted with gossip for two recipients, and Bob's state learns Carol's key from it.
func TestAutocryptConversation(t *testing.T) {
	alice := newPair(t, "Alice", "alice@example.test")
	bob := newPair(t, "Bob", "bob@example.test")
	carol := newPair(t, "Carol", "carol@example.test")
	now := time.Now().Add(time.Minute)

	aliceState := autocrypt.NewStore()
	ring := NewRing()
	plan := Plan(PlanInput{Recipients: []string{"bob@example.test"}, Contacts: ring, Autocrypt: aliceState, Self: "alice@example.test", OwnPreference: autocrypt.Mutual}, now)
	if plan.Encrypt || plan.CanEncrypt || len(plan.Missing) != 1 || !strings.Contains(plan.Reason, "bob@example.test") || plan.ReasonCode != "missing-keys" {
		t.Fatalf("plan without keys: %+v", plan)
	}

	for _, who := range []struct {
		p    pair
		addr string
	}{{bob, "bob@example.test"}, {carol, "carol@example.test"}} {
		h, _ := AutocryptHeader(who.p.sec, autocrypt.Mutual)
		m := Outgoing{From: &mail.Address{Address: who.addr}, To: []*mail.Address{{Address: "alice@example.test"}}, Subject: "hi", Text: "hi", Autocrypt: h}
		raw, err := BuildSigned(m, who.p.sec)
		if err != nil {
			t.Fatal(err)
		}
		o := mustOpen(t, raw, Keys{Contacts: ring})
		wantSecurity(t, o, false, model.SigGoodUnknown) // signed by the key its own header brings
		aliceState.Update(autocrypt.Incoming{From: who.addr, Date: o.Parsed.Message.Date, Autocrypt: o.Parsed.Autocrypt}, now)
	}

	recipients := []string{"bob@example.test", "carol@example.test"}
	plan = Plan(PlanInput{Recipients: recipients, Contacts: ring, Autocrypt: aliceState, Self: "alice@example.test", OwnPreference: autocrypt.Mutual}, now)
	if !plan.Encrypt || plan.Recommendation != autocrypt.Encrypt || len(plan.Keys) != 2 || plan.ReasonCode != "autocrypt" {
		t.Fatalf("plan with autocrypt keys: %+v", plan)
	}
	if p := Plan(PlanInput{Recipients: recipients, Contacts: ring, Autocrypt: aliceState, Self: "alice@example.test", OwnPreference: autocrypt.NoPreference}, now); p.Encrypt || !p.CanEncrypt || p.ReasonCode != "available" {
		t.Errorf("no own preference: %+v", p)
	}

	m := outgoing("Meeting")
	m.To = append(m.To, &mail.Address{Address: "carol@example.test"})
	m.Autocrypt, _ = AutocryptHeader(alice.sec, autocrypt.Mutual)
	m.Gossip = aliceState.GossipHeaders(recipients, now)
	raw, err := BuildEncrypted(m, alice.sec, plan.Recipients())
	if err != nil {
		t.Fatal(err)
	}
	for _, reader := range []pair{bob, carol} {
		o := mustOpen(t, raw, Keys{Own: []*SecretKey{reader.sec}, Contacts: NewRing()})
		wantSecurity(t, o, true, model.SigGoodUnknown)
		if len(o.Gossip) != 2 {
			t.Fatalf("gossip %d headers", len(o.Gossip))
		}
	}
	bobState := autocrypt.NewStore()
	o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}})
	bobState.Update(autocrypt.Incoming{From: "alice@example.test", Date: o.Parsed.Message.Date, Autocrypt: o.Parsed.Autocrypt,
		Recipients: recipients, Gossip: o.Gossip}, now)
	if p, ok := bobState.Peer("carol@example.test"); !ok || len(p.GossipKey) == 0 {
		t.Errorf("bob did not learn carol's key from gossip: %+v", p)
	}
	if p, ok := bobState.Peer("alice@example.test"); !ok || p.PreferEncrypt != autocrypt.Mutual {
		t.Errorf("bob did not learn alice's header: %+v", p)
	}
	// from now on Alice's key is known to Bob through Autocrypt, even in a message without the header
	signed, _ := BuildSigned(outgoing("Later"), alice.sec)
	wantSecurity(t, mustOpen(t, signed, Keys{Autocrypt: bobState}), false, model.SigGoodKnown)
	wantSecurity(t, mustOpen(t, signed, Keys{}), false, model.SigError)

	ring.Add("bob@example.test", bob.pub, SourceWKD)
	ring.Add("carol@example.test", carol.pub, SourceImport)
	if p := Plan(PlanInput{Recipients: recipients, Contacts: ring, Self: "alice@example.test"}, now); !p.Encrypt {
		t.Errorf("keys the user chose: %+v", p)
	}
}

// A recipient whose key was revoked or has expired is told apart from one without a key:
// their key must be renewed, not looked for.
func TestPlanNamesUnusableKeys(t *testing.T) {
	bob := newPair(t, "Bob", "bob@example.test")
	revoked, _ := bob.sec.key.Copy()
	if err := revoked.GetEntity().Revoke(packet.KeyCompromised, "stolen", nil); err != nil {
		t.Fatal(err)
	}
	revokedPub, _ := revoked.ToPublic()
	old := time.Now().Add(-48 * time.Hour).Unix()
	expired, err := handle.KeyGeneration().AddUserId("Carol", "carol@example.test").GenerationTime(old).Lifetime(3600).New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	expiredPub, _ := expired.ToPublic()
	ring := NewRing()
	ring.Add("bob@example.test", &PublicKey{key: revokedPub}, SourceImport)
	peers := autocrypt.NewStore() // Carol's expired key came by Autocrypt
	kd, _ := (&PublicKey{key: expiredPub}).Bytes()
	peers.Update(autocrypt.Incoming{From: "carol@example.test", Date: time.Now(),
		Autocrypt: []string{autocrypt.Header{Addr: "carol@example.test", KeyData: kd}.String()}}, time.Now())
	plan := func(to ...string) SendPlan {
		return Plan(PlanInput{Recipients: to, Contacts: ring, Autocrypt: peers, Self: "alice@example.test"}, time.Now())
	}
	for _, c := range []struct {
		to           []string
		code, reason string
		noKey        []string
	}{
		{[]string{"bob@example.test"}, "revoked-keys", "the key of bob@example.test was revoked", nil},
		{[]string{"carol@example.test"}, "expired-keys", "the key of carol@example.test has expired", nil},
		{[]string{"carol@example.test", "bob@example.test", "dave@example.test"}, "revoked-keys", "; no key for dave@example.test", []string{"dave@example.test"}},
		{[]string{"dave@example.test"}, "missing-keys", "no key for dave@example.test", []string{"dave@example.test"}},
	} {
		p := plan(c.to...)
		if p.ReasonCode != c.code || !strings.Contains(p.Reason, c.reason) || p.CanEncrypt || len(p.Missing) != len(c.to) || !slices.Equal(p.NoKey(), c.noKey) {
			t.Errorf("%v: %+v (no key %v)", c.to, p, p.NoKey())
		}
	}
}
