package sandbox

import (
	"errors"
	"net"
	"net/http"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/fakes/xfake"
)

// xClientID is the demo developer app registered on the fake X API.
const xClientID = "caliopen-sandbox-app"

// social runs the fake Mastodon instance (plain http on loopback, called by the browser
// directly as a real instance is) and the fake X API (served over HTTPS by the web server
// and reached through the relay; its consent page, which the browser opens, also on plain
// http on loopback).
type social struct {
	mastodon    *mastodonfake.Server
	mastodonURL string
	x           *xfake.Server
	xConsentURL string
	xRedirect   string
	consent     *http.ServeMux // the pages the browser opens (X's consent, the mail provider's)
	servers     []*http.Server
}

// CallbackPath is where the OAuth providers send the browser back on the app's origin.
const CallbackPath = "/oauth/callback"

func startSocial(st *story, appOrigin string) (*social, error) {
	s := &social{}
	ln, addr, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	s.mastodonURL = "http://" + addr.String()
	s.mastodon = mastodonfake.New(s.mastodonURL, MastodonHost)
	s.serve(ln, s.mastodon)

	s.xRedirect = appOrigin + CallbackPath
	s.x = xfake.New(xfake.Options{ClientID: xClientID, RedirectURI: s.xRedirect, SignedIn: st.user.xID,
		RateLimit: 60, Window: 15 * time.Minute})
	ln, addr, err = listenLoopback()
	if err != nil {
		s.close()
		return nil, err
	}
	s.xConsentURL = "http://" + addr.String()
	s.consent = http.NewServeMux()
	s.consent.Handle("GET /i/oauth2/authorize", s.x)
	s.serve(ln, s.consent)
	return s, nil
}

func (s *social) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under us: nothing left to serve
		}
	}()
}

func (s *social) close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}
