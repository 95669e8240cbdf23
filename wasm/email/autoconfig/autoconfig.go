// Package autoconfig discovers an email account's server settings from its address: Mozilla
// autoconfig files served by the domain (https://autoconfig.<domain>/mail/config-v1.1.xml,
// then https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml), then an ISPDB-style
// database, then the usual host names (imap.<domain>, mail.<domain>, smtp.<domain>) probed over
// the caller's dial function. Only TLS and STARTTLS servers are ever proposed; the manual form
// is simply email.Settings.
package autoconfig

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"caliopen/wasm/email"
)

// Result is what discovery found.
type Result struct {
	Settings email.Settings
	// Source says where the settings came from: the URL of the config file, or "guess".
	Source string
}

// ErrNotFound is returned when nothing usable was found: the user fills in the manual form.
var ErrNotFound = errors.New("autoconfig: no server settings found for this address; enter them by hand")

// ThunderbirdISPDB is the database of mail providers' settings that Thunderbird asks when a
// domain serves no config file of its own (Gmail, Outlook.com and most large providers are
// found only there). Asking it tells Mozilla the domain, not the address.
const ThunderbirdISPDB = "https://autoconfig.thunderbird.net/v1.1/"

// Discoverer looks up settings.
type Discoverer struct {
	// HTTP fetches the config files (through the tunnel in the browser). Default: a client
	// with a 10 s timeout.
	HTTP *http.Client
	// ISPDB is the base URL of an ISPDB-style database ("" disables it), e.g.
	// "https://autoconfig.thunderbird.net/v1.1/". Asking it tells its operator the domain.
	ISPDB string
	// Transport probes guessed host names; nil Dial disables guessing.
	Transport email.Transport
	// ProbeTimeout bounds each probe (default 5 s).
	ProbeTimeout time.Duration
}

// Discover finds settings for an address.
func (d *Discoverer) Discover(ctx context.Context, address string) (*Result, error) {
	local, domain, ok := strings.Cut(strings.TrimSpace(address), "@")
	if !ok || local == "" || domain == "" {
		return nil, fmt.Errorf("autoconfig: %q is not an email address", address)
	}
	domain = strings.ToLower(domain)
	urls := []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(address),
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml",
	}
	if d.ISPDB != "" {
		urls = append(urls, strings.TrimSuffix(d.ISPDB, "/")+"/"+url.PathEscape(domain))
	}
	var errs []error
	for _, u := range urls {
		s, err := d.fetch(ctx, u, address)
		if err == nil {
			return &Result{Settings: *s, Source: u}, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if d.Transport.Dial != nil {
		if s, err := d.guess(ctx, address, domain); err == nil {
			return &Result{Settings: *s, Source: "guess"}, nil
		} else {
			errs = append(errs, err)
		}
	}
	return nil, fmt.Errorf("%w (%w)", ErrNotFound, errors.Join(errs...))
}

func (d *Discoverer) fetch(ctx context.Context, u, address string) (*email.Settings, error) {
	hc := d.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if err != nil {
		return nil, err
	}
	s, err := Parse(b, address)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return s, nil
}

type server struct {
	Type       string `xml:"type,attr"`
	Hostname   string `xml:"hostname"`
	Port       int    `xml:"port"`
	SocketType string `xml:"socketType"`
	Username   string `xml:"username"`
}

type clientConfig struct {
	Providers []struct {
		Incoming []server `xml:"incomingServer"`
		Outgoing []server `xml:"outgoingServer"`
	} `xml:"emailProvider"`
}

func security(socketType string) email.Security {
	switch strings.ToUpper(socketType) {
	case "SSL", "TLS":
		return email.ImplicitTLS
	case "STARTTLS":
		return email.StartTLS
	}
	return email.Plain
}

func expand(tpl, address string) string {
	local, domain, _ := strings.Cut(address, "@")
	r := strings.NewReplacer("%EMAILADDRESS%", address, "%EMAILLOCALPART%", local, "%EMAILDOMAIN%", domain)
	return r.Replace(tpl)
}

// pick returns the first secure server of a type (implicit TLS preferred over STARTTLS).
func pick(ss []server, typ, address string) (email.Server, string, bool) {
	for _, want := range []email.Security{email.ImplicitTLS, email.StartTLS} {
		for _, s := range ss {
			if strings.EqualFold(s.Type, typ) && security(s.SocketType) == want && s.Hostname != "" && s.Port > 0 && s.Port < 65536 {
				return email.Server{Host: strings.ToLower(expand(s.Hostname, address)), Port: s.Port, Security: want}, expand(s.Username, address), true
			}
		}
	}
	return email.Server{}, "", false
}

// Parse reads a Mozilla autoconfig (config-v1.1.xml) document for an address. Servers offering
// neither TLS nor STARTTLS are ignored.
func Parse(doc []byte, address string) (*email.Settings, error) {
	var cc clientConfig
	if err := xml.Unmarshal(doc, &cc); err != nil {
		return nil, fmt.Errorf("autoconfig: bad config file: %w", err)
	}
	for _, p := range cc.Providers {
		in, user, ok1 := pick(p.Incoming, "imap", address)
		out, _, ok2 := pick(p.Outgoing, "smtp", address)
		if ok1 && ok2 {
			if user == "" {
				user = address
			}
			return &email.Settings{Address: address, Username: user, IMAP: in, SMTP: out}, nil
		}
	}
	return nil, errors.New("autoconfig: no secure IMAP and SMTP server in the config file")
}

// guess probes the usual host names.
func (d *Discoverer) guess(ctx context.Context, address, domain string) (*email.Settings, error) {
	imapCands := []email.Server{
		{Host: "imap." + domain, Port: 993, Security: email.ImplicitTLS},
		{Host: "mail." + domain, Port: 993, Security: email.ImplicitTLS},
		{Host: "imap." + domain, Port: 143, Security: email.StartTLS},
		{Host: "mail." + domain, Port: 143, Security: email.StartTLS},
	}
	smtpCands := []email.Server{
		{Host: "smtp." + domain, Port: 465, Security: email.ImplicitTLS},
		{Host: "smtp." + domain, Port: 587, Security: email.StartTLS},
		{Host: "mail." + domain, Port: 465, Security: email.ImplicitTLS},
		{Host: "mail." + domain, Port: 587, Security: email.StartTLS},
	}
	in, err1 := d.first(ctx, imapCands, "imap")
	out, err2 := d.first(ctx, smtpCands, "smtp")
	if err1 != nil || err2 != nil {
		return nil, errors.Join(err1, err2)
	}
	return &email.Settings{Address: address, Username: address, IMAP: in, SMTP: out}, nil
}

func (d *Discoverer) first(ctx context.Context, cands []email.Server, proto string) (email.Server, error) {
	var errs []error
	for _, c := range cands {
		if err := d.probe(ctx, c, proto); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		return c, nil
	}
	return email.Server{}, fmt.Errorf("autoconfig: no %s server answered: %w", proto, errors.Join(errs...))
}

func (d *Discoverer) probe(ctx context.Context, s email.Server, proto string) error {
	t := d.ProbeTimeout
	if t <= 0 {
		t = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	return email.Probe(ctx, d.Transport, s, proto)
}
