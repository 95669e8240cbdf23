package discussions

import (
	"slices"

	"caliopen/wasm/model"
)

// networkCounts counts messages per network. There are a handful of networks, so a short
// slice searched in order is cheaper than a map (no hashing on every message).
type networkCounts []networkCount

type networkCount struct {
	network model.Network
	count   int
}

func (c *networkCounts) add(n model.Network, delta int) {
	for i := range *c {
		if (*c)[i].network == n {
			(*c)[i].count += delta
			if (*c)[i].count <= 0 {
				*c = slices.Delete(*c, i, i+1)
			}
			return
		}
	}
	if delta > 0 {
		*c = append(*c, networkCount{network: n, count: delta})
	}
}

// names returns the networks present, sorted.
func (c networkCounts) names() []model.Network {
	out := make([]model.Network, len(c))
	for i, nc := range c {
		out[i] = nc.network
	}
	slices.Sort(out)
	return out
}
