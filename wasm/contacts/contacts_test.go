package contacts

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/model"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	tapX     model.IdentityURI = "x:1234567890"
	tapMasto model.IdentityURI = "mastodon:tapioca@mamot.fr"
	tapMail  model.IdentityURI = "email:tapioca@example.org"
)

// tapioca's identities as the networks describe them.
func tapiocaFacts() Facts {
	return Facts{
		Identities: []model.Identity{
			{URI: tapX, Handle: "@Tapioca42", DisplayName: "Tapioca", Profile: &model.Profile{
				Note: "Cat. Also @Tapioca@mamot.fr", URLs: []string{"https://tapioca.example/"}}},
			{URI: tapMasto, Handle: "@Tapioca@mamot.fr", DisplayName: "Tapioca", Profile: &model.Profile{
				Fields: []model.ProfileField{
					{Name: "Site", Value: "tapioca.example", URL: "https://tapioca.example", VerifiedAt: t0},
					{Name: "X", Value: "@Tapioca42"},
				}}},
			{URI: tapMail, DisplayName: "Tapioca"},
		},
		// The same key signed (verified) a mail and a Mastodon DM from Tapioca.
		Keys: []Key{{Fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567",
			UserIDs: []string{"Tapioca <tapioca@example.org>"},
			SeenFor: []model.IdentityURI{tapMail, tapMasto}}},
	}
}

func kinds(evs []Evidence) map[EvidenceKind]Strength {
	out := map[EvidenceKind]Strength{}
	for _, e := range evs {
		out[e.Kind] = e.Strength
	}
	return out
}

func TestDetect(t *testing.T) {
	evs := Detect(tapiocaFacts())
	got := kinds(evs)
	want := map[EvidenceKind]Strength{KindVerifiedLink: Strong, KindTwoWayClaim: Medium, KindOpenPGPKey: Strong}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kinds = %v, want %v", got, want)
	}
	for _, e := range evs {
		if e.Explanation == "" || len(e.Facts) == 0 || len(e.Identities) != 2 {
			t.Errorf("evidence lacks explanation or facts: %+v", e)
		}
		t.Logf("%s (%s): %s", e.Kind, e.Strength, e.Explanation)
	}
}

func TestDetectWeak(t *testing.T) {
	ids := []model.Identity{
		{URI: "email:a@x.org", DisplayName: "Ann Lee", AvatarSHA256: "abc"},
		{URI: "x:42", Handle: "@annlee", DisplayName: "ann  lee", AvatarSHA256: "abc"},
		{URI: "mastodon:ann@social.example", Handle: "@ann@social.example"},
	}
	sig := Signature{From: "email:a@x.org", Text: "Hi!\n\n-- \nAnn — @ann@social.example, twitter: @annlee\n"}
	got := kinds(Detect(Facts{Identities: ids, Signatures: []Signature{sig}}))
	if got[KindNameAvatar] != Weak || got[KindSignature] != Weak || len(got) != 2 {
		t.Fatalf("got %v", got)
	}
}

func TestConsiderMergesStrongAndSuggestsTheRest(t *testing.T) {
	b := NewBook()
	for _, id := range tapiocaFacts().Identities {
		b.PutIdentity(id)
	}
	evs := Detect(tapiocaFacts())
	// Without the two strong pieces, the two-way claim is only a suggestion.
	medium := slices.DeleteFunc(slices.Clone(evs), func(e Evidence) bool { return e.Strength == Strong })
	_, sugg, err := b.Consider(medium, t0)
	if err != nil || len(sugg) != 1 || sugg[0].Evidence.Kind != KindTwoWayClaim {
		t.Fatalf("suggestions %+v, %v", sugg, err)
	}
	if _, err := b.Dismiss(t0, sugg[0].Key); err != nil {
		t.Fatal(err)
	}
	if _, again, _ := b.Consider(medium, t0.Add(time.Hour)); len(again) != 0 || len(b.Suggestions()) != 0 {
		t.Fatalf("dismissed suggestion proposed again: %+v", again)
	}
	// Strong evidence merges on its own.
	if _, _, err := b.Consider(evs, t0); err != nil {
		t.Fatal(err)
	}
	c, _ := b.ContactOf(tapX)
	if c2, _ := b.ContactOf(tapMail); c2 != c {
		t.Fatal("email not merged")
	}
	if c3, _ := b.ContactOf(tapMasto); c3 != c {
		t.Fatal("mastodon not merged")
	}
	links := b.Links(c)
	if len(links) < 2 {
		t.Fatalf("links %+v", links)
	}
}

func TestAutoMergeOffSuggestsStrong(t *testing.T) {
	b := NewBook()
	b.AutoMergeStrong = false
	_, sugg, _ := b.Consider(Detect(tapiocaFacts()), t0)
	if len(sugg) != 3 {
		t.Fatalf("want three suggestions, got %d", len(sugg))
	}
	if _, err := b.Confirm(t0, sugg[0].Key); err != nil {
		t.Fatal(err)
	}
	// The verified link merged X and Mastodon, so the two-way claim has nothing left to do.
	if len(b.Suggestions()) != 1 {
		t.Fatalf("after confirm: %d suggestions", len(b.Suggestions()))
	}
}

func TestOwnIdentitiesAreNeverLinked(t *testing.T) {
	b := NewBook()
	b.SetOwn("email:me@example.org")
	e := newEvidence(KindOpenPGPKey, Strong, "x", []model.IdentityURI{"email:me@example.org", tapMail})
	if ch, _, _ := b.Consider([]Evidence{e}, t0); len(ch) != 0 {
		t.Fatalf("own identity linked: %+v", ch)
	}
}

func TestMergeSplitUndo(t *testing.T) {
	b := NewBook()
	for _, u := range []model.IdentityURI{tapX, tapMasto, tapMail} {
		if _, err := b.Ensure(u, t0); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(b)
	ch, err := b.Merge(IDFor(tapX), IDFor(tapMasto), nil, t0)
	if err != nil || len(ch.Moved) != 1 {
		t.Fatalf("merge: %+v %v", ch, err)
	}
	if _, err := b.Undo(ch.Op.ID, "undo-1", t0); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(b); got != before {
		t.Fatalf("undo did not restore:\n%s\nwant\n%s", got, before)
	}
	if _, err := b.Split(IDFor(tapX), []model.IdentityURI{tapX}, t0); err == nil {
		t.Fatal("a split must leave the contact an identity")
	}
}

// snapshot is the book's state as text: contacts, names, identities.
func snapshot(b *Book) string {
	var s strings.Builder
	for _, c := range b.Contacts() {
		fmt.Fprintf(&s, "%s %q %v\n", c.ID, c.Name, c.Identities)
	}
	return s.String()
}

// randomOps applies n random merges, splits and undos.
func randomOps(t *testing.T, b *Book, r *rand.Rand, n int) {
	t.Helper()
	for i := range n {
		randomOp(t, b, r, t0.Add(time.Duration(i)*time.Minute), fmt.Sprint("undo-", i))
	}
}

// randomOp applies a random merge, split or undo made at (undoID names an undo).
func randomOp(t *testing.T, b *Book, r *rand.Rand, at time.Time, undoID string) {
	t.Helper()
	{
		cs := b.Contacts()
		switch k := r.IntN(3); {
		case k == 0 && len(cs) > 1:
			a, c := cs[r.IntN(len(cs))], cs[r.IntN(len(cs))]
			if a.ID != c.ID {
				if _, err := b.Merge(a.ID, c.ID, nil, at); err != nil {
					t.Fatal(err)
				}
			}
		case k == 1:
			c := cs[r.IntN(len(cs))]
			if len(c.Identities) > 1 {
				n := 1 + r.IntN(len(c.Identities)-1)
				if _, err := b.Split(c.ID, c.Identities[:n], at); err != nil {
					t.Fatal(err)
				}
			}
		default:
			log := b.Log()
			op := log[r.IntN(len(log))]
			if op.Kind == OpMerge || op.Kind == OpSplit {
				// Undo only when it still applies (the contacts involved are as left).
				if inv, err := b.Inverse(op, undoID, at); err == nil {
					_, _ = b.Apply(inv)
				}
			}
		}
	}
}

func newRandomBook(t *testing.T, ids int) *Book {
	b := NewBook()
	for i := range ids {
		if _, err := b.Ensure(model.IdentityURI(fmt.Sprintf("email:p%d@x.org", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// Replaying a log on a fresh book gives the same book (deterministic replay), and replaying
// it twice changes nothing (idempotent by op id).
func TestReplayIsDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		b := newRandomBook(t, 12)
		randomOps(t, b, r, 60)
		replayed := NewBook()
		for range 2 {
			for _, op := range b.Log() {
				if _, err := replayed.Apply(op); err != nil {
					t.Fatalf("seed %d: replay %s: %v", seed, op.Kind, err)
				}
			}
		}
		if snapshot(replayed) != snapshot(b) {
			t.Fatalf("seed %d: replay differs", seed)
		}
	}
}

// Merge then split (its inverse) returns the previous state, and every undo restores.
func TestMergeThenSplitRestores(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 9))
		b := newRandomBook(t, 10)
		randomOps(t, b, r, 30)
		for i := range 20 {
			cs := b.Contacts()
			if len(cs) < 2 {
				break
			}
			a, c := cs[r.IntN(len(cs))], cs[r.IntN(len(cs))]
			if a.ID == c.ID {
				continue
			}
			before := snapshot(b)
			ch, err := b.Merge(a.ID, c.ID, nil, t0.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Undo(ch.Op.ID, fmt.Sprint("u", seed, i), t0); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(b); got != before {
				t.Fatalf("seed %d: merge+undo:\n%s\nwant\n%s", seed, got, before)
			}
		}
	}
}

func TestReadVCards(t *testing.T) {
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tapioca\r\nEMAIL;TYPE=INTERNET:Tapioca@Example.org\r\n" +
		"X-SOCIALPROFILE;type=twitter;x-user=Tapioca42:https://twitter.com/Tapioca42\r\n" +
		"URL:https://mamot.fr/@Tapioca\r\nKEY;TYPE=PGP:https://example.org/tapioca.asc\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bob\r\nEMAIL:bob@example.org\r\nIMPP:mastodon:@bob@mamot.fr\r\nEND:VCARD\r\n"
	cards, err := ReadVCards(strings.NewReader(vcf))
	if err != nil || len(cards) != 2 {
		t.Fatalf("%d cards, %v", len(cards), err)
	}
	c := cards[0]
	if !reflect.DeepEqual(c.Identities, []model.IdentityURI{tapMail, tapMasto}) ||
		!reflect.DeepEqual(c.XHandles, []string{"Tapioca42"}) || len(c.Keys) != 1 {
		t.Fatalf("card %+v", c)
	}
	e, ok := CardEvidence(c, tapiocaFacts().Identities)
	if !ok || e.Strength != Strong || len(e.Identities) != 3 {
		t.Fatalf("evidence %+v", e)
	}
	if got := cards[1].Identities; !reflect.DeepEqual(got, []model.IdentityURI{"email:bob@example.org", "mastodon:bob@mamot.fr"}) {
		t.Fatalf("card 2 %v", got)
	}
}

// The operation log survives JSON (as it will when synced) and replays to the same book.
func TestLogJSONRoundTrip(t *testing.T) {
	b := NewBook()
	for _, id := range tapiocaFacts().Identities {
		b.PutIdentity(id)
	}
	if _, _, err := b.Consider(Detect(tapiocaFacts()), t0); err != nil {
		t.Fatal(err)
	}
	merged, _ := b.ContactOf(tapX)
	if _, err := b.Split(merged, []model.IdentityURI{tapMail}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(b.Log())
	if err != nil {
		t.Fatal(err)
	}
	var log []Op
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	replayed := NewBook()
	for _, op := range log {
		if _, err := replayed.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	if snapshot(replayed) != snapshot(b) {
		t.Fatalf("replayed from JSON:\n%s\nwant\n%s", snapshot(replayed), snapshot(b))
	}
	c, _ := replayed.ContactOf(tapX)
	if len(replayed.Links(c)) == 0 {
		t.Fatal("evidence lost in the log")
	}
}

func TestEnsureAgainAfterForget(t *testing.T) {
	b := NewBook()
	ch, _ := b.Ensure(tapMail, t0)
	if _, err := b.Undo(ch.Op.ID, "forget", t0); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.ContactOf(tapMail); ok {
		t.Fatal("forget left the contact")
	}
	if ch, err := b.Ensure(tapMail, t0.Add(time.Second)); err != nil || len(ch.Moved) != 1 {
		t.Fatalf("ensure again: %+v %v", ch, err)
	}
}

// FuzzReadVCards: imported cards are untrusted input.
func FuzzReadVCards(f *testing.F) {
	f.Add("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEMAIL:a@b.c\r\nIMPP:mastodon:@a@b.c\r\nEND:VCARD\r\n")
	f.Add("BEGIN:VCARD\r\nVERSION:3.0\r\nX-SOCIALPROFILE;type=twitter;x-user=a:https://x.com/a\r\nURL:https://b.c/@a\r\nEND:VCARD\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		cards, _ := ReadVCards(strings.NewReader(s))
		for _, c := range cards {
			if e, ok := CardEvidence(c, nil); ok && len(e.Identities) < 2 {
				t.Fatalf("evidence with %d identities", len(e.Identities))
			}
		}
	})
}

// A split survives the next detection run, even on a book rebuilt from the log (where the
// in-memory "already considered" memory is empty).
func TestSplitIsNotUndoneByDetection(t *testing.T) {
	b := NewBook()
	evs := Detect(tapiocaFacts())
	if _, _, err := b.Consider(evs, t0); err != nil {
		t.Fatal(err)
	}
	c, _ := b.ContactOf(tapMail)
	if _, err := b.Split(c, []model.IdentityURI{tapMail}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rebuilt := NewBook()
	for _, op := range b.Log() {
		if _, err := rebuilt.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	for _, book := range []*Book{b, rebuilt} {
		if ch, _, err := book.Consider(evs, t0.Add(2*time.Hour)); err != nil || len(ch) != 0 {
			t.Fatalf("detection merged again: %+v %v", ch, err)
		}
		x, _ := book.ContactOf(tapX)
		m, _ := book.ContactOf(tapMail)
		if x == m {
			t.Fatal("split undone")
		}
	}
}

// Replicas of a book, each making merges, splits and undos on what it has seen so far and
// receiving the others' operations late, in random order and more than once, end with the
// same contacts once every operation reached every replica: the book is a convergent
// structure, not a log that must be replayed in one order.
func TestReplicasConverge(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 11))
		const n = 3
		var replicas []*Book
		for range n {
			replicas = append(replicas, newRandomBook(t, 10))
		}
		var made []Op // every operation any replica made
		deliver := func(b *Book, ops []Op) {
			for _, i := range r.Perm(len(ops)) {
				for range 1 + r.IntN(2) {
					if _, err := b.Apply(ops[i]); err != nil {
						t.Fatalf("seed %d: applying %s from another replica: %v", seed, ops[i].Kind, err)
					}
				}
			}
		}
		for i := range 40 {
			b := replicas[r.IntN(n)]
			before := len(b.Log())
			randomOp(t, b, r, t0.Add(time.Duration(i)*time.Minute), fmt.Sprint("undo-", i))
			made = append(made, b.Log()[before:]...)
			// Some operations reach some replicas now; the rest later.
			if r.IntN(3) == 0 {
				other := replicas[r.IntN(n)]
				deliver(other, made[r.IntN(len(made)+1):])
			}
		}
		for _, b := range replicas {
			deliver(b, made)
		}
		want := snapshot(replicas[0])
		for i, b := range replicas[1:] {
			if got := snapshot(b); got != want {
				t.Fatalf("seed %d: replica %d differs:\n%s\nreplica 0:\n%s", seed, i+1, got, want)
			}
		}
	}
}
