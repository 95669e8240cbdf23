package imapsync

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/email"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// RemoteID is the model.Message.RemoteID of an IMAP message: "<mailbox>/<uidvalidity>/<uid>".
func RemoteID(mailbox string, uidValidity uint32, uid imap.UID) string {
	return fmt.Sprintf("%s/%d/%d", mailbox, uidValidity, uid)
}

// ParseRemoteID splits a RemoteID (the mailbox may itself hold slashes).
func ParseRemoteID(id string) (mailbox string, uidValidity uint32, uid imap.UID, err error) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 {
		return "", 0, 0, fmt.Errorf("imapsync: bad remote id %q", id)
	}
	j := strings.LastIndexByte(id[:i], '/')
	if j <= 0 {
		return "", 0, 0, fmt.Errorf("imapsync: bad remote id %q", id)
	}
	v, err1 := strconv.ParseUint(id[j+1:i], 10, 32)
	u, err2 := strconv.ParseUint(id[i+1:], 10, 32)
	if err1 != nil || err2 != nil || u == 0 {
		return "", 0, 0, fmt.Errorf("imapsync: bad remote id %q", id)
	}
	return id[:j], uint32(v), imap.UID(u), nil
}

func toFlags(fs []imap.Flag) model.Flags {
	var f model.Flags
	for _, x := range fs {
		switch strings.ToLower(string(x)) {
		case `\seen`:
			f.Seen = true
		case `\flagged`:
			f.Flagged = true
		case `\answered`:
			f.Answered = true
		case `\deleted`:
			f.Deleted = true
		case `\draft`:
			f.Draft = true
		}
	}
	return f
}

var bodySection = &imap.FetchItemBodySection{Peek: true}

// convert turns a fetched message into what the store keeps. A message that cannot be parsed
// at all is still stored, with a note, so that nothing is lost.
// raw is the message as fetched (or put together again from its parts).
func convert(acct *email.Account, folder string, box model.Box, uidValidity uint32, buf *imapclient.FetchMessageBuffer, raw []byte) repo.MessageWrite {
	var m model.Message
	var b model.Body
	read, err := acct.Read(raw)
	p := read.Parsed
	if err != nil || p == nil {
		m.Subject = "(unreadable message)"
		b.Notes = append(b.Notes, mail.NoteUnreadable(errText(err)))
		if len(raw) > 0 {
			b.Text = strings.ToValidUTF8(string(raw[:min(len(raw), 64<<10)]), "\uFFFD")
		}
	} else {
		m, b = p.Message, p.Body
	}
	if raw == nil {
		b.Notes = append(b.Notes, mail.NoteNoContent())
	}
	m.AccountID = acct.ID
	m.Network = model.Email
	m.RemoteID = RemoteID(folder, uidValidity, buf.UID)
	m.ID = model.MessageID(acct.ID, m.RemoteID)
	m.Folder, m.Box = folder, box
	m.Flags = toFlags(buf.Flags)
	m.ReceivedAt = buf.InternalDate.UTC()
	if m.Date.IsZero() {
		m.Date = m.ReceivedAt
	}
	if m.Date.IsZero() {
		m.Date = time.Unix(0, 0).UTC()
	}
	if buf.RFC822Size > 0 {
		m.Size = buf.RFC822Size
	} else if m.Size == 0 {
		m.Size = int64(len(raw))
	}
	if from := m.From(); from != "" && acct.Settings.Own(from.Address()) {
		m.Outgoing = true
	}
	if m.Participants == nil {
		m.Participants = []model.Participant{}
	}
	for i := range b.Attachments {
		if read.Blobs[b.Attachments[i].ID] != nil {
			b.Attachments[i].Fetched = true
		}
	}
	return repo.MessageWrite{Message: &m, Body: &b, Blobs: read.Blobs}
}

func errText(err error) string {
	if err == nil {
		return "empty message"
	}
	return err.Error()
}

type imapclientBuffer = imapclient.FetchMessageBuffer

// StoreCopy stores a sent copy the client itself put on the server (with the UID the server
// gave it), so that it shows at once rather than at the folder's next sync (which then finds
// it already stored under the same id).
func StoreCopy(ctx context.Context, r *repo.Repo, acct *email.Account, folder string, uidValidity uint32, uid imap.UID, raw []byte, flags []imap.Flag, date time.Time) (*model.Message, error) {
	buf := &imapclient.FetchMessageBuffer{UID: uid, Flags: flags, InternalDate: date, RFC822Size: int64(len(raw)),
		BodySection: []imapclient.FetchBodySectionBuffer{{Section: bodySection, Bytes: raw}}}
	w := convert(acct, folder, model.BoxSent, uidValidity, buf, raw)
	return w.Message, r.SaveMessages(ctx, []repo.MessageWrite{w})
}

// Reread reads a stored message again from its raw form (an encrypted message kept until a
// key could open it) with the account's Reader, keeping what the server said of it: folder,
// flags, arrival date and size.
func Reread(acct *email.Account, stored model.Message, raw []byte) (repo.MessageWrite, error) {
	folder, uidValidity, uid, err := ParseRemoteID(stored.RemoteID)
	if err != nil {
		return repo.MessageWrite{}, err
	}
	buf := &imapclient.FetchMessageBuffer{UID: uid, InternalDate: stored.ReceivedAt, RFC822Size: stored.Size,
		BodySection: []imapclient.FetchBodySectionBuffer{{Section: bodySection, Bytes: raw}}}
	w := convert(acct, folder, stored.Box, uidValidity, buf, raw)
	w.Message.Flags = stored.Flags
	return w, nil
}
