// Package fakeimage draws the profile pictures the fake Mastodon and X servers serve: a PNG
// of a disc whose colour depends on a seed, so that two people's pictures differ.
package fakeimage

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
)

// Avatar returns a square PNG of size pixels: a coloured disc on a light background.
func Avatar(seed string, size int) []byte {
	h := fnv.New32a()
	h.Write([]byte(seed))
	v := h.Sum32()
	disc := color.RGBA{R: uint8(v), G: uint8(v >> 8), B: uint8(v >> 16), A: 255}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	r := size / 2
	for y := range size {
		for x := range size {
			dx, dy := x-r, y-r
			c := color.RGBA{R: 240, G: 240, B: 235, A: 255}
			if dx*dx+dy*dy <= (r-2)*(r-2) {
				c = disc
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // encoding to memory does not fail
	return b.Bytes()
}
