package pgp

import "time"

// timeNow is the clock; tests may replace it.
var timeNow = time.Now
