// Package platform holds the core's thin adapters to where it runs. In a browser (js/wasm) they
// use the worker's message port, navigator.storage and the other web APIs; natively they are
// twins used by tests and tools. Both sides pass the same contract tests (contract_test.go).
package platform
