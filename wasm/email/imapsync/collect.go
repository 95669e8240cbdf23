package imapsync

import (
	"io"

	"github.com/emersion/go-imap/v2/imapclient"
)

// collect reads a FETCH command's answers into buffers, as FetchCommand.Collect does, but
// reads each body literal into a slice of the size the server announced: Collect's
// io.ReadAll grows its slice from 512 bytes up, copying every message several times (a tenth
// of a first sync's time in the browser). A literal announced bigger than limit (never asked
// for) is read the old way, so that a size the server announces is never allocated blindly.
func collect(cmd *imapclient.FetchCommand, limit int64) ([]*imapclient.FetchMessageBuffer, error) {
	var out []*imapclient.FetchMessageBuffer
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf := &imapclient.FetchMessageBuffer{SeqNum: msg.SeqNum}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch item := item.(type) {
			case imapclient.FetchItemDataBodySection:
				var b []byte
				if lit := item.Literal; lit != nil {
					var err error
					if lit.Size() <= limit {
						b = make([]byte, lit.Size())
						_, err = io.ReadFull(lit, b)
					} else { // never asked for: allocate only what really arrives
						b, err = io.ReadAll(lit)
					}
					if err != nil {
						cmd.Close()
						return out, err
					}
				}
				buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: item.Section, Bytes: b})
			case imapclient.FetchItemDataFlags:
				buf.Flags = item.Flags
			case imapclient.FetchItemDataInternalDate:
				buf.InternalDate = item.Time
			case imapclient.FetchItemDataRFC822Size:
				buf.RFC822Size = item.Size
			case imapclient.FetchItemDataUID:
				buf.UID = item.UID
			}
		}
		out = append(out, buf)
	}
	return out, cmd.Close()
}
