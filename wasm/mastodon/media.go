package mastodon

import (
	"context"
	"fmt"
	"io"
	"net/http"

	gomastodon "github.com/mattn/go-mastodon"
)

// maxMedia bounds a downloaded attachment (Mastodon's own video limit is 99 MB; DMs rarely
// come near it, and the browser keeps it in memory once).
const maxMedia = 100 << 20

// FetchAttachment downloads an attachment of a stored message and keeps its bytes in the
// repository. Attachments are described at sync and fetched only when asked for: the status is
// read again for the media URL (media URLs can change when an instance moves its storage). The
// request carries no token: media URLs are public and often on another host, which may refuse
// a cross-origin fetch (then Config.MediaTransport is tried).
func (c *Connector) FetchAttachment(ctx context.Context, messageID, attachmentID string) ([]byte, error) {
	m, err := c.cfg.Repo.Message(ctx, messageID)
	if err != nil {
		return nil, err
	}
	bctx, cancel := c.client.bound(ctx)
	defer cancel()
	st, err := c.client.api.GetStatus(bctx, gomastodon.ID(m.RemoteID))
	if err != nil {
		return nil, asAPIError(err)
	}
	var src string
	for _, a := range st.MediaAttachments {
		if string(a.ID) == attachmentID {
			src = a.URL
			if src == "" {
				src = a.RemoteURL
			}
		}
	}
	if src == "" {
		return nil, fmt.Errorf("mastodon: status %s has no attachment %s", m.RemoteID, attachmentID)
	}
	req, err := http.NewRequestWithContext(bctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.http.Do(req)
	if err != nil && c.cfg.MediaTransport != nil && bctx.Err() == nil {
		resp, err = (&http.Client{Transport: c.cfg.MediaTransport}).Do(req.Clone(bctx))
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &APIError{Status: resp.StatusCode, Message: "fetching " + src}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMedia+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMedia {
		return nil, fmt.Errorf("mastodon: attachment %s is larger than %d MB", attachmentID, maxMedia>>20)
	}
	return data, c.cfg.Repo.PutAttachment(ctx, messageID, attachmentID, data)
}
