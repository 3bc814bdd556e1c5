#!/usr/bin/env bash
# Install the real SMTP servers used by the integration tests (Debian 12, root).
# Idempotent: anything already installed is skipped. See README.md.
set -euo pipefail

MAILPIT_VERSION="${MAILPIT_VERSION:-v1.33.1}"

log() { printf 'install.sh: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
	log "must run as root (apt-get install)"
	exit 1
fi

# ---------------------------------------------------------------- apt packages
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in postfix dovecot-core openssl python3 redis-server; do
	pkg_installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
	log "apt-get install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Never let a package's postinst start a system-wide daemon: we run our own
	# instances with private configuration. Docker-style images already ship a
	# policy-rc.d that does this; create a temporary one otherwise.
	tmp_policy=""
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		tmp_policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$tmp_policy"
		chmod 0755 "$tmp_policy"
		trap 'rm -f "$tmp_policy"' EXIT
	fi
	echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
	echo 'postfix postfix/mailname string localhost' | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if [[ -n $tmp_policy ]]; then
		rm -f "$tmp_policy"
		trap - EXIT
	fi
else
	log "apt packages already installed (postfix dovecot-core openssl python3 redis-server)"
fi

for bin in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/smtp-sink /usr/sbin/dovecot /usr/bin/openssl /usr/bin/python3 /usr/bin/redis-server; do
	[[ -x $bin ]] || { log "missing $bin after install"; exit 1; }
done

# --------------------------------------------------------------------- mailpit
if ! command -v go >/dev/null 2>&1; then
	for d in /usr/local/go/bin /usr/lib/go/bin; do
		[[ -x $d/go ]] && PATH="$d:$PATH"
	done
fi
command -v go >/dev/null 2>&1 || { log "go toolchain not found"; exit 1; }

gobin="$(go env GOBIN)"
[[ -n $gobin ]] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
mailpit="$gobin/mailpit"

# `go version -m` reads the build info embedded in the binary; it never runs it
# (running `mailpit version` would try to reach the internet).
if [[ -x $mailpit ]] && go version -m "$mailpit" 2>/dev/null |
	grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/axllent/mailpit[[:space:]]+${MAILPIT_VERSION}([[:space:]]|$)"; then
	log "mailpit ${MAILPIT_VERSION} already installed at $mailpit"
else
	log "go install github.com/axllent/mailpit@${MAILPIT_VERSION} (about a minute on a cold cache)"
	# Run outside any module so the caller's go.mod is neither read nor changed.
	(cd / && GOFLAGS=-buildvcs=false GOBIN="$gobin" go install "github.com/axllent/mailpit@${MAILPIT_VERSION}")
fi
[[ -x $mailpit ]] || { log "mailpit not found at $mailpit"; exit 1; }

log "ok: postfix $(postconf -d -h mail_version 2>/dev/null), dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1), redis $(redis-server --version 2>/dev/null | sed -n 's/.* v=\([^ ]*\).*/\1/p'), mailpit ${MAILPIT_VERSION} at $mailpit"
