// Command fakesocial serves a Mastodon instance (mastodonfake, plain HTTP on loopback) and
// X's API (xfake, HTTPS with a throwaway CA) seeded with Bob's direct messages to Alice, for
// end-to-end tests in a browser. It prints one JSON line with the addresses, the CA and the
// public-key hash of X's certificate (for Chromium's --ignore-certificate-errors-spki-list),
// then reads commands on stdin, one a line, and answers each with one JSON line:
//
//	post <text>   Bob sends Alice a Mastodon direct message (pushed on the stream)
//	cw <warning>|<text>
//	              the same behind a content warning, with a sensitive image and its alt text
//	lastcw        the content warning of the last status Alice posted: {"spoiler": "..."}
//	sent          counts what Alice sent: {"mastodon": n, "x": n}
//	cors          how the browser called the instance: the Origin of the last status posted
//	              and the preflights (OPTIONS) before posting
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/fakes/xfake"
)

// Ready is the first line printed.
type Ready struct {
	Mastodon string `json:"mastodon"` // the instance's base URL
	XAPI     string `json:"xApi"`     // X's API base URL
	XCA      string `json:"xCa"`      // PEM of the CA that signed X's certificate
	XSPKI    string `json:"xSpki"`    // base64 SHA-256 of the certificate's public key
	ClientID string `json:"clientId"` // the X developer app's client id
	Redirect string `json:"redirect"` // the registered callback address
	BobXURL  string `json:"bobXHome"` // the link Bob's profiles share
	AliceX   string `json:"aliceXId"` // Alice's X user id
}

func main() {
	redirect := flag.String("redirect", "", "the app's callback address (the X app's registered redirect URI)")
	xAddr := flag.String("x-listen", "127.0.0.1:0", "address of X's API")
	flag.Parse()
	if *redirect == "" {
		log.Fatal("-redirect is required")
	}

	masto := mastodonfake.New("", "fake.example")
	hs := httptest.NewServer(masto)
	defer hs.Close()
	masto.BaseURL = hs.URL
	alice := masto.AddLocal("alice", "Alice")
	bob := masto.AddRemote("bob", "remote.example", "Bob")
	verified := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	masto.SetProfile(bob, "<p>Cooking.</p>", mastodonfake.Field{Name: "Home",
		Value: `<a href="https://bob.example.org" rel="me nofollow noopener" target="_blank">bob.example.org</a>`, VerifiedAt: &verified})
	masto.SignIn(alice)
	masto.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "hello from mastodon"})

	const clientID = "caliopen-e2e"
	xf := xfake.New(xfake.Options{ClientID: clientID, RedirectURI: *redirect, SignedIn: "1001"})
	xf.AddUser(xfake.User{ID: "1001", Name: "Alice", Username: "alice_c"})
	xf.AddUser(xfake.User{ID: "1002", Name: "Bob", Username: "bob_t", URL: "https://bob.example.org"})
	conv := xfake.OneToOneID("1001", "1002")
	xf.AddEvent(xfake.Event{Text: "hello from X", ConversationID: conv, SenderID: "1002", CreatedAt: time.Now().Add(-time.Hour)})
	// A photo X serves only to OAuth 1.0a requests (the app cannot download it).
	xf.AddMedia(xfake.Media{Key: "3_900", Type: "photo", URL: "https://ton.twitter.com/1.1/ton/data/dm/1/900/photo.jpg", AltText: "a beach"})
	xf.AddEvent(xfake.Event{Text: "a photo for you", ConversationID: conv, SenderID: "1002", MediaKeys: []string{"3_900"},
		CreatedAt: time.Now().Add(-50 * time.Minute)})
	l, err := net.Listen("tcp", *xAddr)
	if err != nil {
		log.Fatal(err)
	}
	xs, caPEM, leaf, err := xf.ServeTLS(l, "api.x.test")
	if err != nil {
		log.Fatal(err)
	}
	defer xs.Close()
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)

	out := json.NewEncoder(os.Stdout)
	out.Encode(Ready{Mastodon: hs.URL, XAPI: "https://" + l.Addr().String(), XCA: string(caPEM),
		XSPKI: base64.StdEncoding.EncodeToString(spki[:]), ClientID: clientID, Redirect: *redirect,
		BobXURL: "https://bob.example.org", AliceX: "1001"})

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "post":
			st := masto.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: arg})
			out.Encode(map[string]string{"id": st.ID})
		case "cw":
			warning, text, _ := strings.Cut(arg, "|")
			alt := "A grey cat asleep on a keyboard"
			st := masto.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: text, SpoilerText: warning,
				Media: []mastodonfake.MediaAttachment{{ID: "501", Type: "image", URL: hs.URL + "/media/cat.png", Description: &alt}}})
			out.Encode(map[string]string{"id": st.ID})
		case "lastcw":
			spoiler := ""
			if mine := masto.StatusesBy(alice); len(mine) > 0 {
				spoiler = mine[len(mine)-1].SpoilerText
			}
			out.Encode(map[string]string{"spoiler": spoiler})
		case "sent":
			n := 0
			for _, e := range xf.Events(conv) {
				if e.SenderID == "1001" {
					n++
				}
			}
			out.Encode(map[string]int{"mastodon": len(masto.StatusesBy(alice)), "x": n})
		case "cors":
			out.Encode(map[string]any{"origin": masto.LastHeaders("POST /api/v1/statuses").Get("Origin"),
				"preflights": masto.Requests("OPTIONS /api/v1/statuses")})
		default:
			out.Encode(map[string]string{"error": fmt.Sprintf("unknown command %q", cmd)})
		}
	}
}
