package discussions

import (
	"slices"

	"caliopen/wasm/model"
)

// channelCounts counts messages per account, each account being on one network. A
// discussion has a handful of channels, so a short slice searched in order is cheaper than a
// map (no hashing on every message).
type channelCounts []channelCount

type channelCount struct {
	network model.Network
	account string
	count   int
}

func (c *channelCounts) add(n model.Network, account string, delta int) {
	for i := range *c {
		if (*c)[i].network == n && (*c)[i].account == account {
			(*c)[i].count += delta
			if (*c)[i].count <= 0 {
				*c = slices.Delete(*c, i, i+1)
			}
			return
		}
	}
	if delta > 0 {
		*c = append(*c, channelCount{network: n, account: account, count: delta})
	}
}

// addAll adds (or, with sign -1, takes away) every count of o.
func (c *channelCounts) addAll(o channelCounts, sign int) {
	for _, cc := range o {
		c.add(cc.network, cc.account, sign*cc.count)
	}
}

// networks returns the networks present, sorted, each once.
func (c channelCounts) networks() []model.Network {
	out := make([]model.Network, 0, len(c))
	for _, cc := range c {
		if !slices.Contains(out, cc.network) {
			out = append(out, cc.network)
		}
	}
	slices.Sort(out)
	return out
}

// accounts returns the accounts present, sorted.
func (c channelCounts) accounts() []string {
	out := make([]string, 0, len(c))
	for _, cc := range c {
		if cc.account != "" && !slices.Contains(out, cc.account) {
			out = append(out, cc.account)
		}
	}
	slices.Sort(out)
	return out
}

func (c channelCounts) hasNetwork(n model.Network) bool {
	return slices.ContainsFunc(c, func(cc channelCount) bool { return cc.network == n })
}

func (c channelCounts) hasAccount(account string) bool {
	return slices.ContainsFunc(c, func(cc channelCount) bool { return cc.account == account })
}
