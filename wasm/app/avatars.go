package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Profile pictures. They are remote content: the page never loads them from the networks'
// hosts (that would tell those hosts, and X, when the user reads whom). The core fetches a
// picture once, keeps it in the repository, and hands the bytes to the page. Mastodon's come
// from the instance or its media host as the Mastodon connection fetches media (the core
// already talks to the instance); X's through the relay tunnel with the X connection's
// client, TLS ending in the core. Without a connection, or when the fetch fails, the page
// shows the person's initial.

const (
	avatarMaxAge = 7 * 24 * time.Hour // a picture kept is fetched again after a week
	avatarRetry  = 24 * time.Hour     // a failed fetch is tried again after a day
	maxAvatar    = 2 << 20
)

// errNoConnection: no running connection of the network can fetch the picture now.
var errNoConnection = errors.New("avatars: no connection can fetch it now")

// avatarFetches shares one fetch of a picture among the callers that ask meanwhile.
type avatarFetches struct {
	mu      sync.Mutex
	running map[model.IdentityURI]*avatarFetch
}

type avatarFetch struct {
	done chan struct{}
	view api.AvatarView
	err  error
}

func (a *app) avatar(ctx context.Context, p api.AvatarParams) (api.AvatarView, error) {
	f := &a.avatars
	f.mu.Lock()
	if f.running == nil {
		f.running = map[model.IdentityURI]*avatarFetch{}
	}
	call := f.running[p.URI]
	if call == nil {
		call = &avatarFetch{done: make(chan struct{})}
		f.running[p.URI] = call
		go func() {
			call.view, call.err = a.loadAvatar(a.ctx, p.URI)
			f.mu.Lock()
			delete(f.running, p.URI)
			f.mu.Unlock()
			close(call.done)
		}()
	}
	f.mu.Unlock()
	select {
	case <-call.done:
		return call.view, call.err
	case <-ctx.Done():
		return api.AvatarView{}, ctx.Err()
	}
}

// loadAvatar returns the picture kept, else fetches it and keeps it (or why it failed).
func (a *app) loadAvatar(ctx context.Context, uri model.IdentityURI) (api.AvatarView, error) {
	view := api.AvatarView{URI: uri}
	id, err := a.eng.Repo.Identity(ctx, uri)
	if errors.Is(err, repo.ErrNotFound) {
		return view, nil
	}
	if err != nil {
		return view, err
	}
	src := id.PictureURL()
	if src == "" {
		return view, nil
	}
	kept, err := a.eng.Repo.Avatar(ctx, uri)
	if err != nil && !errors.Is(err, repo.ErrNotFound) {
		return view, err
	}
	now := time.Now()
	fresh := kept.URL == src
	switch {
	case fresh && kept.Data != nil && now.Sub(kept.FetchedAt) < avatarMaxAge,
		fresh && kept.Failed != "" && now.Sub(kept.FetchedAt) < avatarRetry:
		return avatarView(uri, kept), nil
	}
	data, err := a.fetchAvatar(ctx, uri.Network(), src)
	if errors.Is(err, errNoConnection) || ctx.Err() != nil {
		return avatarView(uri, kept), nil // the picture kept, even old, until one can be fetched
	}
	got := repo.Avatar{URL: src, FetchedAt: now}
	if err == nil {
		got.ContentType = http.DetectContentType(data)
		if !slices.Contains([]string{"image/png", "image/jpeg", "image/gif", "image/webp"}, got.ContentType) {
			err = fmt.Errorf("not a picture: %s", got.ContentType)
		}
	}
	if err != nil {
		a.o.Log.Info("avatars: no picture", "identity", uri, "error", err)
		got = repo.Avatar{URL: src, FetchedAt: now, Failed: err.Error()}
		if fresh && kept.Data != nil {
			got.ContentType, got.Data = kept.ContentType, kept.Data // keep showing the last one
		}
	} else {
		got.Data = data
	}
	if err := a.eng.Repo.PutAvatar(ctx, uri, got); err != nil {
		return view, err
	}
	return avatarView(uri, got), nil
}

func avatarView(uri model.IdentityURI, k repo.Avatar) api.AvatarView {
	if k.Data == nil {
		return api.AvatarView{URI: uri}
	}
	return api.AvatarView{URI: uri, ContentType: k.ContentType, Data: k.Data}
}

// fetchAvatar downloads a picture with a running connection of the identity's network.
func (a *app) fetchAvatar(ctx context.Context, n model.Network, src string) ([]byte, error) {
	for _, acct := range a.accountsOn(ctx, n) {
		switch c := a.accts.connection(acct.ID).(type) {
		case *mastodonConn:
			c.mu.Lock()
			conn := c.conn
			c.mu.Unlock()
			if conn != nil {
				return conn.FetchAvatar(ctx, src)
			}
		case *xConn:
			return download(ctx, c.conn.Client.HTTP, xPictureSize(src))
		}
	}
	return nil, errNoConnection
}

// xPictureSize asks X for its 73-pixel picture rather than the 48-pixel one its API names
// ("…_normal.jpg" and "…_bigger.jpg" are the same picture, as X documents its image sizes):
// the list shows 40 pixels, twice that on most screens.
func xPictureSize(src string) string {
	if i := strings.LastIndex(src, "_normal."); i >= 0 {
		return src[:i] + "_bigger." + src[i+len("_normal."):]
	}
	return src
}

// download reads a public file of at most maxAvatar bytes with hc.
func download(ctx context.Context, hc *http.Client, src string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAvatar+1))
	if err == nil && len(data) > maxAvatar {
		err = fmt.Errorf("%s is larger than %d MB", src, maxAvatar>>20)
	}
	return data, err
}
