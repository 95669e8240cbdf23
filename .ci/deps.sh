#!/usr/bin/env bash
# Installs the system packages the build and the tests need, once: Debian's Chromium (browser
# tests), the real mail and crypto peers (Dovecot, Postfix, GnuPG), websockify, isync and
# notmuch (references for benchmarks and threading). Idempotent: does nothing when all are
# present. Needs root (or sudo).
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have chromium || need+=(chromium)
have chromedriver || need+=(chromium-driver)
have websockify || need+=(websockify)
have gpg || need+=(gnupg)
have dovecot || need+=(dovecot-imapd dovecot-lmtpd dovecot-submissiond)
have postfix || [ -x /usr/sbin/postfix ] || need+=(postfix)
have swaks || need+=(swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl)
have mbsync || need+=(isync)
have notmuch || need+=(notmuch)
have openssl || need+=(openssl)
have ip || need+=(iproute2)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
