//go:build !js

package x_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"caliopen/relay/relaytest"
	"caliopen/shared/fakes/xfake"
	"caliopen/shared/testkit"
)

// The seeded world: the user (alice), two correspondents and a group.
const (
	aliceID = aliceIDForTests
	bobID   = bobIDForTests
	carolID = carolIDForTests
	groupID = groupIDForTests

	clientID    = clientIDForTests
	redirectURI = redirectURIForTests
	secretText  = "marker-7781 the plan for Saturday"
)

// fixture is an HTTPS fake of X's API and a relay whose policy lets the tunnel reach it.
type fixture struct {
	fake *xfake.Server
	env  testEnv
	rec  *testkit.Recorder
}

func startFixture(t *testing.T, opt xfake.Options) *fixture {
	t.Helper()
	opt.ClientID, opt.RedirectURI, opt.SignedIn = clientID, redirectURI, aliceID
	fake := xfake.New(opt)
	seed(fake)
	srv, caPEM, err := fake.StartTLS("api.x.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	rl := relaytest.Start(t, relaytest.Options{Ports: []int{port}, Hosts: map[string]string{"api.x.test": "127.0.0.1"}, Record: true})
	return &fixture{fake: fake, rec: rl.Recorder, env: testEnv{
		RelayURL: rl.URL,
		Token:    rl.Token,
		CAPEM:    string(caPEM),
		APIBase:  fmt.Sprintf("https://api.x.test:%d", port),
	}}
}

// seed fills the fake: five messages with bob (one outgoing, one with a photo), three in a
// group, and one older than X's 30-day window.
func seed(f *xfake.Server) {
	f.AddUser(xfake.User{ID: aliceID, Name: "Alice", Username: "alice_c"})
	f.AddUser(xfake.User{ID: bobID, Name: "Bob Tapioca", Username: "Tapioca42",
		Description: "Cooking. Also @tapioca@mamot.fr and https://bob.example.org/about", URL: "https://bob.example.org",
		ProfileImageURL: "https://pbs.twimg.com/profile_images/1/bob_normal.jpg"})
	f.AddUser(xfake.User{ID: carolID, Name: "Carol", Username: "carol"})
	f.AddGroup(groupID, aliceID, bobID, carolID)
	f.AddMedia(xfake.Media{Key: "3_1700", Type: "photo", URL: "https://pbs.twimg.com/dm_photo/1/abc.jpg", Width: 640, Height: 480})
	bob := xfake.OneToOneID(aliceID, bobID)
	base := time.Now().Add(-2 * time.Hour)
	f.AddEvent(xfake.Event{Text: "too old", ConversationID: bob, SenderID: bobID, CreatedAt: time.Now().Add(-31 * 24 * time.Hour)})
	f.AddEvent(xfake.Event{Text: "hi alice", ConversationID: bob, SenderID: bobID, CreatedAt: base})
	f.AddEvent(xfake.Event{Text: "hi bob", ConversationID: bob, SenderID: aliceID, CreatedAt: base.Add(time.Minute)})
	f.AddEvent(xfake.Event{Type: "ParticipantsJoin", ConversationID: groupID, ParticipantIDs: []string{carolID}, CreatedAt: base.Add(2 * time.Minute)})
	f.AddEvent(xfake.Event{Text: "group hello", ConversationID: groupID, SenderID: carolID, CreatedAt: base.Add(3 * time.Minute)})
	f.AddEvent(xfake.Event{Text: "look", ConversationID: bob, SenderID: bobID, MediaKeys: []string{"3_1700"}, CreatedAt: base.Add(4 * time.Minute)})
	f.AddEvent(xfake.Event{Text: secretText, ConversationID: bob, SenderID: bobID, CreatedAt: base.Add(5 * time.Minute)})
	f.AddEvent(xfake.Event{Text: "group reply", ConversationID: groupID, SenderID: bobID, CreatedAt: base.Add(6 * time.Minute)})
}

func (e testEnv) encode() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// checkBlind asserts the relay forwarded bytes but never the DM text or a token.
func (f *fixture) checkBlind(t *testing.T) {
	t.Helper()
	seen := f.rec.Bytes()
	if len(seen) < 1000 {
		t.Fatalf("the relay forwarded only %d bytes", len(seen))
	}
	for _, m := range []string{secretText, "Bearer", "code_verifier", "Tapioca42"} {
		if bytes.Contains(seen, []byte(m)) {
			t.Errorf("the relay saw %q in clear", m)
		}
	}
}
