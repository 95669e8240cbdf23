package app

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/contacts"
	"caliopen/wasm/core"
	"caliopen/wasm/email"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/privacy"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/vault"
	"caliopen/wasm/wkd"
)

// Topic of the keys list.
const topicKeys = "keys"

// Names of what the keys feature keeps: public data in settings, secret keys in the vault.
const (
	settingOwnKeys     = "pgp.own"
	settingContactKeys = "pgp.contacts"
	settingAutocrypt   = "autocrypt.peers"
)

func ownKeySecret(fingerprint string) string { return "pgp:" + fingerprint }

// ownKey is what is known of one of the user's key pairs without the vault.
type ownKey struct {
	Fingerprint string    `json:"fingerprint"`
	Address     string    `json:"address"`
	Public      []byte    `json:"public"`
	AddedAt     time.Time `json:"addedAt"`
	// Auto is set when Caliopen made the key by itself (ensureOwnKey).
	Auto bool `json:"auto,omitempty"`
}

// keys is the OpenPGP feature: the user's key pairs (secret halves sealed in the vault,
// unlocked with it), contacts' keys (imported, found in Web Key Directories, or learnt from
// Autocrypt headers), the Autocrypt peer state, and with them the reading and sending of
// encrypted mail (mailcrypto.go).
type keys struct {
	a     *app
	vault *vault.Vault
	ring  *pgp.Ring
	peers *autocrypt.Store
	wkd   *wkd.Client

	mu        sync.Mutex
	own       []ownKey
	secrets   map[string]*pgp.SecretKey // unlocked, by fingerprint
	peersSave *time.Timer               // a pending save of the Autocrypt state

	retryMu sync.Mutex // one pass over undecrypted messages at a time
	autoMu  sync.Mutex // one key made by itself at a time (ensureOwnKey)
	prefer  autocrypt.Preference

	// The privacy index asks for key states all the time (engine.KeyStates): they are
	// cached, and forgotten for what changes.
	statesMu  sync.Mutex
	states    map[string]privacy.KeyState
	hasOwnKey *bool
	regrade   map[string]bool // addresses whose key state changed, regraded with the next save

	travel map[string][]byte // contacts' keys as device sync carries them (sync_keys.go); under mu

	hunt *signerHunt // mail signed by keys not held yet (unverified.go)
}

func newKeys(a *app, v *vault.Vault) *keys {
	k := &keys{a: a, vault: v, ring: pgp.NewRing(), peers: autocrypt.NewStore(), secrets: map[string]*pgp.SecretKey{}}
	k.wkd = wkd.New(k.httpClient())
	k.hunt = newSignerHunt(k)
	if err := k.load(a.ctx); err != nil {
		a.o.Log.Error("keys: cannot load", "error", err)
	}
	return k
}

func (k *keys) register(c *core.Core) {
	core.Live(c, api.KeysQuery, k.list, topicKeys)
	core.Handle(c, api.GenerateKey, k.generate)
	core.Handle(c, api.ImportKey, k.importKey)
	core.Handle(c, api.ExportPublicKey, k.exportPublic)
	core.Handle(c, api.ExportSecretKey, k.exportSecret)
	core.Handle(c, api.RevocationCertificate, k.revocation)
	core.Handle(c, api.SetKeyVerified, k.setVerified)
	core.Handle(c, api.PlanReply, k.planReply)
	core.Handle(c, api.SetPreferEncrypt, k.setPreferEncrypt)
	core.Handle(c, api.MakeSetupMessage, k.makeSetupMessage)
	core.Handle(c, api.ImportSetupMessage, k.importSetupMessage)
	core.Handle(c, api.AttachedKeys, k.attached)
	core.Handle(c, api.ImportAttachedKey, k.importAttached)
}

// load reads the public state from the settings (another tab may have changed it).
func (k *keys) load(ctx context.Context) error {
	r := k.a.eng.Repo
	var own []ownKey
	var contacts []pgp.Record
	var peers []autocrypt.Peer
	var prefer autocrypt.Preference
	var errs []error
	for name, v := range map[string]any{settingOwnKeys: &own, settingContactKeys: &contacts, settingAutocrypt: &peers, settingPrefer: &prefer} {
		if err := r.Setting(ctx, name, v); err != nil && !errors.Is(err, repo.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	ring := pgp.NewRing()
	errs = append(errs, ring.RestoreRecords(contacts))
	k.ring.Replace(ring)
	k.mu.Lock()
	k.own, k.prefer = own, prefer
	k.travellingLocked()
	k.mu.Unlock()
	k.peers.Restore(peers)
	k.forgetStates(true)
	return errors.Join(errs...)
}

// KeyState is what is known of an email address's key, for the privacy index: verified
// when the user verified a usable key for it, known when a usable key is held (imported,
// from a Web Key Directory, or learnt from Autocrypt), else none.
func (k *keys) KeyState(address string) privacy.KeyState {
	address = strings.ToLower(address)
	k.statesMu.Lock()
	st, ok := k.states[address]
	k.statesMu.Unlock()
	if ok {
		return st
	}
	st = privacy.KeyNone
	now := time.Now()
	for _, c := range k.ring.ForAddress(address) {
		if c.Key.Usable(now.Unix()) != "" {
			continue
		}
		if c.Verified {
			st = privacy.KeyVerified
			break
		}
		st = privacy.KeyKnown
	}
	if st == privacy.KeyNone {
		if peer, ok := k.peers.Peer(address); ok && len(peer.Key()) > 0 {
			if pub, err := pgp.ParsePublic(peer.Key()); err == nil && pub.Usable(now.Unix()) == "" {
				st = privacy.KeyKnown
			}
		}
	}
	k.statesMu.Lock()
	if k.states == nil {
		k.states = map[string]privacy.KeyState{}
	}
	k.states[address] = st
	k.statesMu.Unlock()
	return st
}

// OwnKey says whether the user has a usable key pair of their own (locked or not).
func (k *keys) OwnKey() bool {
	k.statesMu.Lock()
	cached := k.hasOwnKey
	k.statesMu.Unlock()
	if cached != nil {
		return *cached
	}
	k.mu.Lock()
	own := slices.Clone(k.own)
	k.mu.Unlock()
	has := false
	for _, o := range own {
		if pub, err := pgp.ParsePublic(o.Public); err == nil && pub.Usable(time.Now().Unix()) == "" {
			has = true
			break
		}
	}
	k.statesMu.Lock()
	k.hasOwnKey = &has
	k.statesMu.Unlock()
	return has
}

// forgetStates forgets the cached key states of addresses, or all of them (and whether the
// user has a key) when all is set.
func (k *keys) forgetStates(all bool, addresses ...string) {
	k.statesMu.Lock()
	defer k.statesMu.Unlock()
	if all {
		k.states, k.hasOwnKey = nil, nil
		return
	}
	for _, a := range addresses {
		delete(k.states, strings.ToLower(a))
	}
}

// regradeLater has the privacy indexes follow the changed keys of addresses once the
// Autocrypt state is saved (a sync changes it for many messages in a row).
func (k *keys) regradeLater(addresses ...string) {
	k.statesMu.Lock()
	defer k.statesMu.Unlock()
	for _, a := range addresses {
		if k.regrade == nil {
			k.regrade = map[string]bool{}
		}
		k.regrade[a] = true
	}
}

// regradeNow has the privacy indexes follow changed keys: of the given addresses, or of the
// user's own when none is given. The mail those addresses signed with keys not held before
// is verified again.
func (k *keys) regradeNow(ctx context.Context, addresses ...string) {
	if len(addresses) == 0 {
		k.forgetStates(true)
	} else {
		k.forgetStates(false, addresses...)
		k.hunt.reverifySoon(addresses...)
	}
	if err := k.a.eng.KeysChanged(ctx, addresses...); err != nil && ctx.Err() == nil {
		k.a.o.Log.Error("keys: privacy indexes not regraded", "error", err)
	}
}

// unlock opens the user's secret keys with the vault, then reads the messages that waited
// for them.
func (k *keys) unlock(ctx context.Context) {
	k.mu.Lock()
	own := slices.Clone(k.own)
	k.mu.Unlock()
	for _, o := range own {
		b, err := k.vault.Get(ctx, ownKeySecret(o.Fingerprint))
		if err != nil {
			k.a.o.Log.Error("keys: secret key not in the vault", "fingerprint", o.Fingerprint, "error", err)
			continue
		}
		s, err := pgp.SecretKeyFromBytes(b)
		if err != nil {
			k.a.o.Log.Error("keys: secret key unreadable", "fingerprint", o.Fingerprint, "error", err)
			continue
		}
		k.mu.Lock()
		k.secrets[o.Fingerprint] = s
		k.mu.Unlock()
	}
	k.changed(ctx)
	k.retrySoon()
	k.hunt.resume()
}

// lock forgets the unlocked secret keys.
func (k *keys) lock() {
	k.mu.Lock()
	k.secrets = map[string]*pgp.SecretKey{}
	k.mu.Unlock()
	k.changed(k.a.ctx)
}

func (k *keys) changed(ctx context.Context) { k.a.accts.changed(ctx, topicKeys) }

// secretKeys returns the unlocked secret keys.
func (k *keys) secretKeys() []*pgp.SecretKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*pgp.SecretKey, 0, len(k.secrets))
	for _, o := range k.own {
		if s := k.secrets[o.Fingerprint]; s != nil {
			out = append(out, s)
		}
	}
	return out
}

// secretFor returns the newest unlocked key usable for address, or nil.
func (k *keys) secretFor(address string) *pgp.SecretKey {
	address = strings.ToLower(address)
	now := time.Now().Unix()
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := len(k.own) - 1; i >= 0; i-- {
		o := k.own[i]
		s := k.secrets[o.Fingerprint]
		if s == nil || o.Address != address {
			continue
		}
		if pub, err := s.Public(); err == nil && pub.Usable(now) == "" {
			return s
		}
	}
	return nil
}

// ownProblem says why the user's newest key for address cannot be used (pgp.ProblemRevoked,
// ProblemExpired...), or "" when it can or there is none.
func (k *keys) ownProblem(address string) string {
	address = strings.ToLower(address)
	k.mu.Lock()
	own := slices.Clone(k.own)
	k.mu.Unlock()
	for i := len(own) - 1; i >= 0; i-- {
		if own[i].Address != address {
			continue
		}
		if pub, err := pgp.ParsePublic(own[i].Public); err == nil {
			return pub.Usable(time.Now().Unix())
		}
	}
	return ""
}

// addOwn seals a secret key in the vault and lists it as the user's; auto says Caliopen made
// it by itself.
func (k *keys) addOwn(ctx context.Context, s *pgp.SecretKey, auto bool) (api.KeyView, error) {
	pub, err := s.Public()
	if err != nil {
		return api.KeyView{}, err
	}
	pubBytes, err := pub.Bytes()
	if err != nil {
		return api.KeyView{}, err
	}
	secret, err := s.Bytes()
	if err != nil {
		return api.KeyView{}, err
	}
	if err := k.vault.Put(ctx, ownKeySecret(s.Fingerprint()), secret); err != nil {
		return api.KeyView{}, err
	}
	o := ownKey{Fingerprint: s.Fingerprint(), Address: s.Address(), Public: pubBytes, AddedAt: time.Now(), Auto: auto}
	k.mu.Lock()
	k.own = slices.DeleteFunc(k.own, func(x ownKey) bool { return x.Fingerprint == o.Fingerprint })
	k.own = append(k.own, o)
	k.secrets[o.Fingerprint] = s
	own := slices.Clone(k.own)
	k.mu.Unlock()
	if err := k.a.eng.Repo.SetSetting(ctx, settingOwnKeys, own); err != nil {
		return api.KeyView{}, err
	}
	k.changed(ctx)
	k.regradeNow(ctx)
	k.retrySoon()
	return k.ownView(o, pub), nil
}

// saveContacts stores the contacts' keys after the keys of addresses changed.
func (k *keys) saveContacts(ctx context.Context, addresses ...string) error {
	recs, err := k.ring.Records()
	if err != nil {
		return err
	}
	if err := k.a.eng.Repo.SetSetting(ctx, settingContactKeys, recs); err != nil {
		return err
	}
	k.rebuildTravelling()
	k.changed(ctx)
	if len(addresses) > 0 {
		k.regradeNow(ctx, addresses...)
	}
	k.a.accts.profilesChanged() // a key's user ids may link addresses
	return nil
}

// peersChanged saves the Autocrypt state a second after it changed: during a sync every
// message changes it, and one save covers them all.
func (k *keys) peersChanged() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.peersSave != nil {
		return
	}
	k.peersSave = time.AfterFunc(time.Second, func() {
		k.mu.Lock()
		k.peersSave = nil
		k.mu.Unlock()
		if err := k.a.eng.Repo.SetSetting(k.a.ctx, settingAutocrypt, k.peers.Peers()); err != nil {
			k.a.o.Log.Error("keys: cannot save the Autocrypt state", "error", err)
		}
		k.changed(k.a.ctx)
		k.statesMu.Lock()
		regrade := slices.Collect(maps.Keys(k.regrade))
		k.regrade = nil
		k.statesMu.Unlock()
		if len(regrade) > 0 {
			k.regradeNow(k.a.ctx, regrade...)
		}
	})
}

func (k *keys) needUnlocked() error {
	if k.vault.Locked() {
		return api.Errorf("locked", "Unlock the vault first: secret keys are kept in it.")
	}
	return nil
}

func (k *keys) generate(ctx context.Context, p api.GenerateKeyParams) (api.KeyView, error) {
	if err := k.needUnlocked(); err != nil {
		return api.KeyView{}, err
	}
	addr := strings.ToLower(strings.TrimSpace(p.Address))
	accts, err := k.a.eng.Repo.AccountList(ctx)
	if err != nil {
		return api.KeyView{}, err
	}
	found := false
	for _, a := range accts {
		if a.Network == model.Email && a.Identity.Address() == addr {
			found = true
			if s, err := email.SettingsFromModel(a); err == nil && p.Name == "" {
				p.Name = s.Name // the name the account sends with
			}
		}
	}
	if !found {
		return api.KeyView{}, api.Errorf("key_needs_account", "Add the email account "+addr+" first: a key is made for one of your addresses.").With("address", addr)
	}
	s, err := pgp.Generate(p.Name, addr)
	if err != nil {
		return api.KeyView{}, err
	}
	return k.addOwn(ctx, s, false)
}

func (k *keys) importKey(ctx context.Context, p api.ImportKeyParams) (api.KeysView, error) {
	data := []byte(strings.TrimSpace(p.Armored))
	if len(data) == 0 {
		return api.KeysView{}, api.Errorf("missing_key", "Paste an armored OpenPGP key.")
	}
	s, err := pgp.ImportSecret(data, []byte(p.Passphrase))
	switch {
	case err == nil:
		if err := k.needUnlocked(); err != nil {
			return api.KeysView{}, err
		}
		if s.Address() == "" {
			return api.KeysView{}, api.Errorf("key_no_address", "This key names no email address.")
		}
		v, err := k.addOwn(ctx, s, false)
		return api.KeysView{Own: []api.KeyView{v}}, err
	case errors.Is(err, pgp.ErrNotSecret):
		return k.importPublic(ctx, data)
	case strings.Contains(err.Error(), "passphrase"):
		return api.KeysView{}, api.Errorf("wrong_key_passphrase", "This passphrase does not unlock the key.")
	}
	return api.KeysView{}, api.Errorf("bad_key", "This is not an OpenPGP key that can be read: "+err.Error()).With("detail", err.Error())
}

func (k *keys) importPublic(ctx context.Context, data []byte) (api.KeysView, error) {
	pubs, err := pgp.ParsePublicKeys(data)
	if err != nil {
		return api.KeysView{}, api.Errorf("bad_key", "This is not an OpenPGP key that can be read: "+err.Error()).With("detail", err.Error())
	}
	var out api.KeysView
	for _, pub := range pubs {
		if pub.Address() == "" {
			continue
		}
		out.Contacts = append(out.Contacts, contactView(k.ring.Add(pub.Address(), pub, pgp.SourceImport)))
	}
	if len(out.Contacts) == 0 {
		return out, api.Errorf("key_no_address", "This key names no email address.")
	}
	var addresses []string
	for _, c := range out.Contacts {
		addresses = append(addresses, c.Address)
	}
	return out, k.saveContacts(ctx, addresses...)
}

// publicKey finds a key by fingerprint: one of the user's, then a contact's.
func (k *keys) publicKey(fingerprint string) *pgp.PublicKey {
	fingerprint = strings.ToLower(strings.ReplaceAll(fingerprint, " ", ""))
	k.mu.Lock()
	for _, o := range k.own {
		if o.Fingerprint == fingerprint {
			k.mu.Unlock()
			pub, _ := pgp.ParsePublic(o.Public)
			return pub
		}
	}
	k.mu.Unlock()
	for _, c := range k.contactKeys() {
		if c.Key.Fingerprint() == fingerprint {
			return c.Key
		}
	}
	return nil
}

func (k *keys) exportPublic(_ context.Context, p api.KeyRef) (api.ArmoredKey, error) {
	pub := k.publicKey(p.Fingerprint)
	if pub == nil {
		return api.ArmoredKey{}, api.Errorf("no_such_key", "No key has this fingerprint.")
	}
	a, err := pub.Armored()
	return api.ArmoredKey{Armored: a}, err
}

// unlockedOwn returns one of the user's secret keys by fingerprint.
func (k *keys) unlockedOwn(fingerprint string) (*pgp.SecretKey, error) {
	if err := k.needUnlocked(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	s := k.secrets[strings.ToLower(fingerprint)]
	k.mu.Unlock()
	if s == nil {
		return nil, api.Errorf("no_such_own_key", "None of your keys has this fingerprint.")
	}
	return s, nil
}

func (k *keys) exportSecret(_ context.Context, p api.ExportSecretParams) (api.ArmoredKey, error) {
	s, err := k.unlockedOwn(p.Fingerprint)
	if err != nil {
		return api.ArmoredKey{}, err
	}
	if len(p.Passphrase) < 8 {
		return api.ArmoredKey{}, api.Errorf("weak_export_passphrase", "Choose a passphrase of at least 8 characters to protect the exported key.")
	}
	a, err := s.ExportSecret([]byte(p.Passphrase))
	return api.ArmoredKey{Armored: a}, err
}

func (k *keys) revocation(_ context.Context, p api.KeyRef) (api.ArmoredKey, error) {
	s, err := k.unlockedOwn(p.Fingerprint)
	if err != nil {
		return api.ArmoredKey{}, err
	}
	a, err := s.RevocationCertificate("")
	return api.ArmoredKey{Armored: a}, err
}

func (k *keys) setVerified(ctx context.Context, p api.SetVerifiedParams) (api.Empty, error) {
	addr, fpr := strings.ToLower(strings.TrimSpace(p.Address)), strings.ToLower(p.Fingerprint)
	if !k.ring.SetVerified(addr, fpr, p.Verified) {
		// A key learnt from Autocrypt enters the ring when the user vouches for it.
		var learnt *pgp.PublicKey
		for _, c := range k.contactKeys() {
			if c.Address == addr && c.Key.Fingerprint() == fpr {
				learnt = c.Key
			}
		}
		if learnt == nil {
			return api.Empty{}, api.Errorf("no_such_contact_key", "No key with this fingerprint is known for "+addr+".").With("address", addr)
		}
		k.ring.Add(addr, learnt, pgp.SourceAutocrypt)
		k.ring.SetVerified(addr, fpr, p.Verified)
	}
	if err := k.saveContacts(ctx, addr); err != nil { // privacy indexes read key states
		return api.Empty{}, err
	}
	return api.Empty{}, nil
}

// contactKeys returns the ring's keys and, after them, the Autocrypt keys (current and
// gossiped) the ring does not hold.
func (k *keys) contactKeys() []*pgp.ContactKey {
	out := k.ring.All()
	has := map[string]bool{}
	for _, c := range out {
		has[c.Address+" "+c.Key.Fingerprint()] = true
	}
	for _, peer := range k.peers.Peers() {
		for _, kd := range [][]byte{peer.PublicKey, peer.GossipKey} {
			pub, err := pgp.ParsePublic(kd)
			if len(kd) == 0 || err != nil || has[peer.Addr+" "+pub.Fingerprint()] {
				continue
			}
			has[peer.Addr+" "+pub.Fingerprint()] = true
			out = append(out, &pgp.ContactKey{Address: peer.Addr, Key: pub, Source: pgp.SourceAutocrypt, AddedAt: peer.AutocryptTimestamp})
		}
	}
	return out
}

func (k *keys) list(ctx context.Context, _ api.Empty) (api.KeysView, error) {
	if !k.a.leader.Load() { // the leader tab writes keys: read what it saved
		if err := k.load(ctx); err != nil {
			return api.KeysView{}, err
		}
	}
	out := api.KeysView{Own: []api.KeyView{}, Contacts: []api.KeyView{}, PreferEncrypt: string(k.preference())}
	k.mu.Lock()
	own := slices.Clone(k.own)
	k.mu.Unlock()
	for _, o := range own {
		pub, err := pgp.ParsePublic(o.Public)
		if err != nil {
			continue
		}
		out.Own = append(out.Own, k.ownView(o, pub))
	}
	for _, c := range k.contactKeys() {
		out.Contacts = append(out.Contacts, contactView(c))
	}
	slices.SortStableFunc(out.Contacts, func(a, b api.KeyView) int { return strings.Compare(a.Address, b.Address) })
	return out, nil
}

func (k *keys) ownView(o ownKey, pub *pgp.PublicKey) api.KeyView {
	k.mu.Lock()
	locked := k.secrets[o.Fingerprint] == nil
	k.mu.Unlock()
	return withProblem(api.KeyView{Fingerprint: o.Fingerprint, Display: pgp.FormatFingerprint(o.Fingerprint), Address: o.Address,
		Source: "own", Verified: true, Locked: locked, Auto: o.Auto, AddedAt: o.AddedAt}, pub)
}

func contactView(c *pgp.ContactKey) api.KeyView {
	fpr := c.Key.Fingerprint()
	return withProblem(api.KeyView{Fingerprint: fpr, Display: pgp.FormatFingerprint(fpr), Address: c.Address, Source: string(c.Source),
		Verified: c.Verified, AddedAt: c.AddedAt}, c.Key)
}

// withProblem says in v why pub cannot be used now, if it cannot, with the reason's code.
func withProblem(v api.KeyView, pub *pgp.PublicKey) api.KeyView {
	v.Problem = pub.Usable(time.Now().Unix())
	v.ProblemCode = map[string]string{pgp.ProblemRevoked: "revoked", pgp.ProblemExpired: "expired", pgp.ProblemCannotEncrypt: "cannot-encrypt"}[v.Problem]
	return v
}

// httpClient reaches HTTPS servers (Web Key Directories) through the relay tunnel set at the
// time of the call, TLS ending here.
func (k *keys) httpClient() *http.Client {
	cfg, err := tunnel.TLSConfig("", k.a.o.ExtraCAPEM, "")
	if err != nil {
		k.a.o.Log.Error("keys: extra certificate authorities ignored", "error", err)
		cfg, _ = tunnel.TLSConfig("", nil, "")
	}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		d := k.a.accts.dialer()
		if d == nil {
			return nil, errors.New("no relay is set")
		}
		return d.DialContext(ctx, network, address)
	}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: dial, TLSClientConfig: cfg}}
}

// emailAccount returns the email.Account of a stored account for reading its mail (no
// password: nothing is dialled).
func (k *keys) emailAccount(ctx context.Context, id string) (*email.Account, error) {
	a, err := k.a.eng.Repo.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	s, err := email.SettingsFromModel(a)
	if err != nil {
		return nil, err
	}
	return &email.Account{ID: id, Settings: s, Reader: k.reader(s)}, nil
}

// forAddress returns the keys known for a contact's email address (imported, from a Web Key
// Directory, or learnt from Autocrypt).
func (k *keys) forAddress(address string) []api.KeyView {
	address = strings.ToLower(address)
	var out []api.KeyView
	for _, c := range k.contactKeys() {
		if c.Address == address {
			out = append(out, contactView(c))
		}
	}
	return out
}

// linkFacts is what the contact book may learn from the keys of others: a key whose user ids
// name several addresses links them (engine.FindLinks).
func (k *keys) linkFacts() []contacts.Key {
	var out []contacts.Key
	for _, c := range k.contactKeys() {
		if ids := c.Key.UserIDs(); len(ids) > 1 {
			out = append(out, contacts.Key{Fingerprint: c.Key.Fingerprint(), UserIDs: ids})
		}
	}
	return out
}
