// Package app assembles the client core: it creates the Core on a Port, opens the engine on
// the database, and registers the handlers and live queries of every feature. The browser's
// main (wasm/cmd/core) and native tests both start the core through Start, so they run the
// same code.
package app

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"caliopen/shared/version"
	"caliopen/wasm/api"
	"caliopen/wasm/contacts"
	"caliopen/wasm/core"
	"caliopen/wasm/discussions"
	"caliopen/wasm/engine"
	"caliopen/wasm/platform"
	"caliopen/wasm/privacy"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// Options are what a platform gives the core.
type Options struct {
	Port core.Port
	// DB is the database opened with repo.Schema(); nil when storage is unavailable (the
	// core then answers, and says why, but keeps nothing).
	DB store.DB
	// DBError says why DB is nil.
	DBError error
	// Broadcast reaches the app's other tabs; nil when there are none to reach.
	Broadcast platform.Broadcaster
	Log       *slog.Logger
	// ExtraCAPEM adds certificate authorities (PEM) to the embedded roots for HTTPS lookups
	// through the tunnel (Web Key Directories): a private CA, or a test's.
	ExtraCAPEM []byte
}

// Start registers every feature on a new core, announces readiness with the api.CoreReady
// event, and serves until ctx ends.
func Start(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.DB == nil {
		db, err := store.OpenMemory(repo.Schema())
		if err != nil {
			return err
		}
		o.DB = db
	}
	c := core.New(o.Port, o.Log)
	a := &app{c: c, o: o, ctx: ctx, firstPage: make(chan struct{})}
	a.eng = engine.New(ctx, o.DB, o.Log)
	a.eng.Notify = func(topic string) {
		if topic == engine.TopicProfiles { // new link facts: look for evidence (debounced)
			if a.accts != nil {
				a.accts.profilesChanged()
			}
			return
		}
		c.Changed(ctx, topic)
		if o.Broadcast != nil {
			_ = o.Broadcast.Publish(topic)
		}
	}
	if o.Broadcast != nil {
		o.Broadcast.Listen(func(topic string) {
			switch topic {
			case topicVaultLocked:
				if a.accts != nil {
					a.accts.lock(ctx)
				}
				c.Changed(ctx, "vault")
				return
			case topicOutboxQueued:
				if a.accts != nil {
					a.accts.wakeOutbox()
				}
				return
			}
			if topic == engine.TopicDiscussions || topic == engine.TopicContacts {
				a.eng.Invalidate()
			}
			c.Changed(ctx, topic)
		})
	}
	go func() {
		// Load the index once the first page is out (or soon anyway): it is needed for
		// changes and for opening a discussion, not for showing the list.
		select {
		case <-a.firstPage:
		case <-time.After(1500 * time.Millisecond):
		case <-ctx.Done():
			return
		}
		if err := a.eng.Ready(ctx); err != nil {
			o.Log.Error("core: index not loaded", "error", err)
		}
		c.Changed(ctx, "status")
		c.Changed(ctx, engine.TopicDiscussions) // the summaries were rewritten from the index
	}()
	a.accts = newAccounts(a)
	a.keys = newKeys(a, a.accts.vault)
	a.eng.Keys = a.keys
	a.sync = newSyncer(a)
	a.register()
	a.registerContent()
	a.registerCompose()
	a.registerMessages(c)
	a.registerTags(c)
	a.accts.register(c)
	a.keys.register(c)
	a.sync.register(c)
	// The ready event goes out at once: measuring storage (navigator.storage.estimate) can
	// take a while on a large profile, and core.info answers with it when asked.
	if err := core.Emit(c, api.CoreReady, a.info(ctx, false)); err != nil {
		return err
	}
	return c.Serve(ctx)
}

type app struct {
	ctx     context.Context
	c       *core.Core
	accts   *accounts
	keys    *keys
	sync    *syncer
	o       Options
	eng     *engine.Engine
	leader  atomic.Bool
	avatars avatarFetches
	// firstPage closes when the first page of discussions has been answered.
	firstPage     chan struct{}
	firstPageOnce sync.Once
}

func (a *app) register() {
	c := a.c
	core.Handle(c, api.CoreInfo, func(ctx context.Context, _ api.Empty) (api.CoreInfoResult, error) {
		return a.info(ctx, true), nil
	})
	core.Live(c, api.StatusQuery, a.status, "status")
	core.Handle(c, api.SetRole, func(ctx context.Context, p api.SetRoleParams) (api.Empty, error) {
		a.leader.Store(p.Leader)
		c.Changed(ctx, "status")
		a.accts.reconcile(ctx)
		return api.Empty{}, nil
	})
	core.Live(c, api.DiscussionsQuery, a.discussions, engine.TopicDiscussions, engine.TopicContacts)
	core.Live(c, api.DiscussionQuery, a.discussion, engine.TopicDiscussions)
	core.Live(c, api.UserPrivacyQuery, func(ctx context.Context, _ api.Empty) (privacy.UserReport, error) {
		return a.eng.UserPrivacy(ctx)
	}, engine.TopicDiscussions, engine.TopicContacts, topicAccounts, topicKeys)
	core.Handle(c, api.LinkIdentities, func(ctx context.Context, p api.LinkParams) (api.Empty, error) {
		return api.Empty{}, a.eng.Link(ctx, p.Identities)
	})
	core.Handle(c, api.SplitIdentities, func(ctx context.Context, p api.SplitParams) (api.Empty, error) {
		return api.Empty{}, a.eng.Split(ctx, contacts.ContactID(p.Contact), p.Identities)
	})
	a.registerContacts(c)
	a.registerSynthetic(c)
}

// info describes the core; measure adds the browser's storage usage, quota and persistence.
func (a *app) info(ctx context.Context, measure bool) api.CoreInfoResult {
	info := api.CoreInfoResult{
		Product:   "Caliopen",
		Version:   version.Version,
		Build:     version.Build,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Storage:   api.StorageInfo{Available: a.o.DBError == nil, Backend: "indexeddb"},
	}
	if runtime.GOOS != "js" {
		info.Storage.Backend = "memory"
	}
	if a.o.DBError != nil {
		a.dbFailed(&info.Storage)
	}
	if measure {
		info.Storage = a.storage(ctx)
	}
	return info
}

func (a *app) storage(ctx context.Context) api.StorageInfo {
	info := platform.StorageInfo(ctx)
	if a.o.DBError != nil {
		info.Available = false
		a.dbFailed(&info)
	}
	return info
}

// dbFailed says in info that the local database could not be opened, and why.
func (a *app) dbFailed(info *api.StorageInfo) {
	info.Error = "The local database could not be opened: " + a.o.DBError.Error()
	info.ErrorCode, info.ErrorParams = "db_failed", map[string]string{"detail": a.o.DBError.Error()}
}

func (a *app) status(ctx context.Context, _ api.Empty) (api.CoreStatus, error) {
	st := api.CoreStatus{Storage: a.info(ctx, false).Storage, Online: a.accts.online.Load(), Leader: a.leader.Load()}
	done, err := a.eng.Loaded()
	st.IndexReady = done && err == nil
	if err != nil {
		st.Error = "Your messages could not be loaded: " + err.Error()
		st.ErrorCode, st.ErrorParams = "load_failed", map[string]string{"detail": err.Error()}
	}
	return st, nil
}

func (a *app) discussions(ctx context.Context, args api.DiscussionsArgs) (api.DiscussionsPage, error) {
	limit := args.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	filter := discussions.Filter{Archive: args.Archive, Unread: args.Unread, Network: args.Network, Account: args.Account, Text: args.Text, Tag: args.Tag}
	var page []engine.Stored
	var next string
	var total int
	var err error
	if filter.IsZero() {
		// The whole list pages from the store: the first page shows before the index loads.
		page, next, err = a.eng.DiscussionPage(ctx, args.After, limit)
		total, _ = a.eng.Repo.CountDiscussions(ctx)
		defer a.firstPageOnce.Do(func() { close(a.firstPage) })
	} else {
		page, next, total, err = a.eng.FilteredPage(ctx, filter, args.After, limit)
	}
	if err != nil {
		return api.DiscussionsPage{}, err
	}
	out := api.DiscussionsPage{Items: make([]api.DiscussionItem, 0, len(page)), Next: next, Total: total}
	for _, s := range page {
		item := api.DiscussionItem{
			Key: string(s.Key), Networks: s.Networks, Accounts: s.Accounts, LastDate: s.LastDate, Snippet: s.Snippet,
			Subject: s.Subject, Unread: s.Unread, Flagged: s.Flagged, Count: s.Count, Archived: s.Archived, Privacy: s.Privacy,
			Tags: s.Tags,
		}
		if m := s.Match; m != nil {
			item.Match = &api.TextMatch{MessageID: m.MessageID, Parts: m.Parts}
		}
		for _, p := range s.People {
			item.People = append(item.People, api.Person{Contact: string(p.Contact), Name: p.Name, Identities: p.Identities, Avatar: p.Avatar})
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

func (a *app) discussion(ctx context.Context, args api.DiscussionArgs) (api.DiscussionView, error) {
	msgs, indexes, err := a.eng.Discussion(ctx, discussions.Key(args.Key))
	if err != nil {
		return api.DiscussionView{}, err
	}
	topics, err := a.eng.EmailTopics(ctx, discussions.Key(args.Key))
	if err != nil {
		return api.DiscussionView{}, err
	}
	tags, err := a.eng.DiscussionTags(ctx, discussions.Key(args.Key))
	if err != nil {
		return api.DiscussionView{}, err
	}
	view := api.DiscussionView{Key: args.Key, Messages: make([]api.MessageView, len(msgs)), Topics: topics, Tags: tags}
	for i := range msgs {
		view.Messages[i] = api.MessageView{Message: msgs[i], Privacy: indexes[i]}
	}
	return view, nil
}
