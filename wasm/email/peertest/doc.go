// Package peertest holds the email connector's tests against real third-party servers: Dovecot
// (IMAP, CONDSTORE, IDLE) and Postfix (submission), started from ../shared/peers. It has no
// code of its own.
package peertest
