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
	data, err := c.download(bctx, src, maxMedia)
	if err != nil {
		return nil, err
	}
	return data, c.cfg.Repo.PutAttachment(ctx, messageID, attachmentID, data)
}

// maxAvatar bounds a profile picture (Mastodon's own limit is 2 MB).
const maxAvatar = 2 << 20

// FetchAvatar downloads a profile picture from the address the instance gave for it (on
// the instance or its media host), as FetchAttachment downloads media: without a token,
// through Config.MediaTransport when the browser's fetch is refused.
func (c *Connector) FetchAvatar(ctx context.Context, src string) ([]byte, error) {
	bctx, cancel := c.client.bound(ctx)
	defer cancel()
	return c.download(bctx, src, maxAvatar)
}

// download reads a public file of at most limit bytes.
func (c *Connector) download(ctx context.Context, src string, limit int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.http.Do(req)
	if err != nil && c.cfg.MediaTransport != nil && ctx.Err() == nil {
		resp, err = (&http.Client{Transport: c.cfg.MediaTransport}).Do(req.Clone(ctx))
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &APIError{Status: resp.StatusCode, Message: "fetching " + src}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("mastodon: %s is larger than %d MB", src, limit>>20)
	}
	return data, nil
}
