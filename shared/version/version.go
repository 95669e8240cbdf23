// Package version holds the product version and build stamp shared by the relay and the core.
// Both values are set at link time (-ldflags "-X caliopen/shared/version.Build=...").
package version

// Version is the product's release version.
var Version = "0.1.0-dev"

// Build identifies the exact build (a VCS revision and date); "dev" when not stamped.
var Build = "dev"
