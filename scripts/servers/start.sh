#!/usr/bin/env bash
# Start the real SMTP servers for the integration tests on 127.0.0.1.
# Needs install.sh first. State lives in $SMTP_TEST_DIR (default /tmp/smtp-itest);
# it is wiped and recreated on every start. Endpoints are written to
# $SMTP_TEST_DIR/env as `export VAR=value` lines. See README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

D="${SMTP_TEST_DIR:-/tmp/smtp-itest}"
case "$D" in
/*) ;;
*) D="$PWD/$D" ;;
esac
D="${D%/}"
if [[ -z $D || $D == / || $D =~ [[:space:]] ]]; then
	echo "start.sh: SMTP_TEST_DIR must be an absolute path without spaces and not /" >&2
	exit 1
fi

# Ports (override any of them from the environment if they clash).
POSTFIX_PLAIN_PORT="${POSTFIX_PLAIN_PORT:-2525}"
POSTFIX_SMALL_PORT="${POSTFIX_SMALL_PORT:-2526}"
SMTP_SINK_PORT="${SMTP_SINK_PORT:-2527}"
POSTFIX_IDLE_PORT="${POSTFIX_IDLE_PORT:-2528}"
POSTFIX_IDLE_TIMEOUT="${POSTFIX_IDLE_TIMEOUT:-2s}"
POSTFIX_SUBMISSION_PORT="${POSTFIX_SUBMISSION_PORT:-2587}"
POSTFIX_SMTPS_PORT="${POSTFIX_SMTPS_PORT:-2465}"
MAILPIT_PLAIN_PORT="${MAILPIT_PLAIN_PORT:-2530}"
MAILPIT_STARTTLS_PORT="${MAILPIT_STARTTLS_PORT:-2531}"
MAILPIT_TLS_PORT="${MAILPIT_TLS_PORT:-2532}"
MAILPIT_PLAIN_HTTP_PORT="${MAILPIT_PLAIN_HTTP_PORT:-2540}"
MAILPIT_STARTTLS_HTTP_PORT="${MAILPIT_STARTTLS_HTTP_PORT:-2541}"
MAILPIT_TLS_HTTP_PORT="${MAILPIT_TLS_HTTP_PORT:-2542}"
REDIS_PORT="${REDIS_PORT:-6390}"
all_ports=(
	"$POSTFIX_PLAIN_PORT" "$POSTFIX_SMALL_PORT" "$SMTP_SINK_PORT" "$POSTFIX_IDLE_PORT"
	"$POSTFIX_SUBMISSION_PORT" "$POSTFIX_SMTPS_PORT"
	"$MAILPIT_PLAIN_PORT" "$MAILPIT_STARTTLS_PORT" "$MAILPIT_TLS_PORT"
	"$MAILPIT_PLAIN_HTTP_PORT" "$MAILPIT_STARTTLS_HTTP_PORT" "$MAILPIT_TLS_HTTP_PORT"
	"$REDIS_PORT"
)

# Test credentials (fixed, test-only).
SMTP_TEST_USER="alice@example.test"
SMTP_TEST_PASSWORD="alice-Passw0rd"
MAILPIT_USER="mailpit@example.test"
MAILPIT_PASSWORD="mailpit-Passw0rd"
POSTFIX_REJECT_RCPT="reject550@example.test"
POSTFIX_DEFER_RCPT="defer451@example.test"
POSTFIX_HOSTNAME="localhost"

PY=/usr/bin/python3
start_ts=$(date +%s%N)

die() {
	echo "start.sh: $*" >&2
	exit 1
}

# Once something may have been started, a failure prints the logs and stops it.
started=0
on_exit() {
	local rc=$?
	if ((rc != 0 && started)); then
		for f in "$D"/logs/*.log; do
			[[ -s $f ]] || continue
			echo "===== $f (last 40 lines)" >&2
			tail -n 40 "$f" >&2 || true
		done
		SMTP_TEST_DIR="$D" "$here/stop.sh" --quiet || true
		echo "start.sh: FAILED (state left in $D)" >&2
	fi
}
trap on_exit EXIT

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
for bin in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/smtp-sink /usr/sbin/dovecot /usr/bin/openssl "$PY" "$REDIS_SERVER"; do
	[[ -x $bin ]] || die "$bin not found: run scripts/servers/install.sh first"
done
if [[ -n ${MAILPIT_BIN:-} ]]; then
	mailpit="$MAILPIT_BIN"
else
	mailpit="$(command -v mailpit || true)"
	if [[ -z $mailpit ]]; then
		gobin=""
		if command -v go >/dev/null 2>&1; then
			gobin="$(go env GOBIN)"
			[[ -n $gobin ]] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
		fi
		for c in "$gobin/mailpit" "$HOME/go/bin/mailpit" /root/go/bin/mailpit; do
			[[ -x $c ]] && { mailpit="$c"; break; }
		done
	fi
fi
[[ -n $mailpit && -x $mailpit ]] || die "mailpit not found: run scripts/servers/install.sh first (or set MAILPIT_BIN)"

# Serialize concurrent start.sh runs on the same state directory.
# (fd 9 is closed for every daemon started below, or they would hold the lock)
mkdir -p "$(dirname "$D")"
exec 9>"$D.lock"
flock 9

# ------------------------------------------------- stop a previous instance
if [[ -e $D ]]; then
	if [[ -f $D/.smtp-itest ]]; then
		SMTP_TEST_DIR="$D" "$here/stop.sh" --quiet || true
		rm -rf "$D"
	elif [[ -d $D && -z "$(ls -A "$D")" ]]; then
		rmdir "$D"
	else
		die "$D exists and was not created by start.sh (no .smtp-itest marker); refusing to wipe it"
	fi
fi

# listening_ports: the TCP ports that have a socket in LISTEN state (any
# address), one per line. Reads /proc/net/tcp{,6} instead of connecting, so
# probes leave no noise in the servers' logs (and no half-done TLS handshakes).
listening_ports() {
	local f h files=()
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] && files+=("$f")
	done
	awk 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' "${files[@]}" |
		while read -r h; do echo $((16#$h)); done
}
# missing_ports PORT...: print those of PORT... that are not listening.
missing_ports() {
	local open p
	open=" $(listening_ports | tr '\n' ' ') "
	for p in "$@"; do
		[[ $open == *" $p "* ]] || printf '%s ' "$p"
	done
}

busy=" $(listening_ports | tr '\n' ' ') "
for p in "${all_ports[@]}"; do
	if [[ $busy == *" $p "* ]]; then
		owner=$("$PY" - "$p" <<'EOF' 2>/dev/null || true
import os, sys
port = int(sys.argv[1])
inodes = set()
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        for line in open(f).read().splitlines()[1:]:
            c = line.split()
            if int(c[1].rsplit(":", 1)[1], 16) == port and c[3] == "0A":
                inodes.add(c[9])
    except OSError:
        pass
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        for fd in os.listdir("/proc/%s/fd" % pid):
            l = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            if l.startswith("socket:[") and l[8:-1] in inodes:
                cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode(errors="replace")
                print("pid %s: %s" % (pid, cmd.strip()))
                raise SystemExit
    except OSError:
        pass
EOF
)
		die "port 127.0.0.1:$p is already in use${owner:+ by $owner}; stop it or override the port (see README.md)"
	fi
done

# ------------------------------------------------------------ state layout
umask 022
mkdir -p "$D"
started=1
: >"$D/.smtp-itest"
chmod 0755 "$D"
mkdir -p "$D/logs" "$D/run" "$D/tls" \
	"$D/postfix/etc" "$D/postfix/queue" "$D/postfix/data" \
	"$D/postfix-mail/.tmp" \
	"$D/dovecot/run" "$D/dovecot/state" "$D/mailpit" "$D/redis"
chown postfix:postfix "$D/postfix/data"
chown nobody:nogroup "$D/postfix-mail" "$D/postfix-mail/.tmp"
# Postfix daemons run as postfix and the delivery pipe as nobody: both must be
# able to reach the state directory (e.g. not under a 0700 home directory).
runuser -u postfix -- test -x "$D/postfix" ||
	die "user postfix cannot reach $D: choose an SMTP_TEST_DIR whose parents are world-searchable"
runuser -u nobody -- test -w "$D/postfix-mail/.tmp" ||
	die "user nobody cannot write $D/postfix-mail: choose an SMTP_TEST_DIR whose parents are world-searchable"

# ------------------------------------------------------------- certificates
(
	cd "$D/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=smtp-itest test CA" \
		-keyout ca.key -out ca.pem \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -new -newkey rsa:2048 -nodes -sha256 \
		-subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
	cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 825 -sha256 -extfile server.ext -out server.pem 2>/dev/null
	rm -f server.csr server.ext ca.srl
	chmod 0600 ca.key server.key
) || die "certificate generation failed"
cp "$D/tls/ca.pem" "$D/ca.pem"
CA="$D/ca.pem"
CERT="$D/tls/server.pem"
KEY="$D/tls/server.key"

# ------------------------------------------------------------------ Postfix
PF_ETC="$D/postfix/etc"
PF_QUEUE="$D/postfix/queue"
MAILDIR="$D/postfix-mail"
install -m 0755 "$here/postfix-deliver.py" "$D/postfix/deliver.py"

cat >"$PF_ETC/main.cf" <<EOF
# Generated by scripts/servers/start.sh - integration tests only.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $D/postfix/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = /var, /dev/stdout, $D/logs
maillog_file = $D/logs/postfix.log
myhostname = $POSTFIX_HOSTNAME
mydomain = example.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks_style = host
mynetworks = 127.0.0.0/8
append_dot_mydomain = no
biff = no
readme_directory = no
alias_maps =
alias_database =

# Every domain goes to the capture pipe; one fixed next-hop so that all
# recipients of a message are delivered in one go.
default_transport = capture:capture
relay_transport = capture:capture
capture_destination_recipient_limit = 1000
capture_destination_concurrency_limit = 20
# Benchmarks send to bench.invalid: Postfix takes the message as usual
# (smtpd, cleanup, queue) but discards it instead of starting the capture
# pipe, whose Python process per delivery would bound the rate.
transport_maps = inline:{ bench.invalid=discard: }

# Keep messages byte-exact (apart from the Received: header, which the pipe
# script strips).
local_header_rewrite_clients =
message_drop_headers =
undisclosed_recipients_header =
disable_mime_output_conversion = yes
smtputf8_enable = yes
message_size_limit = 52428800
mailbox_size_limit = 0
virtual_mailbox_limit = 0

smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$PF_ETC/recipient_access, permit
smtpd_error_sleep_time = 0s
# Recover quickly from the faults the tests inject (smtpd processes killed,
# Postfix stopped and started mid-run): a service whose process died on its
# first connection is throttled for service_throttle_time (default 60 s), and a
# delivery cut short is retried after the backoff time (default 300 s).
service_throttle_time = 2s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
in_flow_delay = 0s

smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
broken_sasl_auth_clients = no

smtpd_tls_cert_file = $CERT
smtpd_tls_key_file = $KEY
smtpd_tls_security_level = none
smtpd_tls_loglevel = 0
smtpd_tls_received_header = no
smtp_tls_security_level = none
EOF

cat >"$PF_ETC/recipient_access" <<EOF
$POSTFIX_REJECT_RCPT 550 5.1.1 <$POSTFIX_REJECT_RCPT>: Recipient address rejected: User unknown (test)
$POSTFIX_DEFER_RCPT 451 4.3.0 <$POSTFIX_DEFER_RCPT>: Recipient address temporarily unavailable (test)
EOF

cat >"$PF_ETC/master.cf" <<EOF
# Generated by scripts/servers/start.sh - integration tests only.
# service type private unpriv chroot wakeup maxproc command + args
# (a) plain: no STARTTLS, no AUTH
127.0.0.1:$POSTFIX_PLAIN_PORT inet n - n - - smtpd
  -o syslog_name=postfix/plain
# (d) plain with a 10 KiB message size limit
127.0.0.1:$POSTFIX_SMALL_PORT inet n - n - - smtpd
  -o syslog_name=postfix/small
  -o message_size_limit=10240
# (e) plain with a short smtpd_timeout: an idle connection gets
#     "421 4.4.2 <host> Error: timeout exceeded" and is closed
127.0.0.1:$POSTFIX_IDLE_PORT inet n - n - - smtpd
  -o syslog_name=postfix/idle
  -o smtpd_timeout=$POSTFIX_IDLE_TIMEOUT
# (b) submission: STARTTLS required, AUTH (PLAIN LOGIN CRAM-MD5) only after STARTTLS
127.0.0.1:$POSTFIX_SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
# (c) implicit TLS (smtps), AUTH required
127.0.0.1:$POSTFIX_SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# Delivery for every domain: exact message bytes + envelope into $MAILDIR.
# No R/D/O/F flags, so pipe(8) prepends nothing.
capture   unix  -       n       n       -       -       pipe
  user=nobody null_sender= argv=$PY $D/postfix/deliver.py $MAILDIR \${queue_id} \${sender} \${recipient}
EOF

pf() { /usr/sbin/postfix -c "$PF_ETC" "$@"; }

# A misspelt or obsolete parameter is only a warning to Postfix; refuse it.
unused="$(/usr/sbin/postconf -c "$PF_ETC" -n 2>&1 >/dev/null | grep -E 'unused parameter|unknown parameter' || true)"
[[ -z $unused ]] || die "main.cf/master.cf: $unused"

# Postfix refuses to read main.cf until it is ~2 s old (it assumes a file
# modified "just now" may still be being edited, and sleeps in 300 ms steps).
# Backdate the generated files so that `postfix start` does not wait.
touch -d "@$(($(date +%s) - 60))" "$PF_ETC"/*

# Create the queue/data directory tree exactly as postfix-files describes it
# (private/ must exist before Dovecot creates its auth socket there). This is
# what `postfix check` (post-install create-missing) does, but it takes ~2 s;
# with the tree in place, the queue_directory/quick-start flag lets
# `postfix start` skip those checks on this brand-new, empty queue.
ndirs=0
# shellcheck disable=SC2016 # the $names are literal text in postfix-files
while IFS=: read -r path type owner group mode _; do
	[[ $type == d ]] || continue
	case "$path" in
	'$queue_directory'*) path="$PF_QUEUE${path#'$queue_directory'}" ;;
	'$data_directory'*) path="$D/postfix/data${path#'$data_directory'}" ;;
	*) continue ;;
	esac
	[[ $owner == '$mail_owner' ]] && owner=postfix
	case "$group" in
	'$setgid_group') group=postdrop ;;
	-) group="" ;;
	esac
	mkdir -p "$path"
	chown "$owner${group:+:$group}" "$path"
	chmod "$mode" "$path"
	ndirs=$((ndirs + 1))
done </etc/postfix/postfix-files
if ((ndirs >= 10)) && [[ -d $PF_QUEUE/private && -d $PF_QUEUE/pid ]]; then
	: >"$PF_QUEUE/quick-start"
else
	pf check >>"$D/logs/postfix-start.log" 2>&1 </dev/null 9>&- || die "postfix check failed"
fi

# ------------------------------------------------------------------ Dovecot
DV="$D/dovecot"
printf '%s:{PLAIN}%s::::::\n' "$SMTP_TEST_USER" "$SMTP_TEST_PASSWORD" >"$DV/users"
chmod 0640 "$DV/users"
chgrp dovecot "$DV/users"
cat >"$DV/dovecot.conf" <<EOF
# Generated by scripts/servers/start.sh: SASL authentication for Postfix only.
base_dir = $DV/run
state_dir = $DV/state
log_path = $D/logs/dovecot.log
info_log_path = $D/logs/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
auth_username_format = %u
# Fail fast: no 2 s failure delay and no per-IP penalty (anvil), so that tests
# of wrong passwords don't slow down the tests that follow them.
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DV/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener $PF_QUEUE/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
/usr/sbin/dovecot -c "$DV/dovecot.conf" >>"$D/logs/dovecot-start.log" 2>&1 </dev/null 9>&- ||
	die "dovecot failed to start"

# ----------------------------------------------------------- Postfix start
pf start >>"$D/logs/postfix-start.log" 2>&1 </dev/null 9>&- || die "postfix start failed"

# ---------------------------------------------------------------- smtp-sink
nohup /usr/sbin/smtp-sink -c -u postfix "127.0.0.1:$SMTP_SINK_PORT" 1000 \
	>"$D/logs/smtp-sink.log" 2>&1 </dev/null 9>&- &
echo $! >"$D/run/smtp-sink.pid"

# ------------------------------------------------------------------ Mailpit
printf '%s:%s\n' "$MAILPIT_USER" "$MAILPIT_PASSWORD" >"$D/mailpit/auth"
chmod 0600 "$D/mailpit/auth"

start_mailpit() { # name smtp-port http-port extra-args...
	local name=$1 smtp=$2 http=$3
	shift 3
	nohup "$mailpit" \
		--smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" \
		--database "$D/mailpit/$name.db" --label "$name" \
		--disable-version-check --smtp-disable-rdns --max 0 \
		"$@" >"$D/logs/mailpit-$name.log" 2>&1 </dev/null 9>&- &
	echo $! >"$D/run/mailpit-$name.pid"
}
start_mailpit plain "$MAILPIT_PLAIN_PORT" "$MAILPIT_PLAIN_HTTP_PORT"
start_mailpit starttls "$MAILPIT_STARTTLS_PORT" "$MAILPIT_STARTTLS_HTTP_PORT" \
	--smtp-auth-file "$D/mailpit/auth" --smtp-tls-cert "$CERT" --smtp-tls-key "$KEY" \
	--smtp-require-starttls
start_mailpit tls "$MAILPIT_TLS_PORT" "$MAILPIT_TLS_HTTP_PORT" \
	--smtp-auth-file "$D/mailpit/auth" --smtp-tls-cert "$CERT" --smtp-tls-key "$KEY" \
	--smtp-require-tls

# -------------------------------------------------------------------- Redis
# The shared rate-limit store: loopback only, no persistence, in the
# foreground so that $! is its PID (stop.sh signals it).
nohup "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$D/redis" \
	--save "" --appendonly no --daemonize no --protected-mode yes --loglevel warning \
	--logfile "$D/logs/redis.log" >/dev/null 2>&1 </dev/null 9>&- &
echo $! >"$D/run/redis.pid"

# --------------------------------------------------------------- env file
A=127.0.0.1
{
	echo "# Generated by scripts/servers/start.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "export SMTP_TEST_DIR=$D"
	echo "export SMTP_TEST_CA=$CA"
	echo "export SMTP_TEST_CERT=$CERT"
	echo "export SMTP_TEST_KEY=$KEY"
	echo "export SMTP_TEST_SERVER_NAME=localhost"
	echo "export SMTP_TEST_USER=$SMTP_TEST_USER"
	echo "export SMTP_TEST_PASSWORD=$SMTP_TEST_PASSWORD"
	echo "export POSTFIX_HOSTNAME=$POSTFIX_HOSTNAME"
	echo "export POSTFIX_PLAIN_ADDR=$A:$POSTFIX_PLAIN_PORT"
	echo "export POSTFIX_SUBMISSION_ADDR=$A:$POSTFIX_SUBMISSION_PORT"
	echo "export POSTFIX_SMTPS_ADDR=$A:$POSTFIX_SMTPS_PORT"
	echo "export POSTFIX_SMALL_ADDR=$A:$POSTFIX_SMALL_PORT"
	echo "export POSTFIX_IDLE_ADDR=$A:$POSTFIX_IDLE_PORT"
	echo "export POSTFIX_IDLE_TIMEOUT=$POSTFIX_IDLE_TIMEOUT"
	echo "export POSTFIX_CONFIG_DIR=$PF_ETC"
	echo "export POSTFIX_MAX_SIZE=52428800"
	echo "export POSTFIX_SMALL_MAX_SIZE=10240"
	echo "export POSTFIX_MAILDIR=$MAILDIR"
	echo "export POSTFIX_REJECT_RCPT=$POSTFIX_REJECT_RCPT"
	echo "export POSTFIX_DEFER_RCPT=$POSTFIX_DEFER_RCPT"
	echo "export POSTFIX_LOG=$D/logs/postfix.log"
	echo "export SMTP_SINK_ADDR=$A:$SMTP_SINK_PORT"
	echo "export MAILPIT_PLAIN_ADDR=$A:$MAILPIT_PLAIN_PORT"
	echo "export MAILPIT_PLAIN_API=http://$A:$MAILPIT_PLAIN_HTTP_PORT"
	echo "export MAILPIT_STARTTLS_ADDR=$A:$MAILPIT_STARTTLS_PORT"
	echo "export MAILPIT_STARTTLS_API=http://$A:$MAILPIT_STARTTLS_HTTP_PORT"
	echo "export MAILPIT_TLS_ADDR=$A:$MAILPIT_TLS_PORT"
	echo "export MAILPIT_TLS_API=http://$A:$MAILPIT_TLS_HTTP_PORT"
	echo "export MAILPIT_USER=$MAILPIT_USER"
	echo "export MAILPIT_PASSWORD=$MAILPIT_PASSWORD"
	echo "export REDIS_ADDR=$A:$REDIS_PORT"
	echo "export SMTP_TEST_REDIS_URL=redis://$A:$REDIS_PORT/0"
	echo "export REDIS_SERVER_BIN=$REDIS_SERVER"
} >"$D/env.tmp"

# ------------------------------------------------------ wait for listeners
deadline=$((SECONDS + ${SMTP_TEST_START_TIMEOUT:-30}))
auth_socket="$PF_QUEUE/private/auth"
while :; do
	pending="$(missing_ports "${all_ports[@]}")"
	if [[ -z $pending && -S $auth_socket ]]; then
		break
	fi
	for f in "$D"/run/*.pid; do
		kill -0 "$(cat "$f")" 2>/dev/null || die "$(basename "$f" .pid) exited during startup"
	done
	if ((SECONDS >= deadline)); then
		die "not listening after ${SMTP_TEST_START_TIMEOUT:-30}s: ports ${pending:-none}$([[ -S $auth_socket ]] || echo ", dovecot auth socket $auth_socket")"
	fi
	sleep 0.1
done
mv "$D/env.tmp" "$D/env"

elapsed_ms=$((($(date +%s%N) - start_ts) / 1000000))
echo "smtp test servers up in ${elapsed_ms}ms (state $D, env $D/env):" \
	"postfix plain=$POSTFIX_PLAIN_PORT submission=$POSTFIX_SUBMISSION_PORT smtps=$POSTFIX_SMTPS_PORT small=$POSTFIX_SMALL_PORT idle=$POSTFIX_IDLE_PORT;" \
	"smtp-sink=$SMTP_SINK_PORT;" \
	"mailpit plain=$MAILPIT_PLAIN_PORT/http $MAILPIT_PLAIN_HTTP_PORT starttls=$MAILPIT_STARTTLS_PORT/http $MAILPIT_STARTTLS_HTTP_PORT tls=$MAILPIT_TLS_PORT/http $MAILPIT_TLS_HTTP_PORT;" \
	"redis=$REDIS_PORT"
