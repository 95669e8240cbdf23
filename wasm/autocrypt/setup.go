package autocrypt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/ProtonMail/gopenpgp/v3/profile"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// SetupMessageHeader marks an Autocrypt Setup Message.
const SetupMessageHeader = "Autocrypt-Setup-Message"

// NewSetupCode returns a Setup Code: 36 random digits in nine dash-joined blocks of four
// (numeric9x4). It is shown to the user and never sent by mail.
func NewSetupCode() (string, error) {
	blocks := make([]string, 9)
	for i := range blocks {
		n, err := rand.Int(rand.Reader, big.NewInt(10000))
		if err != nil {
			return "", err
		}
		blocks[i] = fmt.Sprintf("%04d", n.Int64())
	}
	return strings.Join(blocks, "-"), nil
}

// normalizeCode accepts a Setup Code typed with or without dashes or spaces.
func normalizeCode(code string) (string, error) {
	var digits strings.Builder
	for _, r := range code {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	d := digits.String()
	if len(d) != 36 {
		return "", errors.New("autocrypt: a setup code has 36 digits")
	}
	blocks := make([]string, 9)
	for i := range blocks {
		blocks[i] = d[i*4 : i*4+4]
	}
	return strings.Join(blocks, "-"), nil
}

var pgpHandle = crypto.PGPWithProfile(profile.Default())

// SetupMessage builds an Autocrypt Setup Message from addr to itself: the armored secret key
// (with its prefer-encrypt setting) symmetrically encrypted under code.
func SetupMessage(addr string, secretKeyArmored []byte, prefer Preference, code string, now time.Time) ([]byte, error) {
	code, err := normalizeCode(code)
	if err != nil {
		return nil, err
	}
	payload := secretKeyArmored
	if prefer == Mutual { // Level 1: the preference travels as an armor header of the key
		payload = bytes.Replace(payload, []byte("-----\n"), []byte("-----\nAutocrypt-Prefer-Encrypt: mutual\n"), 1)
	}
	h, err := pgpHandle.Encryption().Password([]byte(code)).New()
	if err != nil {
		return nil, err
	}
	enc, err := h.Encrypt(payload)
	if err != nil {
		return nil, fmt.Errorf("autocrypt: encrypting the setup message: %w", err)
	}
	var armored bytes.Buffer
	w, err := armor.Encode(&armored, "PGP MESSAGE", map[string]string{
		"Passphrase-Format": "numeric9x4", "Passphrase-Begin": code[:2]})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(enc.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return setupMIME(addr, armored.String(), now)
}

func setupMIME(addr, armored string, now time.Time) ([]byte, error) {
	var h mail.Header
	self := []*mail.Address{{Address: addr}}
	h.SetAddressList("From", self)
	h.SetAddressList("To", self)
	h.SetSubject("Autocrypt Setup Message")
	h.SetDate(now)
	h.Set("MIME-Version", "1.0")
	h.Set(SetupMessageHeader, "v1")
	h.SetContentType("multipart/mixed", nil)
	var buf bytes.Buffer
	root, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	var th message.Header
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	if err := writePart(root, th, "This message contains all information to transfer your Autocrypt settings along with your secret key securely from your original device.\r\n\r\nTo set up your new device for Autocrypt, please follow the instructions that should be presented by your new device.\r\n"); err != nil {
		return nil, err
	}
	var ah message.Header
	ah.SetContentType("application/autocrypt-setup", nil)
	ah.SetContentDisposition("attachment", map[string]string{"filename": "autocrypt-setup-message.html"})
	html := "<html><body>\r\n<p>This is the Autocrypt setup file used to transfer settings and keys between clients.</p>\r\n<pre>\r\n" +
		strings.ReplaceAll(armored, "\n", "\r\n") + "\r\n</pre></body></html>\r\n"
	if err := writePart(root, ah, html); err != nil {
		return nil, err
	}
	if err := root.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePart(root *message.Writer, h message.Header, body string) error {
	w, err := root.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, body); err != nil {
		return err
	}
	return w.Close()
}

// Errors reading a Setup Message.
var (
	ErrNotSetupMessage = errors.New("autocrypt: not an Autocrypt Setup Message")
	ErrWrongSetupCode  = errors.New("autocrypt: the setup code does not open this setup message")
)

// ImportSetupMessage opens a Setup Message with the code the user typed and returns the
// armored secret key and the prefer-encrypt setting it carries.
func ImportSetupMessage(raw []byte, code string) ([]byte, Preference, error) {
	code, err := normalizeCode(code)
	if err != nil {
		return nil, "", err
	}
	armored, err := setupPayload(raw)
	if err != nil {
		return nil, "", err
	}
	h, err := pgpHandle.Decryption().Password([]byte(code)).New()
	if err != nil {
		return nil, "", err
	}
	res, err := h.Decrypt(armored, crypto.Armor)
	if err != nil {
		return nil, "", ErrWrongSetupCode
	}
	key := res.Bytes()
	prefer := NoPreference
	if bytes.Contains(key, []byte("Autocrypt-Prefer-Encrypt: mutual")) {
		prefer = Mutual
	}
	return key, prefer, nil
}

// setupPayload finds the armored block in the application/autocrypt-setup part.
func setupPayload(raw []byte) ([]byte, error) {
	m, err := message.Read(bytes.NewReader(raw))
	if err != nil && m == nil {
		return nil, err
	}
	if strings.TrimSpace(m.Header.Get(SetupMessageHeader)) != "v1" {
		return nil, ErrNotSetupMessage
	}
	var found []byte
	walkErr := m.Walk(func(_ []int, e *message.Entity, _ error) error {
		if t, _, _ := e.Header.ContentType(); t == "application/autocrypt-setup" {
			found, _ = io.ReadAll(e.Body)
		}
		return nil
	})
	if walkErr != nil || found == nil {
		return nil, ErrNotSetupMessage
	}
	begin := bytes.Index(found, []byte("-----BEGIN PGP MESSAGE-----"))
	end := bytes.Index(found, []byte("-----END PGP MESSAGE-----"))
	if begin < 0 || end < begin {
		return nil, ErrNotSetupMessage
	}
	return found[begin : end+len("-----END PGP MESSAGE-----")], nil
}
