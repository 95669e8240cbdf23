package imapsync

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"caliopen/wasm/store/repo"
)

// imapPart maps an attachment id from mail.Parse ("1" for the root, "1.2.1" for the first part
// of the root's second part) to an IMAP section part ([1] for a single-part message, [2 1]).
func imapPart(id string) ([]int, error) {
	fields := strings.Split(id, ".")
	if len(fields) == 0 || fields[0] != "1" {
		return nil, fmt.Errorf("imapsync: bad attachment id %q", id)
	}
	if len(fields) == 1 {
		return []int{1}, nil
	}
	var part []int
	for _, f := range fields[1:] {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("imapsync: bad attachment id %q", id)
		}
		part = append(part, n)
	}
	return part, nil
}

// Attachment returns an attachment's bytes (decoded), from the store when already fetched,
// else from the server (only that part), storing them for offline use.
func (s *Syncer) Attachment(ctx context.Context, messageID, attachmentID string) ([]byte, error) {
	if b, err := s.Repo.Attachment(ctx, messageID, attachmentID); err == nil {
		return b, nil
	} else if !errors.Is(err, repo.ErrNotFound) {
		return nil, err
	}
	m, err := s.Repo.Message(ctx, messageID)
	if err != nil {
		return nil, err
	}
	folder, uidv, uid, err := ParseRemoteID(m.RemoteID)
	if err != nil {
		return nil, err
	}
	part, err := imapPart(attachmentID)
	if err != nil {
		return nil, err
	}
	c, err := s.Account.DialIMAP(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sess := s.session(c)
	sel, err := wait(ctx, sess, func() (*imap.SelectData, error) {
		return c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	})
	if err != nil {
		return nil, err
	}
	if sel.UIDValidity != uidv {
		return nil, ErrStale
	}
	head := &imap.FetchItemBodySection{Peek: true, Part: part, Specifier: imap.PartSpecifierMIME}
	if attachmentID == "1" { // a single-part message: its header is the message's
		head = &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}
	}
	body := &imap.FetchItemBodySection{Peek: true, Part: part}
	bufs, err := wait(ctx, sess, func() ([]*imapclientBuffer, error) {
		return c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{head, body}}).Collect()
	})
	if err != nil {
		return nil, fmt.Errorf("imapsync: fetch attachment: %w", err)
	}
	if len(bufs) == 0 {
		return nil, fmt.Errorf("imapsync: message %s is no longer on the server", m.RemoteID)
	}
	raw := bufs[0].FindBodySection(body)
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(bufs[0].FindBodySection(head))))
	if err != nil {
		return nil, fmt.Errorf("imapsync: attachment header: %w", err)
	}
	// Decode the transfer encoding only: the bytes stay as the sender wrote them.
	var only message.Header
	only.Set("Content-Transfer-Encoding", h.Get("Content-Transfer-Encoding"))
	e, err := message.New(only, bytes.NewReader(raw))
	if err != nil && e == nil {
		return nil, err
	}
	data, err := io.ReadAll(e.Body)
	if err != nil {
		return nil, fmt.Errorf("imapsync: decoding attachment: %w", err)
	}
	c.Logout().Wait()
	if err := s.Repo.PutAttachment(ctx, messageID, attachmentID, data); err != nil {
		return nil, err
	}
	return data, nil
}
