package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/contacts"
	"caliopen/wasm/core"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
	"caliopen/wasm/syncstore"
	"caliopen/wasm/vault"
)

// Device sync: the space key lives in the vault; while this tab leads, the vault is open and
// a relay is set, a syncspace.Client runs, and a bridge carries the user-owned changes of
// the operation log into the space and the space's changes into this device.
//
// What travels, as sync operations:
//   - settings (last writer wins per setting), except this device's own: its relay and sync
//     settings;
//   - the user's contact decisions (merges, splits, dismissed links), as a set of contacts.Op;
//     each carries the identity links it adds and removes, so devices applying them in any
//     order hold the same contacts (contacts/graph.go).
//
//   - the user's tags, an add-wins set per participant set (sync_tags.go);
//   - accounts and the user's key pairs, with their secrets (sync_sealed.go), outbox items
//     (sync_outbox.go) and contacts' public keys, key by key (sync_keys.go).

const (
	topicSync     = "sync"
	secretSyncKey = "sync.space-key"
	collSetting   = "setting"
	collContact   = "contact.ops"
	contactSetKey = "user"
)

type syncer struct {
	a *app

	keysApplied []string // addresses whose keys a round applied (sync_keys.go); bridge only
	states      messageStates
	tags        syncedTags

	mu      sync.Mutex
	problem problem // what the bridge's last round could not do
	running string  // what the running client was started for ("" when none)
	client  *syncspace.Client
	stop    context.CancelFunc
	done    chan struct{}
	kick    chan struct{}
}

func newSyncer(a *app) *syncer { return &syncer{a: a} }

func (s *syncer) register(c *core.Core) {
	core.Handle(c, api.SyncCreate, s.create)
	core.Handle(c, api.SyncJoin, s.join)
	core.Handle(c, api.SyncSecretAgain, s.secretAgain)
	core.Live(c, api.SyncQuery, s.view, topicSync)
}

func (s *syncer) vault() *vault.Vault { return s.a.accts.vault }

func (s *syncer) create(ctx context.Context, _ api.Empty) (api.SyncSecret, error) {
	if s.vault().Locked() {
		return api.SyncSecret{}, api.Errorf("locked", "Unlock the vault first: the sync key is kept in it.")
	}
	if _, err := s.vault().Get(ctx, secretSyncKey); err == nil {
		return api.SyncSecret{}, api.Errorf("sync_exists", "This device already belongs to a sync space.")
	}
	key, err := syncspace.NewKey()
	if err != nil {
		return api.SyncSecret{}, err
	}
	if err := s.vault().Put(ctx, secretSyncKey, key.Bytes()); err != nil {
		return api.SyncSecret{}, err
	}
	s.reconcile(ctx)
	return api.SyncSecret{Phrase: key.Phrase(), PairingCode: key.PairingCode()}, nil
}

func (s *syncer) join(ctx context.Context, p api.SyncJoinParams) (api.Empty, error) {
	key, err := syncspace.ParseSecret(p.Secret)
	if err != nil {
		return api.Empty{}, secretError(err)
	}
	if s.vault().Locked() {
		return api.Empty{}, api.Errorf("locked", "Unlock the vault first: the sync key is kept in it.")
	}
	// A device belongs to one space: joining another would silently leave this one.
	if held, err := s.vault().Get(ctx, secretSyncKey); err == nil {
		if !bytes.Equal(held, key.Bytes()) {
			return api.Empty{}, api.Errorf("sync_exists", "This device already belongs to a sync space.")
		}
		return api.Empty{}, nil
	}
	if err := s.vault().Put(ctx, secretSyncKey, key.Bytes()); err != nil {
		return api.Empty{}, err
	}
	s.reconcile(ctx)
	return api.Empty{}, nil
}

// secretAgain shows the space's phrase and pairing code again, to pair one more device: they
// open everything synced, so the passphrase is asked again even though the vault is open.
func (s *syncer) secretAgain(ctx context.Context, p api.PassphraseParams) (api.SyncSecret, error) {
	if s.vault().Locked() {
		return api.SyncSecret{}, api.Errorf("locked", "Unlock the vault first: the sync key is kept in it.")
	}
	if err := s.vault().Check(ctx, []byte(p.Passphrase)); err != nil {
		return api.SyncSecret{}, passphraseError(err)
	}
	raw, err := s.vault().Get(ctx, secretSyncKey)
	if errors.Is(err, vault.ErrNotFound) {
		return api.SyncSecret{}, api.Errorf("sync_off", "This device does not sync yet.")
	}
	if err != nil {
		return api.SyncSecret{}, err
	}
	key, err := syncspace.KeyFromBytes(raw)
	if err != nil {
		return api.SyncSecret{}, err
	}
	return api.SyncSecret{Phrase: key.Phrase(), PairingCode: key.PairingCode()}, nil
}

func (s *syncer) view(ctx context.Context, _ api.Empty) (api.SyncView, error) {
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	if client == nil {
		v := api.SyncView{State: "off"}
		if !s.vault().Locked() {
			if _, err := s.vault().Get(ctx, secretSyncKey); err == nil {
				v.Enabled, v.State = true, "waiting"
			}
		}
		return v, nil
	}
	st := client.Status()
	s.mu.Lock()
	p := s.problem
	s.mu.Unlock()
	v := api.SyncView{Enabled: true, Device: client.Device(), State: st.State, Pending: st.Pending,
		CaughtUp: st.CaughtUp, LastError: st.LastError, ErrorCode: st.ErrorCode, Problem: p.code, ProblemDetail: p.detail}
	if st.Head > st.Cursor {
		v.Behind = int(st.Head - st.Cursor)
	}
	return v, nil
}

// reconcile starts the client when it can run (leader, vault open, relay set, a space key)
// and stops it otherwise.
func (s *syncer) reconcile(ctx context.Context) {
	defer s.a.accts.changed(ctx, topicSync)
	var want string
	var key *syncspace.Key
	d := s.a.accts.dialer()
	if s.a.leader.Load() && !s.vault().Locked() && d != nil {
		if raw, err := s.vault().Get(ctx, secretSyncKey); err == nil {
			if key, err = syncspace.KeyFromBytes(raw); err == nil {
				want = d.RelayURL + "\x00" + d.Token + "\x00" + hex.EncodeToString(raw)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if want == s.running {
		return
	}
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop, s.client, s.running = nil, nil, ""
	}
	if want == "" {
		return
	}
	if err := s.startLocked(key, strings.TrimSuffix(d.RelayURL, "/tunnel")+"/sync", d.Token); err != nil {
		s.a.o.Log.Error("sync: cannot start", "error", err)
		return
	}
	s.running = want
}

func (s *syncer) startLocked(key *syncspace.Key, url, token string) error {
	ctx, cancel := context.WithCancel(s.a.ctx)
	st, device, err := syncstore.Open(ctx, s.a.eng.Repo, key, func() string {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	})
	if err != nil {
		cancel()
		return err
	}
	kick := make(chan struct{}, 1)
	wake := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	s.states.mu.Lock()
	s.states.all, s.states.changed, s.states.pending = true, nil, nil
	s.states.mu.Unlock()
	s.tags.mu.Lock()
	s.tags.all, s.tags.changed = true, nil
	s.tags.mu.Unlock()
	client, err := syncspace.New(ctx, syncspace.Config{
		Key: key, Device: device, Token: token, Transport: syncspace.WebSocket{URL: url}, Store: st, Log: s.a.o.Log,
		OnChange: func(changes []syncspace.Change) {
			s.noteStates(changes)
			s.noteTags(changes)
			wake()
		},
		OnStatus: func(syncspace.Status) { s.a.c.Changed(ctx, topicSync) },
	})
	if err != nil {
		cancel()
		return err
	}
	done := make(chan struct{})
	go func() { defer close(done); s.bridge(ctx, client, st, kick) }()
	s.client, s.stop, s.done, s.kick = client, cancel, done, kick
	return nil
}

// bridge starts the client and carries local changes from the operation log into the space
// and applies the space's changes here, until ctx ends. What this device did while its
// client was stopped goes into the queue before the client runs, so that it is weighed
// against the state this device had then, not against what other devices did meanwhile
// (a removal of a tag lists the adds it has seen: sync_tags.go).
func (s *syncer) bridge(ctx context.Context, client *syncspace.Client, st syncstore.Store, kick <-chan struct{}) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	started := false
	for {
		var round problems
		round.note("sync_local_failed", s.pushLocal(ctx, client, st, &round))
		if !started {
			started = true
			go func() { _ = client.Run(ctx) }()
		}
		round.note("sync_apply_failed", s.applyRemote(ctx, client))
		round.note("sync_apply_failed", s.applyMessageStates(ctx, client))
		round.note("sync_apply_failed", s.applyTags(ctx, client, st))
		round.note("sync_accounts_failed", s.syncSealed(ctx, client, st, &round))
		if ctx.Err() != nil {
			return
		}
		s.setProblem(ctx, round.first())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-kick:
		}
	}
}

// deviceLocal reports the settings that stay on this device: its relay and sync settings,
// the Autocrypt state (each device learns it from the mail it reads), the list of the
// user's keys (carried key by key with their secrets: sync_sealed.go) and the contacts'
// keyring (carried key by key: sync_keys.go).
func deviceLocal(name string) bool {
	return strings.HasPrefix(name, "relay.") || strings.HasPrefix(name, "sync.") ||
		name == settingAutocrypt || name == settingOwnKeys || name == settingContactKeys
}

// userContactOp reports the contact operations that are the user's decisions (the others,
// contacts created for new correspondents, each device derives from its own messages).
func userContactOp(k contacts.OpKind) bool {
	return k == contacts.OpMerge || k == contacts.OpSplit || k == contacts.OpDismiss
}

// pushLocal turns new operation-log entries into sync operations. An entry that only
// repeats what the space already holds (a change applied from another device) is skipped.
func (s *syncer) pushLocal(ctx context.Context, client *syncspace.Client, st syncstore.Store, round *problems) error {
	after, err := st.BridgeCursor(ctx)
	if err != nil {
		return err
	}
	for {
		logged, err := s.a.eng.Repo.Ops(ctx, after, 500)
		if err != nil || len(logged) == 0 {
			return err
		}
		var out []syncspace.Op
		client.View(func(state *syncspace.State) {
			held := map[string]bool{} // ids of the contact operations the space holds
			for _, e := range state.Elems(collContact, contactSetKey) {
				var cop contacts.Op
				if json.Unmarshal([]byte(e), &cop) == nil {
					held[cop.ID] = true
				}
			}
			for _, op := range logged {
				if sop, ok := toSyncOp(op, state, held); ok {
					out = append(out, sop)
				}
				out = append(out, messageStateOps(op, state)...)
			}
		})
		if err := client.Write(ctx, round.fitting(out)...); err != nil {
			return err
		}
		if err := pushTags(ctx, client, logged, round); err != nil {
			return err
		}
		after = logged[len(logged)-1].Seq
		if err := st.SetBridgeCursor(ctx, after); err != nil {
			return err
		}
	}
}

func toSyncOp(op repo.Op, state *syncspace.State, held map[string]bool) (syncspace.Op, bool) {
	switch op.Kind {
	case repo.OpSettingSet:
		var set struct {
			Name   string          `json:"name"`
			Value  json.RawMessage `json:"value"`
			Origin string          `json:"origin"`
		}
		// A setting applied from the space is not carried back: the space may already hold a
		// newer value, which a re-stamped copy of this one would override.
		if json.Unmarshal(op.Data, &set) != nil || set.Name == "" || deviceLocal(set.Name) || set.Origin == repo.OriginSync {
			return syncspace.Op{}, false
		}
		var have json.RawMessage
		if ok, _ := state.Field(collSetting, set.Name, "v", &have); ok && string(have) == string(set.Value) {
			return syncspace.Op{}, false
		}
		return syncspace.Op{Kind: syncspace.Set, Coll: collSetting, Key: set.Name, Field: "v", Value: set.Value}, true
	case "contact.op":
		var cop contacts.Op
		if json.Unmarshal(op.Data, &cop) != nil || !userContactOp(cop.Kind) || held[cop.ID] {
			return syncspace.Op{}, false
		}
		held[cop.ID] = true
		return syncspace.Op{Kind: syncspace.Add, Coll: collContact, Key: contactSetKey, Elem: string(op.Data)}, true
	}
	return syncspace.Op{}, false
}

// applyRemote brings this device's settings and contact book to the space's state.
func (s *syncer) applyRemote(ctx context.Context, client *syncspace.Client) error {
	settings := map[string]json.RawMessage{}
	var cops []contacts.Op
	client.View(func(state *syncspace.State) {
		for _, name := range state.Keys(collSetting) {
			var v json.RawMessage
			if ok, _ := state.Field(collSetting, name, "v", &v); ok && !deviceLocal(name) {
				settings[name] = v
			}
		}
		for _, e := range state.Elems(collContact, contactSetKey) {
			var op contacts.Op
			if json.Unmarshal([]byte(e), &op) == nil {
				cops = append(cops, op)
			}
		}
	})
	var errs []error
	applied := map[string]bool{}
	for name, v := range settings {
		var have json.RawMessage
		err := s.a.eng.Repo.Setting(ctx, name, &have)
		if err == nil && string(have) == string(v) {
			continue
		}
		if err := s.a.eng.Repo.SetSettingFromSync(ctx, name, v); err != nil {
			errs = append(errs, err)
			continue
		}
		applied[name] = true
	}
	if applied[settingAnchors] {
		s.a.accts.anchorsChanged(ctx)
	}
	if applied[settingRemoteSenders] {
		s.a.accts.changed(ctx, topicRemoteSenders)
	}
	if len(cops) > 0 {
		if _, err := s.a.eng.ApplyContactOps(ctx, cops); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// secretError says what is wrong with a recovery phrase or pairing code: sync_code_invalid,
// sync_phrase_length {words}, sync_phrase_word {position, word} or sync_phrase_checksum.
func secretError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "syncspace: ")
	var se *syncspace.SecretError
	if !errors.As(err, &se) {
		return api.Errorf("sync_secret_invalid", msg)
	}
	switch se.Problem {
	case "length":
		return api.Errorf("sync_phrase_length", msg).With("words", strconv.Itoa(se.Words))
	case "word":
		return api.Errorf("sync_phrase_word", msg).With("position", strconv.Itoa(se.Position)).With("word", se.Word)
	case "checksum":
		return api.Errorf("sync_phrase_checksum", msg)
	}
	return api.Errorf("sync_code_invalid", msg)
}

// problem is something the bridge could not do, by code (translated by the UI) with a
// detail (the error, or what was too large).
type problem struct{ code, detail string }

// problems collects what one round of the bridge could not do.
type problems []problem

func (ps *problems) note(code string, err error) {
	if err != nil {
		*ps = append(*ps, problem{code, err.Error()})
	}
}

// fitting returns the operations that fit in a batch and notes the others: one too large
// to travel must not hold back the rest (it stays on this device).
func (ps *problems) fitting(ops []syncspace.Op) []syncspace.Op {
	out := ops[:0:0]
	for _, op := range ops {
		if syncspace.Fits(op) {
			out = append(out, op)
		} else {
			*ps = append(*ps, problem{"sync_too_large", op.Coll + " " + op.Key})
		}
	}
	return out
}

func (ps problems) first() problem {
	if len(ps) == 0 {
		return problem{}
	}
	return ps[0]
}

// setProblem publishes the bridge's state when it changed.
func (s *syncer) setProblem(ctx context.Context, p problem) {
	s.mu.Lock()
	changed := s.problem != p
	s.problem = p
	s.mu.Unlock()
	if changed {
		if p.code != "" {
			s.a.o.Log.Warn("sync: bridge problem", "code", p.code, "detail", p.detail)
		}
		s.a.c.Changed(ctx, topicSync)
	}
}
