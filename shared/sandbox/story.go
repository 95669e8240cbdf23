package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message"

	"caliopen/wasm/pgp"
)

// persona is someone in the story.
type persona struct {
	name, email string
	// The demo user only:
	password, keyPassphrase string
	mastodon, xHandle, xID  string
}

// The demo user and the people who write to them.
var (
	alex    = persona{name: "Alex Martin", email: "alex@" + MailDomain, password: "demo-sandbox-password", keyPassphrase: "demo key passphrase", mastodon: "alex", xHandle: "alex_caliopen", xID: "1500000000000000001"}
	tapioca = struct {
		name, email, mastodon, xHandle, xID, site string
	}{"Tapioca", "tapioca@tapioca.example", "Tapioca", "Tapioca42", "1400000000000000042", "https://tapioca.example"}
	camille = persona{name: "Camille Durand", email: "camille@" + MailDomain}
)

// story is the sandbox's data: when it began (dates are relative to it, so a restart
// shows the same messages), the keys of its people, and how far the timeline went.
type story struct {
	dir   string
	user  persona
	state storyState

	userKeyArmored string
	camilleKey     *pgp.SecretKey
	userKey        *pgp.SecretKey

	// Ids on the fake networks, set by seed.
	mAlex, mTapioca, mLea string
	mSeen                 map[string]bool // the user's Mastodon statuses already answered
	xSeen                 map[string]bool // the user's X events already answered
}

type storyState struct {
	Epoch time.Time `json:"epoch"`
	Step  int       `json:"step"`
	// Keys are armored secret keys, protected by the story's passphrase.
	UserKey    string `json:"userKey"`
	CamilleKey string `json:"camilleKey"`
}

const storyFile = "story.json"

func loadStory(dir string) (*story, error) {
	st := &story{dir: dir, user: alex, mSeen: map[string]bool{}, xSeen: map[string]bool{}}
	b, err := os.ReadFile(filepath.Join(dir, storyFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &st.state); err != nil {
			return nil, fmt.Errorf("sandbox story: %w (reset the sandbox)", err)
		}
	case errors.Is(err, os.ErrNotExist):
		st.state.Epoch = time.Now().Truncate(time.Minute)
	default:
		return nil, err
	}
	if st.userKey, err = st.key(&st.state.UserKey, alex); err != nil {
		return nil, err
	}
	if st.camilleKey, err = st.key(&st.state.CamilleKey, camille); err != nil {
		return nil, err
	}
	st.userKeyArmored = st.state.UserKey
	return st, st.save()
}

// key loads a persona's key from its armored form, or makes it.
func (st *story) key(armored *string, p persona) (*pgp.SecretKey, error) {
	if *armored != "" {
		return pgp.ImportSecret([]byte(*armored), []byte(alex.keyPassphrase))
	}
	k, err := pgp.Generate(p.name, p.email)
	if err != nil {
		return nil, err
	}
	if *armored, err = k.ExportSecret([]byte(alex.keyPassphrase)); err != nil {
		return nil, err
	}
	return k, nil
}

func (st *story) save() error {
	b, err := json.MarshalIndent(st.state, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(st.dir, storyFile), b, 0o600)
}

// ago is a time before the story's start.
func (st *story) ago(d time.Duration) time.Time { return st.state.Epoch.Add(-d) }

// wkdKey returns the public key published for a WKD hash, or nil.
func (st *story) wkdKey(hash string) []byte {
	if hash != wkdHash(camille.email) {
		return nil
	}
	pub, err := st.camilleKey.Public()
	if err != nil {
		return nil
	}
	b, err := pub.Bytes()
	if err != nil {
		return nil
	}
	return b
}

// seed fills the networks with the story, then replays the social half of the timeline
// already told (its mail half is in the journal).
func (st *story) seed(m *mailServers, s *social) error {
	if err := st.seedMail(m); err != nil {
		return err
	}
	if err := st.seedSocial(s); err != nil {
		return err
	}
	for i := 0; i < st.state.Step; i++ {
		if ev := timeline[i%len(timeline)]; ev.network != "email" {
			if err := ev.run(st, nil, s, i); err != nil {
				return err
			}
		}
	}
	return nil
}

func (st *story) seedMail(m *mailServers) error {
	rng := rand.New(rand.NewPCG(42, 7))
	// A few hundred ordinary messages over the last 60 days, most of them read.
	for i := range 320 {
		p := crowd[rng.IntN(len(crowd))]
		subj := subjects[rng.IntN(len(subjects))]
		date := st.ago(time.Duration(rng.Int64N(int64(60*24*time.Hour))) + time.Hour)
		raw := plainMail(p, alex.persona(), subj, fmt.Sprintf(bodies[rng.IntN(len(bodies))], firstName(alex.name)), date, fmt.Sprintf("crowd-%d@%s", i, domainOf(p.email)), nil)
		var flags []imap.Flag
		if date.Before(st.ago(3 * 24 * time.Hour)) {
			flags = append(flags, imap.FlagSeen)
		}
		if err := m.seed("INBOX", raw, date, flags...); err != nil {
			return err
		}
	}
	// An old mailer's message in a character set nobody knows: shown undecoded, with a note.
	martin := crowd[len(crowd)-1]
	old := st.ago(12 * 24 * time.Hour)
	old1 := plainMail(martin, alex.persona(), "Grandma's tart recipe", "Hi Alex,\n\nHere is my grandmother's tarte recipe, as promised: 6 apples, 200 g flour, 100 g butter, 1 egg, a pinch of salt. Bake 35 minutes.\n\nMartin",
		old, "martin-old-1@"+domainOf(martin.email), nil)
	if err := m.seed("INBOX", bytes.Replace(old1, []byte("charset=utf-8"), []byte("charset=unknown-8bit"), 1), old, imap.FlagSeen); err != nil {
		return err
	}
	// The mailing list: threads with replies, List-Id, footers.
	for t, topic := range listThreads {
		refs := []string{}
		for j := 0; j < 3+t%4; j++ {
			p := crowd[(t*5+j*3)%len(crowd)]
			date := st.ago(time.Duration(40-t*4)*24*time.Hour - time.Duration(j)*5*time.Hour)
			id := fmt.Sprintf("list-%d-%d@lists.%s", t, j, MailDomain)
			subj := topic
			if j > 0 {
				subj = "Re: " + topic
			}
			raw := listMail(p, subj, fmt.Sprintf(listBodies[j%len(listBodies)], topic), date, id, refs)
			if err := m.seed("INBOX", raw, date, imap.FlagSeen); err != nil {
				return err
			}
			refs = append(refs, id)
		}
	}
	// A newsletter in HTML with a tracking pixel and tracked links.
	for i, issue := range []string{"Autumn teas are here", "Our new bubble tea lab", "Members' night"} {
		date := st.ago(time.Duration(20-i*8) * 24 * time.Hour)
		if err := m.seed("INBOX", newsletter(issue, date, i), date); err != nil {
			return err
		}
	}
	// Léa's slides: a file big enough that the first sync leaves it on the server, fetched
	// when opened.
	lea := crowd[0]
	slides := st.ago(26 * time.Hour)
	slidesMail, err := withFile(plainMail(lea, alex.persona(), "Slides for Thursday",
		"Hi Alex,\n\nHere are the slides for Thursday's talk. Tell me if anything is unclear.\n\nLéa", slides, "lea-slides@"+domainOf(lea.email), nil),
		"slides-thursday.pdf", "application/pdf", SlidesPDF())
	if err != nil {
		return err
	}
	if err := m.seed("INBOX", slidesMail, slides, imap.FlagSeen); err != nil {
		return err
	}
	// Tapioca by email: the signature names the Mastodon and X handles.
	tp := persona{name: tapioca.name, email: tapioca.email}
	t1 := st.ago(9 * 24 * time.Hour)
	if err := m.seed("INBOX", plainMail(tp, alex.persona(), "Bubble tea workshop on Saturday?",
		"Hi Alex,\n\nI'm running a small bubble tea workshop on Saturday afternoon. Want to come? Bring a friend if you like.\n\n"+tapiocaSignature, t1, "tapioca-1@tapioca.example", nil), t1, imap.FlagSeen); err != nil {
		return err
	}
	a1 := st.ago(9*24*time.Hour - 3*time.Hour)
	if err := m.seed("Sent", plainMail(alex.persona(), tp, "Re: Bubble tea workshop on Saturday?",
		"Count me in! What should I bring?\n\nAlex", a1, "alex-1@"+MailDomain, []string{"tapioca-1@tapioca.example"}), a1, imap.FlagSeen); err != nil {
		return err
	}
	t2 := st.ago(2 * 24 * time.Hour)
	if err := m.seed("INBOX", plainMail(tp, alex.persona(), "Re: Bubble tea workshop on Saturday?",
		"Just yourself and a sweet tooth :) I'll DM you the address on Mastodon.\n\n"+tapiocaSignature, t2, "tapioca-2@tapioca.example",
		[]string{"tapioca-1@tapioca.example", "alex-1@" + MailDomain}), t2); err != nil {
		return err
	}
	// Camille: first a signed mail (her key in the Autocrypt header), then encrypted ones.
	c1 := st.ago(6 * 24 * time.Hour)
	raw, err := st.camilleMail("Quarterly report draft", "Hi Alex,\n\nThe draft of the quarterly report is ready; I'll send the numbers encrypted, as usual.\n\nCamille", c1, "camille-1", nil, false)
	if err != nil {
		return err
	}
	if err := m.seed("INBOX", raw, c1, imap.FlagSeen); err != nil {
		return err
	}
	c2 := st.ago(5 * 24 * time.Hour)
	raw, err = st.camilleMail("Re: Quarterly report draft", "Here are the confidential figures: revenue 1.2 M€, margin 14 %. Please don't forward.\n\nCamille",
		c2, "camille-2", []string{"camille-1@" + MailDomain}, true,
		pgp.Attachment{Name: "q3-figures.csv", ContentType: "text/csv", Data: []byte("quarter,revenue,margin\nQ3,1.2M,14%\n")})
	if err != nil {
		return err
	}
	return m.seed("INBOX", raw, c2)
}

// camilleMail is a signed mail from Camille with her Autocrypt header; encrypted to the
// demo user's key (and hers) when encrypt is set.
func (st *story) camilleMail(subject, text string, date time.Time, id string, refs []string, encrypt bool, atts ...pgp.Attachment) ([]byte, error) {
	return st.camilleMailTo(subject, text, date, id, refs, encrypt, nil, atts...)
}

func (st *story) camilleMailTo(subject, text string, date time.Time, id string, refs []string, encrypt bool, to *pgp.PublicKey, atts ...pgp.Attachment) ([]byte, error) {
	ac, err := pgp.AutocryptHeader(st.camilleKey, "mutual")
	if err != nil {
		return nil, err
	}
	out := pgp.Outgoing{
		From: &mail.Address{Name: camille.name, Address: camille.email}, To: []*mail.Address{{Name: alex.name, Address: alex.email}},
		Subject: subject, Date: date, MessageID: id + "@" + MailDomain, References: refs, Text: text, Autocrypt: ac,
		Attachments: atts,
	}
	if len(refs) > 0 {
		out.InReplyTo = refs[len(refs)-1:]
	}
	if !encrypt {
		return pgp.BuildSigned(out, st.camilleKey)
	}
	if to == nil {
		if to, err = st.userKey.Public(); err != nil {
			return nil, err
		}
	}
	self, err := st.camilleKey.Public()
	if err != nil {
		return nil, err
	}
	return pgp.BuildEncrypted(out, st.camilleKey, []*pgp.PublicKey{to, self})
}

func (p persona) persona() persona { return p }

func firstName(n string) string { f, _, _ := strings.Cut(n, " "); return f }

func domainOf(addr string) string { _, d, _ := strings.Cut(addr, "@"); return d }

// plainMail is an ordinary text/plain message.
func plainMail(from, to persona, subject, text string, date time.Time, id string, refs []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		(&mail.Address{Name: from.name, Address: from.email}).String(), (&mail.Address{Name: to.name, Address: to.email}).String(),
		mimeWord(subject), date.Format(time.RFC1123Z), id)
	writeRefs(&b, refs)
	fmt.Fprintf(&b, "Received: from mail.%s by mx.%s with ESMTPS (TLS1.3); %s\r\n", domainOf(from.email), MailDomain, date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Authentication-Results: mx.%s; dkim=pass header.d=%s; spf=pass smtp.mailfrom=%s\r\n", MailDomain, domainOf(from.email), from.email)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	b.WriteString("\r\n")
	return b.Bytes()
}

// SlidesPDF is the file attached to Léa's mail: 48 KB that start as a PDF does.
func SlidesPDF() []byte {
	rng := rand.New(rand.NewPCG(3, 14))
	data := make([]byte, 48<<10)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	copy(data, "%PDF-1.4\n")
	copy(data[len(data)-6:], "%%EOF\n")
	return data
}

// withFile turns a plain mail into one with a file attached: multipart/mixed, its text first,
// then the file in base64 (go-message writes the parts and the encoding).
func withFile(raw []byte, name, ctype string, data []byte) ([]byte, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	text, err := io.ReadAll(e.Body)
	if err != nil {
		return nil, err
	}
	var textHeader message.Header
	textHeader.Set("Content-Type", e.Header.Get("Content-Type"))
	textHeader.Set("Content-Transfer-Encoding", e.Header.Get("Content-Transfer-Encoding"))
	h := e.Header.Copy()
	h.Del("Content-Transfer-Encoding")
	h.SetContentType("multipart/mixed", map[string]string{"boundary": "file"})
	var fileHeader message.Header
	fileHeader.SetContentType(ctype, map[string]string{"name": name})
	fileHeader.SetContentDisposition("attachment", map[string]string{"filename": name})
	fileHeader.Set("Content-Transfer-Encoding", "base64")
	var b bytes.Buffer
	w, err := message.CreateWriter(&b, h)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct {
		header message.Header
		body   []byte
	}{{textHeader, text}, {fileHeader, data}} {
		pw, err := w.CreatePart(part.header)
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(part.body); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func listMail(from persona, subject, text string, date time.Time, id string, refs []string) []byte {
	var b bytes.Buffer
	list := "caliopen-dev@lists." + MailDomain
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: [caliopen-dev] %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		(&mail.Address{Name: from.name, Address: from.email}).String(), list, subject, date.Format(time.RFC1123Z), id)
	writeRefs(&b, refs)
	fmt.Fprintf(&b, "List-Id: Caliopen development <caliopen-dev.lists.%s>\r\nList-Unsubscribe: <mailto:caliopen-dev-leave@lists.%s>\r\nPrecedence: list\r\n", MailDomain, MailDomain)
	fmt.Fprintf(&b, "Received: from lists.%s by mx.%s with ESMTP; %s\r\n", MailDomain, MailDomain, date.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	fmt.Fprintf(&b, "\r\n-- \r\ncaliopen-dev mailing list\r\nhttps://lists.%s/caliopen-dev\r\n", MailDomain)
	return b.Bytes()
}

func newsletter(title string, date time.Time, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Bubble Weekly <news@bubble-weekly.example>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <issue-%d@bubble-weekly.example>\r\n",
		alex.email, title, date.Format(time.RFC1123Z), n)
	b.WriteString("List-Unsubscribe: <https://bubble-weekly.example/unsubscribe?u=8f2a>\r\nPrecedence: bulk\r\n")
	fmt.Fprintf(&b, "Received: from mta.bulkmailer.example by mx.%s with ESMTP; %s\r\n", MailDomain, date.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"nl\"\r\n\r\n")
	b.WriteString("--nl\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + title + "\r\nRead it online: https://bubble-weekly.example/issues/" + fmt.Sprint(n) + "\r\n")
	fmt.Fprintf(&b, "--nl\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body style=\"font-family:sans-serif\"><h1>%s</h1>"+
		"<p>New flavours, workshops and a members' discount this week.</p>"+
		"<p><a href=\"https://click.bulkmailer.example/c?u=8f2a&amp;l=%d\">Read more</a></p>"+
		"<img src=\"https://bubble-weekly.example/banner-%d.jpg\" alt=\"This week's teas\" width=\"600\">"+
		"<img src=\"https://pixel.bulkmailer.example/open.gif?u=8f2a&amp;i=%d\" width=\"1\" height=\"1\" alt=\"\">"+
		"<script>document.title='tracked'</script></body></html>\r\n--nl--\r\n", title, n, n, n)
	return b.Bytes()
}

func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return mimeQ(s)
		}
	}
	return s
}

func mimeQ(s string) string {
	var b strings.Builder
	b.WriteString("=?utf-8?q?")
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c > 127 || c == '=' || c == '?' || c == '_':
			fmt.Fprintf(&b, "=%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("?=")
	return b.String()
}

const tapiocaSignature = "-- \nTapioca\nMastodon: @Tapioca@mamot.fr · X: @Tapioca42\nhttps://tapioca.example"

// writeRefs writes In-Reply-To and References for message ids given without angle brackets.
func writeRefs(b *bytes.Buffer, refs []string) {
	if len(refs) == 0 {
		return
	}
	all := make([]string, len(refs))
	for i, r := range refs {
		all[i] = "<" + r + ">"
	}
	fmt.Fprintf(b, "In-Reply-To: %s\r\nReferences: %s\r\n", all[len(all)-1], strings.Join(all, " "))
}
