package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// The file backend appends one frame per committed transaction to a log:
//
//	magic "CALSTORE1\n", then frames: uint32 length, uint32 CRC-32C of payload, payload
//
// A payload is a list of operations. A frame that is short or fails its checksum ends the log (a
// crash while appending): it and anything after it are cut off when the file is opened, so a
// transaction is in the file whole or not at all.

const logMagic = "CALSTORE1\n"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

const (
	opPut     = 1
	opDelete  = 2
	opVersion = 3
	opDrop    = 4
)

type logOp struct {
	kind    byte
	store   string
	rec     Record // put; rec.Key for delete
	version int
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeOps(ops []logOp) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, op := range ops {
		b = append(b, op.kind)
		switch op.kind {
		case opPut:
			b = appendString(b, op.store)
			b = appendString(b, op.rec.Key)
			b = appendString(b, string(op.rec.Value))
			b = binary.AppendUvarint(b, uint64(len(op.rec.Index)))
			for k, v := range op.rec.Index {
				b = appendString(b, k)
				b = appendString(b, v)
			}
		case opDelete:
			b = appendString(b, op.store)
			b = appendString(b, op.rec.Key)
		case opDrop:
			b = appendString(b, op.store)
		case opVersion:
			b = binary.AppendUvarint(b, uint64(op.version))
		}
	}
	return b
}

type decoder struct {
	r   *bytes.Reader
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	n, err := binary.ReadUvarint(d.r)
	d.err = err
	return n
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(d.r.Len()) {
		d.err = ErrCorrupt
		return ""
	}
	b := make([]byte, n)
	_, d.err = io.ReadFull(d.r, b)
	return string(b)
}

func decodeOps(p []byte) ([]logOp, error) {
	d := &decoder{r: bytes.NewReader(p)}
	n := d.uvarint()
	var ops []logOp
	for i := uint64(0); i < n && d.err == nil; i++ {
		kind, err := d.r.ReadByte()
		if err != nil {
			return nil, ErrCorrupt
		}
		op := logOp{kind: kind}
		switch kind {
		case opPut:
			op.store = d.str()
			op.rec.Key = d.str()
			op.rec.Value = []byte(d.str())
			if m := d.uvarint(); m > 0 && d.err == nil {
				op.rec.Index = make(map[string]string, m)
				for j := uint64(0); j < m && d.err == nil; j++ {
					k := d.str()
					op.rec.Index[k] = d.str()
				}
			}
		case opDelete:
			op.store = d.str()
			op.rec.Key = d.str()
		case opDrop:
			op.store = d.str()
		case opVersion:
			op.version = int(d.uvarint())
		default:
			return nil, ErrCorrupt
		}
		ops = append(ops, op)
	}
	if d.err != nil {
		return nil, ErrCorrupt
	}
	return ops, nil
}

// logFile is the append-only log of a file database.
type logFile struct {
	f      *os.File
	path   string
	sync   bool
	size   int64 // end of the last whole frame
	broken error // set when a failed append could not be undone
}

// readLog opens or creates the log and returns its valid frames, cutting off a torn tail.
func readLog(path string, sync bool) (*logFile, [][]logOp, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	var frames [][]logOp
	end := 0
	switch {
	case len(data) == 0:
		if _, err := f.Write([]byte(logMagic)); err != nil {
			f.Close()
			return nil, nil, err
		}
		end = len(logMagic)
	case !bytes.HasPrefix(data, []byte(logMagic)):
		f.Close()
		return nil, nil, ErrCorrupt
	default:
		end = len(logMagic)
		for {
			rest := data[end:]
			if len(rest) < 8 {
				break
			}
			n := int(binary.LittleEndian.Uint32(rest))
			if n > len(rest)-8 || crc32.Checksum(rest[8:8+n], crcTable) != binary.LittleEndian.Uint32(rest[4:]) {
				break
			}
			ops, err := decodeOps(rest[8 : 8+n])
			if err != nil {
				break
			}
			frames = append(frames, ops)
			end += 8 + n
		}
	}
	if end < len(data) {
		if err := f.Truncate(int64(end)); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	if _, err := f.Seek(int64(end), io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return &logFile{f: f, path: path, sync: sync, size: int64(end)}, frames, nil
}

func frame(ops []logOp) []byte {
	p := encodeOps(ops)
	b := make([]byte, 8, 8+len(p))
	binary.LittleEndian.PutUint32(b, uint32(len(p)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(p, crcTable))
	return append(b, p...)
}

// append writes one transaction's operations as a frame. When writing fails (a full disk), the
// partial frame is cut off so that later frames stay readable.
func (l *logFile) append(ops []logOp) error {
	if l.broken != nil {
		return l.broken
	}
	if len(ops) == 0 {
		return nil
	}
	fr := frame(ops)
	_, err := l.f.Write(fr)
	if err == nil && l.sync {
		err = l.f.Sync()
	}
	if err != nil {
		if terr := os.Truncate(l.path, l.size); terr != nil {
			l.broken = fmt.Errorf("store: log damaged by a failed write, reopen the database: %w", terr)
		} else if _, serr := l.f.Seek(l.size, io.SeekStart); serr != nil {
			l.broken = fmt.Errorf("store: log damaged by a failed write, reopen the database: %w", serr)
		}
		return fileErr(err)
	}
	l.size += int64(len(fr))
	return nil
}

// fileErr reports a full disk or quota as ErrQuota.
func fileErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w (%v)", ErrQuota, err)
	}
	return err
}

// rewrite replaces the log with one frame holding ops (a snapshot), atomically.
func (l *logFile) rewrite(ops []logOp) error {
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	data := append([]byte(logMagic), frame(ops)...)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(l.path)); err == nil {
		d.Sync()
		d.Close()
	}
	l.f.Close()
	l.f = f
	l.size = int64(len(data))
	return nil
}

func (l *logFile) close() error { return l.f.Close() }
