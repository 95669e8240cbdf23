// Package sandbox is the local demo world that `make run` starts next to the relay, and
// that the end-to-end tests use: an IMAP and SMTP mail server (go-imap and go-smtp, in
// process, TLS), the shared fake Mastodon and X servers, and an HTTPS site answering
// autoconfig and Web Key Directory requests, all on loopback.
//
// It tells a story (story.go): Tapioca writes from X, from Mastodon and by email; Camille, a
// colleague, writes signed and encrypted mail with her key in the sandbox's WKD; a mailing
// list, an HTML newsletter with a tracking pixel and a few hundred ordinary messages fill
// the inbox; and new messages keep arriving on all three networks (timeline.go). People in
// the story answer what the user sends them.
//
// Names: the sandbox's servers have names under .test (RFC 2606: never in the real DNS).
// The relay reaches them by exact routes (Routes, the relay's -tunnel-routes), and the app
// trusts the sandbox's certificate authority for those domains only (Description). The
// Mastodon fake is called by the browser directly, as a real instance is (it sends CORS
// headers), on a plain-http loopback address; so is the page where X's consent would be.
//
// State: mail delivered after the seed is journalled in the sandbox directory and replayed
// at start, so the mailbox survives restarts; the Mastodon and X fakes keep their state in
// memory and are re-seeded at each start (what the user posted there is not kept).
package sandbox

import (
	"caliopen/shared/sandbox/desc"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The sandbox's names.
const (
	MailDomain   = "caliopen.test"
	IMAPHost     = "imap." + MailDomain
	SMTPHost     = "smtp." + MailDomain
	AutoconfHost = "autoconfig." + MailDomain
	WKDHost      = "openpgpkey." + MailDomain
	XAPIHost     = "api.x.test"
	MastodonHost = "mamot.fr" // the instance's domain: handles read @user@mamot.fr
)

// Options configure a sandbox.
type Options struct {
	Dir string // where the CA, the keys and the mail journal are kept (created)
	// AppOrigin is the app's origin ("http://127.0.0.1:8080"): OAuth redirects go back there.
	AppOrigin string
	// Tick is the time between two new messages of the timeline (default 45 s); 0 keeps
	// the default, a negative value stops the timeline (tests drive it with Next).
	Tick time.Duration
	Log  *slog.Logger
}

// Sandbox is a running sandbox.
type Sandbox struct {
	o     Options
	log   *slog.Logger
	ca    *authority
	story *story
	mail  *mailServers
	web   *webServer
	soc   *social

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	desc   Description
}

// Description is what the app needs to add the demo accounts (package desc: the app's core
// reads it without linking the sandbox's servers).
type Description = desc.Description

// Start starts every server, seeds the story (replaying the journal) and the timeline.
func Start(o Options) (*Sandbox, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Tick == 0 {
		o.Tick = 45 * time.Second
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	s := &Sandbox{o: o, log: o.Log, done: make(chan struct{})}
	var err error
	if s.ca, err = newAuthority(o.Dir, []string{IMAPHost, SMTPHost, AutoconfHost, WKDHost, XAPIHost}); err != nil {
		return nil, err
	}
	if s.story, err = loadStory(o.Dir); err != nil {
		return nil, err
	}
	if s.mail, err = startMail(s.ca, s.story, o.Dir, o.Log); err != nil {
		return nil, err
	}
	if s.soc, err = startSocial(s.story, o.AppOrigin); err != nil {
		s.mail.close()
		return nil, err
	}
	if s.web, err = startWeb(s.ca, s.story, s.soc.x); err != nil {
		s.mail.close()
		s.soc.close()
		return nil, err
	}
	if err := s.story.seed(s.mail, s.soc); err != nil {
		s.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(ctx)
	s.desc = s.describe()
	if err := s.writeDescription(); err != nil {
		s.Close()
		return nil, err
	}
	s.soc.consent.HandleFunc("GET "+passwordPath, s.passwordPage)
	s.soc.consent.HandleFunc("POST "+passwordPath, s.changePassword)
	return s, nil
}

func (s *Sandbox) writeDescription() error {
	b, _ := json.MarshalIndent(s.desc, "", "  ")
	return os.WriteFile(filepath.Join(s.o.Dir, "sandbox.json"), b, 0o600)
}

// passwordPath is the mail provider's password page, on the pages the browser opens.
const passwordPath = "/mail/password"

// SetMailPassword changes the demo mailbox's password, as the user would at their provider:
// the app's open sessions end and it must be given the new password. The description (what
// the relay serves) says the new one; a restart of the sandbox goes back to the story's.
func (s *Sandbox) SetMailPassword(password string) error {
	if password == "" {
		return errors.New("sandbox: an empty password")
	}
	s.mail.setPassword(password)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.desc.Email.Password = password
	return s.writeDescription()
}

func (s *Sandbox) passwordPage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><title>%s: your password</title><body style="font-family:sans-serif;max-width:30rem;margin:2rem auto">
<h1>%s mail: change your password</h1><p>Signed in as %s.</p>
<form method="post"><label>New password <input name="password" type="password" required autocomplete="new-password"></label>
<button>Change the password</button></form></body></html>`, MailDomain, MailDomain, html.EscapeString(s.story.user.email))
}

func (s *Sandbox) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := s.SetMailPassword(r.PostFormValue("password")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "Your password is changed. Your mail apps must be given the new one.")
}

// DescriptionFile is the path of the description Start wrote.
func (s *Sandbox) DescriptionFile() string { return filepath.Join(s.o.Dir, "sandbox.json") }

// Description returns what the app needs to add the demo accounts.
func (s *Sandbox) Description() Description { return s.desc }

func (s *Sandbox) describe() Description {
	st := s.story
	return Description{
		TrustedCA:      string(s.ca.certPEM),
		TrustedDomains: domainsOf([]string{IMAPHost, XAPIHost}),
		Email: desc.EmailAccount{Address: st.user.email, Name: st.user.name, Password: st.user.password,
			PasswordPage: s.soc.xConsentURL + passwordPath},
		Mastodon: desc.MastodonAccount{Instance: s.soc.mastodonURL, Handle: "@" + st.user.mastodon + "@" + MastodonHost},
		X: desc.XAccount{APIBase: "https://" + XAPIHost, AuthorizeURL: s.soc.xConsentURL + "/i/oauth2/authorize",
			TokenURL: "https://" + XAPIHost + "/2/oauth2/token", ClientID: xClientID, RedirectURI: s.soc.xRedirect,
			Handle: "@" + st.user.xHandle},
		Key:           st.userKeyArmored,
		KeyPassphrase: st.user.keyPassphrase,
	}
}

// Routes are the exact destinations the relay must route to the sandbox (its
// -tunnel-routes flag): every name's port to the loopback address serving it.
func (s *Sandbox) Routes() map[string]netip.AddrPort {
	return map[string]netip.AddrPort{
		IMAPHost + ":993":     s.mail.imapAddr,
		SMTPHost + ":465":     s.mail.smtpAddr,
		SMTPHost + ":587":     s.mail.submissionAddr,
		AutoconfHost + ":443": s.web.addr,
		WKDHost + ":443":      s.web.addr,
		XAPIHost + ":443":     s.web.addr,
	}
}

// Next makes the timeline's next event happen now (tests; the timeline also ticks alone).
func (s *Sandbox) Next() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.story.next(s.mail, s.soc)
}

func (s *Sandbox) run(ctx context.Context) {
	defer close(s.done)
	var tick <-chan time.Time
	if s.o.Tick > 0 {
		t := time.NewTicker(s.o.Tick)
		defer t.Stop()
		tick = t.C
	}
	answer := time.NewTicker(2 * time.Second)
	defer answer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if err := s.Next(); err != nil {
				s.log.Warn("sandbox: timeline", "error", err)
			}
		case <-answer.C:
			s.mu.Lock()
			err := s.story.answer(s.mail, s.soc)
			s.mu.Unlock()
			if err != nil {
				s.log.Warn("sandbox: answering", "error", err)
			}
		}
	}
}

// Close stops the timeline and every server.
func (s *Sandbox) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	var errs []error
	if s.web != nil {
		errs = append(errs, s.web.close())
	}
	if s.soc != nil {
		s.soc.close()
	}
	if s.mail != nil {
		errs = append(errs, s.mail.close())
	}
	return errors.Join(errs...)
}

// Reset removes a sandbox directory's state (CA, keys, journal, story clock).
func Reset(dir string) error { return os.RemoveAll(dir) }

// RouteFlag formats routes for the relay's -tunnel-routes flag.
func RouteFlag(routes map[string]netip.AddrPort) string {
	out := ""
	for k, v := range routes {
		if out != "" {
			out += ","
		}
		out += k + "=" + v.String()
	}
	return out
}

func listenLoopback() (net.Listener, netip.AddrPort, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	return ln, ln.Addr().(*net.TCPAddr).AddrPort(), nil
}

func registrable(name string) string {
	dots := 0
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			dots++
			if dots == 2 {
				return name[i+1:]
			}
		}
	}
	return name
}
