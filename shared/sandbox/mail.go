package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailServers are the sandbox's IMAP server (implicit TLS) and SMTP submission servers
// (implicit TLS and STARTTLS), sharing the demo user's in-memory mailbox.
type mailServers struct {
	log  *slog.Logger
	user *imapmemserver.User
	imap *imapserver.Server
	smtp []*smtp.Server

	imapAddr, smtpAddr, submissionAddr netip.AddrPort

	journal *os.File
	mu      sync.Mutex
	// password is the demo user's current password (the provider's password page changes
	// it), and conns the IMAP connections open, closed when it changes.
	password string
	conns    []*imapserver.Conn
	// submitted are messages the user sent, for the story's people to answer.
	submitted []submission
	replaying bool
}

type submission struct {
	From string
	To   []string
	Data []byte
}

// Folders of the demo mailbox.
var folders = []string{"INBOX", "Sent", "Drafts", "Trash", "Archive", "Junk"}

const journalFile = "mail-journal.jsonl"

// journalEntry is one delivery after the seed, replayed at start.
type journalEntry struct {
	Mailbox string    `json:"mailbox"`
	Flags   []string  `json:"flags,omitempty"`
	Date    time.Time `json:"date"`
	Raw     []byte    `json:"raw"`
}

func startMail(ca *authority, st *story, dir string, log *slog.Logger) (*mailServers, error) {
	m := &mailServers{log: log, password: st.user.password}
	m.user = imapmemserver.NewUser(st.user.email, st.user.password)
	for _, f := range folders {
		if err := m.user.Create(f, nil); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"Sent", "Drafts", "Trash", "Archive", "Junk"} {
		m.user.Subscribe(f)
	}
	m.imap = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			m.mu.Lock()
			m.conns = append(m.conns, c)
			m.mu.Unlock()
			return &mailSession{m: m, username: st.user.email}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true, // the listener is TLS
		Logger:       quietLogger{},
	})
	ln, addr, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	m.imapAddr = addr
	go m.imap.Serve(tls.NewListener(ln, ca.serverConfig()))

	be := smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{m: m, st: st}, nil })
	for _, implicit := range []bool{true, false} {
		srv := smtp.NewServer(be)
		srv.Domain = SMTPHost
		srv.TLSConfig = ca.serverConfig()
		srv.MaxMessageBytes = 25 << 20
		srv.MaxRecipients = 50
		srv.ReadTimeout, srv.WriteTimeout = 2*time.Minute, 2*time.Minute
		srv.ErrorLog = quietLogger{}
		ln, addr, err := listenLoopback()
		if err != nil {
			m.close()
			return nil, err
		}
		if implicit {
			m.smtpAddr = addr
			ln = tls.NewListener(ln, ca.serverConfig())
		} else {
			m.submissionAddr = addr
		}
		m.smtp = append(m.smtp, srv)
		go srv.Serve(ln)
	}
	if err := m.openJournal(dir); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// openJournal replays the deliveries kept in dir, then appends new ones to it.
func (m *mailServers) openJournal(dir string) error {
	path := filepath.Join(dir, journalFile)
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		m.replaying = true
		for sc.Scan() {
			var e journalEntry
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue // a line cut by a crash: the rest is still good
			}
			flags := make([]imap.Flag, len(e.Flags))
			for i, f := range e.Flags {
				flags[i] = imap.Flag(f)
			}
			_ = m.append(e.Mailbox, e.Raw, e.Date, flags...)
		}
		m.replaying = false
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	m.journal = f
	return nil
}

// seed adds a message of the story (not journalled: the story is re-seeded at each start).
func (m *mailServers) seed(mailbox string, raw []byte, date time.Time, flags ...imap.Flag) error {
	return m.append(mailbox, raw, date, flags...)
}

// deliver adds a message that arrived after the seed, and journals it.
func (m *mailServers) deliver(mailbox string, raw []byte, flags ...imap.Flag) error {
	now := time.Now()
	if err := m.append(mailbox, raw, now, flags...); err != nil {
		return err
	}
	if m.journal == nil {
		return nil
	}
	e := journalEntry{Mailbox: mailbox, Date: now, Raw: raw}
	for _, f := range flags {
		e.Flags = append(e.Flags, string(f))
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err = m.journal.Write(append(b, '\n'))
	return err
}

func (m *mailServers) append(mailbox string, raw []byte, date time.Time, flags ...imap.Flag) error {
	_, err := m.user.Append(mailbox, literal{bytes.NewReader(raw), int64(len(raw))},
		&imap.AppendOptions{Flags: flags, Time: date})
	return err
}

// takeSubmitted returns the messages the user sent since the last call.
func (m *mailServers) takeSubmitted() []submission {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.submitted
	m.submitted = nil
	return out
}

// mailSession is an IMAP session of the demo user, who logs in with the current password.
type mailSession struct {
	*imapmemserver.UserSession // nil until logged in
	m                          *mailServers
	username                   string
}

func (s *mailSession) Login(username, password string) error {
	if !strings.EqualFold(username, s.username) || password != s.m.currentPassword() {
		return imapserver.ErrAuthFailed
	}
	s.UserSession = imapmemserver.NewUserSession(s.m.user)
	return nil
}

func (m *mailServers) currentPassword() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.password
}

// setPassword changes the demo user's password, as a provider does: the IMAP sessions open
// end, and the next logins (IMAP and SMTP) need the new one.
func (m *mailServers) setPassword(password string) {
	m.mu.Lock()
	m.password = password
	conns := m.conns
	m.conns = nil
	m.mu.Unlock()
	for _, c := range conns {
		c.NetConn().Close()
	}
}

func (m *mailServers) close() error {
	var errs []error
	if m.imap != nil {
		errs = append(errs, m.imap.Close())
	}
	for _, s := range m.smtp {
		errs = append(errs, s.Close())
	}
	if m.journal != nil {
		errs = append(errs, m.journal.Close())
	}
	return errors.Join(errs...)
}

// smtpSession accepts mail from the demo user only (PLAIN over TLS), delivers what is
// addressed to the user to their INBOX, and hands the rest to the story's people.
type smtpSession struct {
	m      *mailServers
	st     *story
	authed bool
	from   string
	to     []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if !strings.EqualFold(user, s.st.user.email) || pass != s.m.currentPassword() {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	if !strings.EqualFold(from, s.st.user.email) {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: fmt.Sprintf("you may only send as %s", s.st.user.email)}
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for _, to := range s.to {
		if strings.EqualFold(to, s.st.user.email) {
			if err := s.m.deliver("INBOX", b); err != nil {
				return err
			}
		}
	}
	s.m.mu.Lock()
	s.m.submitted = append(s.m.submitted, submission{From: s.from, To: append([]string(nil), s.to...), Data: b})
	s.m.mu.Unlock()
	s.m.log.Info("sandbox: mail submitted", "recipients", len(s.to), "bytes", len(b))
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

type literal struct {
	io.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
func (quietLogger) Println(...any)        {}
