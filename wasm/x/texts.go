package x

// User-facing explanations shown when adding an X account and in its status.
const (
	// TextWhyOwnApp explains why the user brings their own developer app.
	TextWhyOwnApp = "X only lets third-party apps read and send direct messages through its paid API, " +
		"and it bills the developer app that makes the calls. Caliopen has no server that could hold a " +
		"shared app for you, so you create your own app at developer.x.com (type \"Native App\" or " +
		"\"Single page App\", a public client without a secret), give it the callback address Caliopen " +
		"shows, and paste its client id here. Your tokens stay in your device's vault."
	// TextPricing states what X charges, per its published pay-per-use pricing.
	TextPricing = "X charges your developer account per use: reading a DM event costs $0.010 per " +
		"event returned, sending a DM $0.015 per message, reading a user profile $0.010 (X counts the " +
		"same resource once per UTC day). Caliopen polls at most once a minute and stops at messages " +
		"it already has, so a quiet inbox costs little; prices are X's and may change."
	// TextLast30Days is the honesty note on history.
	TextLast30Days = "X's API only returns the last 30 days of direct messages: older conversations " +
		"cannot be imported."
	// TextXChat is the honesty note on encrypted chats.
	TextXChat = "X's newer encrypted chats (XChat) are not reachable by any public API: " +
		"conversations moved to XChat do not appear here. Only the classic, unencrypted direct " +
		"messages do, and X can read those."
)
