package pgp

import (
	"bytes"
	"encoding/base64"
)

// armorMessage armors an OpenPGP message exactly as gopenpgp does (the same header, 64
// column lines, and the CRC24 checksum line GnuPG and OpenPGP.js write for SEIPDv1
// messages too). Written here because go-crypto's armor writer computes the checksum one bit
// at a time and breaks lines through small writes: together a fifth of the time of
// encrypting a 10 KB mail in WebAssembly. armor_test.go checks the output is the library's.
func armorMessage(bin []byte) ([]byte, error) {
	const begin, end = "-----BEGIN PGP MESSAGE-----\n\n", "\n-----END PGP MESSAGE-----"
	enc := base64.StdEncoding
	b64 := enc.EncodedLen(len(bin))
	out := make([]byte, 0, len(begin)+b64+b64/64+len(end)+8)
	out = append(out, begin...)
	line := make([]byte, 64)
	for i := 0; i < len(bin); i += 48 {
		chunk := bin[i:min(i+48, len(bin))]
		n := enc.EncodedLen(len(chunk))
		enc.Encode(line, chunk)
		out = append(out, line[:n]...)
		out = append(out, '\n')
	}
	if len(bin) == 0 {
		out = append(out, '\n')
	}
	sum := crc24(bin)
	out = append(out, '=')
	out = enc.AppendEncode(out, []byte{byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return append(out, end...), nil
}

// crc24Table is the byte-wise table of RFC 4880's CRC-24 (section 6.1).
var crc24Table = func() (t [256]uint32) {
	const poly = 0x1864cfb
	for i := range t {
		crc := uint32(i) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= poly
			}
		}
		t[i] = crc & 0xffffff
	}
	return t
}()

func crc24(data []byte) uint32 {
	crc := uint32(0xb704ce)
	for _, b := range data {
		crc = (crc<<8)&0xffffff ^ crc24Table[byte(crc>>16)^b]
	}
	return crc
}

// unarmorMessage decodes a message armored the usual way: one "PGP MESSAGE" block, armor
// headers, base64 lines, an optional CRC24 line that must match. ok is false for anything
// else (text around the block, another block type, a bad checksum, broken base64), and the
// caller hands the input to gopenpgp as it is, whose reader then decides and explains.
// Written here for the same reason as armorMessage: go-crypto's reader filters newlines and
// decodes base64 through small streaming reads, a tenth of decrypting a 10 KB mail in
// WebAssembly; one bulk decode (which skips line ends itself) takes a fraction of that.
func unarmorMessage(data []byte) (bin []byte, ok bool) {
	const begin, end = "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----"
	text := bytes.TrimSpace(data)
	if bytes.IndexByte(text, '\r') >= 0 {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	rest, found := bytes.CutPrefix(text, []byte(begin))
	if !found {
		return nil, false
	}
	rest, found = bytes.CutSuffix(rest, []byte("\n"+end))
	if !found {
		return nil, false
	}
	// the BEGIN line's end, armor headers ("Version: ...", "Comment: ..."), an empty line
	rest, found = bytes.CutPrefix(rest, []byte("\n"))
	for found {
		var line []byte
		line, rest, found = bytes.Cut(rest, []byte("\n"))
		if len(line) == 0 {
			break
		}
		if !bytes.Contains(line, []byte(": ")) {
			return nil, false
		}
	}
	if !found {
		return nil, false
	}
	body, sum := bytes.TrimSpace(rest), []byte(nil)
	if i := bytes.LastIndexByte(body, '\n'); i >= 0 && body[i+1] == '=' {
		body, sum = body[:i], body[i+2:]
	} else if len(body) > 0 && body[0] == '=' {
		body, sum = nil, body[1:]
	}
	bin = make([]byte, base64.StdEncoding.DecodedLen(len(body)))
	n, err := base64.StdEncoding.Decode(bin, body)
	if err != nil {
		return nil, false
	}
	bin = bin[:n]
	if sum != nil {
		var crc [3]byte
		if k, err := base64.StdEncoding.Decode(crc[:], sum); err != nil || k != 3 ||
			uint32(crc[0])<<16|uint32(crc[1])<<8|uint32(crc[2]) != crc24(bin) {
			return nil, false
		}
	}
	return bin, true
}
