package api

// Replying in a discussion on the channel the user picks.
var (
	// ReplyChannels offers the channels a reply to a message may take, most private first:
	// with a known contact alone, every network where the user has an account and the
	// contact an identity (ranked by the privacy index); with several people or an
	// unknown correspondent, the network of the message answered. Channels[0] is the
	// default and Why says why. Reply takes the one chosen (ReplyParams.AccountID and To).
	ReplyChannels = Method[ReplyChannelsParams, ReplyChannelsView]{"message.replyChannels"}
)

func init() {
	All = append(All, ReplyChannels)
}

// ReplyChannelsParams names the message answered.
type ReplyChannelsParams struct {
	MessageID string `json:"messageId"`
}

// ReplyChannelsView is the channels a reply may take, the default first.
type ReplyChannelsView struct {
	Channels []Channel `json:"channels"`
	// Why says why Channels[0] is the default: reply-most-private (params person, network,
	// rank), reply-only-network (person, network), reply-group or reply-unknown (network,
	// person: the correspondent).
	Why Reason `json:"why"`
	// ParentAccountID is the account of the message answered: a reply through it answers
	// that message in its conversation; through another, it answers the latest message of
	// the discussion on that channel, or starts one.
	ParentAccountID string `json:"parentAccountId"`
}
