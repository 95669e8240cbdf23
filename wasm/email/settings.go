package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Security is how a connection to a server is encrypted.
type Security string

const (
	// ImplicitTLS starts TLS at once (IMAPS 993, SMTPS submission 465).
	ImplicitTLS Security = "tls"
	// StartTLS upgrades a plain connection with STARTTLS (IMAP 143, submission 587) and
	// refuses servers that do not offer it.
	StartTLS Security = "starttls"
	// Plain is never used with credentials: connecting with it yields ErrInsecure. It exists
	// so that discovered or typed settings can say what a server offers.
	Plain Security = "none"
)

// Server is one server's address and how to secure the connection to it.
type Server struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Security Security `json:"security"`
	// Pin, when set, is the SHA-256 fingerprint of the one certificate trusted for Host (a
	// self-hosted server's, pinned by the user after seeing it): see Settings.PinsFor.
	Pin string `json:"pin,omitempty"`
}

// Addr is host:port.
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func (s Server) String() string { return fmt.Sprintf("%s (%s)", s.Addr(), s.Security) }

// Settings are an email account's connection settings: what the manual form edits and what
// autoconfig discovers. The password is not here: it lives in the vault.
type Settings struct {
	Address  string `json:"address"` // the user's address, e.g. alice@example.org
	Name     string `json:"name,omitempty"`
	Username string `json:"username"` // login name, often the address
	IMAP     Server `json:"imap"`
	SMTP     Server `json:"smtp"`
	// SentFiling says who files a copy of submitted mail in Sent: the server itself (Gmail,
	// Outlook), the client (with APPEND), or not known yet (found out at the first send).
	SentFiling SentFiling `json:"sentFiling,omitempty"`
	// Aliases are other addresses of the user on this account (mail from them is Outgoing).
	Aliases []string `json:"aliases,omitempty"`
}

// SentFiling is who files the copy of a sent message in the Sent folder.
type SentFiling string

const (
	// SentFilingUnknown: not found out yet. The first send looks in Sent for the message
	// before filing a copy, and so learns which of the two it is.
	SentFilingUnknown SentFiling = ""
	// ServerFilesSent: the submission server puts a copy in Sent itself (Gmail, Outlook):
	// the client files none, which would be a second one.
	ServerFilesSent SentFiling = "server"
	// ClientFilesSent: the client files the copy (APPEND), as most servers expect.
	ClientFilesSent SentFiling = "client"
)

// PinsFor returns the certificate fingerprints pinned for host: those of the servers of
// these settings that are on host (a pin applies to the host it was made for).
func (s Settings) PinsFor(host string) []string {
	var pins []string
	for _, sv := range []Server{s.IMAP, s.SMTP} {
		if sv.Pin != "" && strings.EqualFold(sv.Host, host) {
			pins = append(pins, sv.Pin)
		}
	}
	return pins
}

// Validate checks that the settings are complete and secure.
func (s Settings) Validate() error {
	if !strings.Contains(s.Address, "@") {
		return fmt.Errorf("email: %q is not an email address", s.Address)
	}
	if s.Username == "" {
		return errors.New("email: no user name")
	}
	for _, sv := range []struct {
		what string
		s    Server
	}{{"IMAP", s.IMAP}, {"SMTP", s.SMTP}} {
		if sv.s.Host == "" || sv.s.Port <= 0 || sv.s.Port > 65535 {
			return fmt.Errorf("email: the %s server %q is incomplete", sv.what, sv.s.Addr())
		}
		if sv.s.Security != ImplicitTLS && sv.s.Security != StartTLS {
			return fmt.Errorf("%w: the %s server %s is not set to use TLS or STARTTLS", ErrInsecure, sv.what, sv.s.Addr())
		}
	}
	return nil
}

// Own reports whether addr is one of the account's addresses.
func (s Settings) Own(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == strings.ToLower(s.Address) {
		return true
	}
	for _, a := range s.Aliases {
		if strings.ToLower(a) == addr {
			return true
		}
	}
	return false
}

// Domain is the domain part of the account's address.
func (s Settings) Domain() string {
	_, d, _ := strings.Cut(s.Address, "@")
	return strings.ToLower(d)
}

// DialFunc opens a byte stream to addr: the relay tunnel dialer in the browser, a
// net.Dialer's DialContext natively.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Transport is how the connector reaches servers: a dial function and the TLS configuration
// for a server name (roots, extra CA, pinned certificate: the caller's business).
type Transport struct {
	Dial DialFunc
	// TLSConfig returns the configuration for a server; nil means the system roots. Its
	// ServerName is set to the server's host when empty.
	TLSConfig func(serverName string) *tls.Config
}

func (t Transport) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if t.TLSConfig != nil {
		c = t.TLSConfig(host)
	}
	if c == nil {
		c = &tls.Config{}
	} else {
		c = c.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

func (t Transport) dial(ctx context.Context, s Server) (net.Conn, error) {
	if t.Dial == nil {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", s.Addr())
	}
	return t.Dial(ctx, "tcp", s.Addr())
}

// Account is what a connector needs to log in: settings and password.
type Account struct {
	ID       string // the model.Account id
	Settings Settings
	Password string
	Transport
	// Reader, when set, reads fetched messages (see Read).
	Reader Reader
}
