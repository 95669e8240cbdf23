package smtpsend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"

	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
)

// PermanentError wraps a refusal that retrying will not change (a 5xx reply).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Submit sends an envelope, its copies included, through the account's submission server,
// in one session.
func Submit(ctx context.Context, acct *email.Account, env *Envelope) error {
	c, err := acct.DialSMTP(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for _, m := range append([]Copy{{Rcpt: env.Rcpt, Raw: env.Raw}}, env.Copies...) {
		if len(m.Rcpt) == 0 {
			continue
		}
		if err := c.SendMail(env.From, m.Rcpt, bytes.NewReader(m.Raw)); err != nil {
			var se *smtp.SMTPError
			if errors.As(err, &se) && se.Code >= 500 {
				return &PermanentError{fmt.Errorf("smtpsend: the server refused the message: %w", err)}
			}
			return fmt.Errorf("smtpsend: %w", err)
		}
	}
	c.Quit()
	return nil
}

// Filed says where a copy was filed: the folder and, when the server has UIDPLUS, the copy's
// UIDVALIDITY and UID (so that it can be stored at once under its final id).
type Filed struct {
	Folder      string
	UIDValidity uint32
	UID         imap.UID
}

// AppendSent files a copy of a sent message in the account's Sent folder (seen).
func AppendSent(ctx context.Context, acct *email.Account, raw []byte, date time.Time) (Filed, error) {
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		return Filed{}, err
	}
	defer c.Close()
	fs, err := imapsync.ListFolders(c)
	if err != nil {
		return Filed{}, err
	}
	f, ok := imapsync.FolderByRole(fs, imapsync.RoleSent)
	if !ok {
		return Filed{}, ErrNoSentFolder
	}
	cmd := c.Append(f.Name, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: date})
	if _, err := cmd.Write(raw); err != nil {
		return Filed{}, err
	}
	if err := cmd.Close(); err != nil {
		return Filed{}, err
	}
	data, err := cmd.Wait()
	if err != nil {
		return Filed{}, fmt.Errorf("smtpsend: APPEND to %s: %w", f.Name, err)
	}
	c.Logout().Wait()
	return Filed{Folder: f.Name, UIDValidity: data.UIDValidity, UID: data.UID}, nil
}

// ErrNoSentFolder is returned when the account has no folder with the Sent role.
var ErrNoSentFolder = errors.New("smtpsend: this account has no Sent folder")

// FindSent looks for a Message-ID in the account's Sent folder (UID SEARCH HEADER).
func FindSent(ctx context.Context, acct *email.Account, messageID string) (bool, error) {
	f, err := LookInSent(ctx, acct, messageID, nil)
	return f.UID != 0, err
}

// LookInSent looks for a Message-ID in the account's Sent folder, at once and then after each
// of the pauses given (the server may file a copy of what it was just given a moment
// later), on one connection. It returns where the copy is (UID zero: not found).
func LookInSent(ctx context.Context, acct *email.Account, messageID string, pauses []time.Duration) (Filed, error) {
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		return Filed{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	fs, err := imapsync.ListFolders(c)
	if err != nil {
		return Filed{}, err
	}
	f, ok := imapsync.FolderByRole(fs, imapsync.RoleSent)
	if !ok {
		return Filed{}, ErrNoSentFolder
	}
	sel, err := c.Select(f.Name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return Filed{}, err
	}
	criteria := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: messageID}}}
	for i := 0; ; i++ {
		sd, err := c.UIDSearch(criteria, nil).Wait()
		if err != nil {
			return Filed{}, fmt.Errorf("smtpsend: search Sent: %w", err)
		}
		if uids := sd.AllUIDs(); len(uids) > 0 {
			c.Logout().Wait()
			return Filed{Folder: f.Name, UIDValidity: sel.UIDValidity, UID: uids[len(uids)-1]}, nil
		}
		if i == len(pauses) {
			break
		}
		select {
		case <-ctx.Done():
			return Filed{}, ctx.Err()
		case <-time.After(pauses[i]):
		}
		// A NOOP lets the server tell of messages filed meanwhile (some search only what
		// the session has been told of).
		if err := c.Noop().Wait(); err != nil {
			return Filed{}, err
		}
	}
	c.Logout().Wait()
	return Filed{Folder: f.Name, UIDValidity: sel.UIDValidity}, nil
}
