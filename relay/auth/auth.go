// Package auth holds the relay's access tokens: issued by the operator, one per user,
// stored only as SHA-256 hashes in a tokens file in the relay's data directory.
//
// A token is 32 random bytes (base64url, prefixed "crt_"), so a plain SHA-256 is enough: there
// is nothing to brute-force that a slow password hash would protect. Verification compares
// against every stored hash in constant time. The file is re-read when it changes on disk,
// so "relay token revoke" takes effect on a running relay at the next tunnel open.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// FileName is the tokens file's name inside the data directory.
const FileName = "tokens.json"

// TokenPrefix starts every token, so a leaked one is easy to recognise.
const TokenPrefix = "crt_"

// Entry is one user's stored credential.
type Entry struct {
	User    string    `json:"user"`
	SHA256  string    `json:"sha256"` // hex SHA-256 of the token
	Created time.Time `json:"created"`
}

type file struct {
	Tokens []Entry `json:"tokens"`
}

// Errors returned by the store.
var (
	ErrUserExists  = errors.New("auth: user already has a token (revoke it first)")
	ErrUnknownUser = errors.New("auth: no such user")
	ErrBadUser     = errors.New("auth: user names are 1-64 letters, digits, '.', '_', '-' or '@'")
)

// Store is the tokens file. It is safe for concurrent use.
type Store struct {
	path string

	mu      sync.Mutex
	entries []Entry
	hashes  [][sha256.Size]byte
	modTime time.Time
	size    int64
}

// Open returns the store kept in dataDir, creating nothing until a token is added.
func Open(dataDir string) (*Store, error) {
	s := &Store{path: filepath.Join(dataDir, FileName)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(true); err != nil {
		return nil, err
	}
	return s, nil
}

// Verify returns the user owning token. It fails for unknown and revoked tokens.
func (s *Store) Verify(token string) (user string, ok bool) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return "", false
	}
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(false); err != nil {
		return "", false // an unreadable tokens file authenticates no one
	}
	found := -1
	for i := range s.hashes {
		if subtle.ConstantTimeCompare(h[:], s.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return s.entries[found].User, true
}

// Add issues a new token for user, stores its hash and returns the token. The token is
// not kept anywhere: this is the only time it exists outside the client.
func (s *Store) Add(user string) (string, error) {
	if !validUser(user) {
		return "", ErrBadUser
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(true); err != nil {
		return "", err
	}
	if slices.ContainsFunc(s.entries, func(e Entry) bool { return e.User == user }) {
		return "", ErrUserExists
	}
	var raw [32]byte
	rand.Read(raw[:])
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	h := sha256.Sum256([]byte(token))
	entries := append(slices.Clone(s.entries), Entry{User: user, SHA256: hex.EncodeToString(h[:]), Created: time.Now().UTC()})
	if err := s.writeLocked(entries); err != nil {
		return "", err
	}
	return token, nil
}

// Revoke deletes user's token.
func (s *Store) Revoke(user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(true); err != nil {
		return err
	}
	entries := slices.DeleteFunc(slices.Clone(s.entries), func(e Entry) bool { return e.User == user })
	if len(entries) == len(s.entries) {
		return ErrUnknownUser
	}
	return s.writeLocked(entries)
}

// List returns the users with a token, sorted by name.
func (s *Store) List() ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(true); err != nil {
		return nil, err
	}
	out := slices.Clone(s.entries)
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.User, b.User) })
	return out, nil
}

// reloadLocked re-reads the file if it changed (or always, if force).
func (s *Store) reloadLocked(force bool) error {
	fi, err := os.Stat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		s.setLocked(nil)
		s.modTime, s.size = time.Time{}, 0
		return nil
	}
	if err != nil {
		return err
	}
	if !force && fi.ModTime().Equal(s.modTime) && fi.Size() == s.size {
		return nil
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("auth: %s: %w", s.path, err)
	}
	if err := s.setLocked(f.Tokens); err != nil {
		return err
	}
	s.modTime, s.size = fi.ModTime(), fi.Size()
	return nil
}

func (s *Store) setLocked(entries []Entry) error {
	hashes := make([][sha256.Size]byte, len(entries))
	for i, e := range entries {
		b, err := hex.DecodeString(e.SHA256)
		if err != nil || len(b) != sha256.Size {
			return fmt.Errorf("auth: %s: bad hash for user %q", s.path, e.User)
		}
		copy(hashes[i][:], b)
	}
	s.entries, s.hashes = entries, hashes
	return nil
}

// writeLocked replaces the file atomically (temporary file, then rename), mode 0600.
func (s *Store) writeLocked(entries []Entry) error {
	b, err := json.MarshalIndent(file{Tokens: entries}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return err
	}
	return s.reloadLocked(true)
}

func validUser(u string) bool {
	if len(u) == 0 || len(u) > 64 {
		return false
	}
	for _, c := range u {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("._-@", c)) {
			return false
		}
	}
	return true
}
