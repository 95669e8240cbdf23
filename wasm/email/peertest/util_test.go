//go:build !js

package peertest

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }
