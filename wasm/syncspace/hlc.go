package syncspace

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HLC is a hybrid logical clock timestamp: wall time in milliseconds, a logical counter for
// events within one millisecond (or while the wall clock lags a remote one), and the device
// that made it, so that two timestamps are never equal unless they are the same event.
type HLC struct {
	Wall    int64  // Unix milliseconds
	Logical uint32 //
	Node    string // the device id
}

// Compare orders timestamps: by wall time, then counter, then device id.
func (h HLC) Compare(o HLC) int {
	if c := cmp.Compare(h.Wall, o.Wall); c != 0 {
		return c
	}
	if c := cmp.Compare(h.Logical, o.Logical); c != 0 {
		return c
	}
	return strings.Compare(h.Node, o.Node)
}

// IsZero reports whether h is the zero timestamp.
func (h HLC) IsZero() bool { return h == HLC{} }

// String encodes h as "wall.logical.node"; it is also the id of the operation stamped h.
func (h HLC) String() string {
	return strconv.FormatInt(h.Wall, 36) + "." + strconv.FormatUint(uint64(h.Logical), 36) + "." + h.Node
}

// MarshalText encodes h as String does.
func (h HLC) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes what MarshalText wrote.
func (h *HLC) UnmarshalText(b []byte) error {
	parts := strings.SplitN(string(b), ".", 3)
	if len(parts) != 3 || parts[2] == "" {
		return fmt.Errorf("syncspace: bad timestamp %q", b)
	}
	w, err := strconv.ParseInt(parts[0], 36, 64)
	if err != nil {
		return fmt.Errorf("syncspace: bad timestamp %q", b)
	}
	l, err := strconv.ParseUint(parts[1], 36, 32)
	if err != nil {
		return fmt.Errorf("syncspace: bad timestamp %q", b)
	}
	*h = HLC{Wall: w, Logical: uint32(l), Node: parts[2]}
	return nil
}

// MaxDrift bounds how far a remote timestamp may drag the local clock ahead of the wall
// clock: a device whose clock is a year ahead must not stamp every later change of the
// others into the past. Its own operations still compare by their stamps.
const MaxDrift = time.Hour

// Clock issues strictly increasing timestamps for one device.
type Clock struct {
	mu   sync.Mutex
	last HLC
	now  func() time.Time
}

// NewClock returns a clock for the device node; now is time.Now when nil.
func NewClock(node string, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{last: HLC{Node: node}, now: now}
}

// Now returns a timestamp later than every one issued or observed before.
func (c *Clock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextLocked(c.now().UnixMilli())
}

// Stamp sets the At of each operation to a new timestamp, in order, reading the wall clock
// once.
func (c *Clock) Stamp(ops []Op) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	for i := range ops {
		ops[i].At = c.nextLocked(pt)
	}
}

func (c *Clock) nextLocked(pt int64) HLC {
	if pt > c.last.Wall {
		c.last.Wall, c.last.Logical = pt, 0
	} else {
		c.last.Logical++
		if c.last.Logical == 0 { // the counter wrapped: move to the next millisecond
			c.last.Wall++
		}
	}
	return c.last
}

// Observe moves the clock past a remote timestamp (within MaxDrift of the wall clock), so
// that the next local change is stamped after what this device has seen.
func (c *Clock) Observe(r HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.now().Add(MaxDrift).UnixMilli()
	if r.Wall > limit {
		r.Wall, r.Logical = limit, 0
	}
	if r.Wall > c.last.Wall || (r.Wall == c.last.Wall && r.Logical > c.last.Logical) {
		c.last.Wall, c.last.Logical = r.Wall, r.Logical
	}
}
