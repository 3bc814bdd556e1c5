#!/usr/bin/env bash
# Stop the integration-test SMTP servers started by start.sh. Only processes
# recorded in pidfiles under $SMTP_TEST_DIR (default /tmp/smtp-itest) are
# signalled, and only if they are still the program that was started there.
# The state directory is kept for inspection; start.sh wipes it.
# Usage: stop.sh [--quiet]
set -euo pipefail

D="${SMTP_TEST_DIR:-/tmp/smtp-itest}"
D="${D%/}"
quiet=0
[[ ${1:-} == --quiet ]] && quiet=1

say() { ((quiet)) || echo "stop.sh: $*"; }

if [[ ! -d $D ]]; then
	say "nothing to stop ($D does not exist)"
	exit 0
fi

# alive PID: running and not a zombie. (Here PID 1 may never reap orphans, so
# a stopped daemon can linger as a zombie; it holds no sockets or files.)
alive() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

names=() pids=()
# want NAME PIDFILE COMM: remember the process if it is still COMM.
want() {
	local name=$1 file=$2 comm=$3 pid
	[[ -f $file ]] || return 0
	pid=$(tr -d ' \n' <"$file")
	if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
		[[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm" ]]; then
		names+=("$name")
		pids+=("$pid")
	else
		say "$name not running"
	fi
}

for f in "$D"/run/mailpit-*.pid; do
	[[ -f $f ]] && want "$(basename "$f" .pid)" "$f" mailpit
done
want smtp-sink "$D/run/smtp-sink.pid" smtp-sink
want redis "$D/run/redis.pid" redis-server
# SIGTERM to the Postfix master is what `postfix -c DIR stop` sends; polling
# here is quicker than postfix-script's 1 s sleeps.
want postfix "$D/postfix/queue/pid/master.pid" master
want dovecot "$D/dovecot/run/master.pid" dovecot

((${#pids[@]})) || exit 0

kill -TERM "${pids[@]}" 2>/dev/null || true
for ((i = 0; i < 100; i++)); do # up to 10 s
	left=0
	for pid in "${pids[@]}"; do
		alive "$pid" && left=1
	done
	((left)) || break
	sleep 0.1
done
for idx in "${!pids[@]}"; do
	if alive "${pids[idx]}"; then
		kill -KILL "${pids[idx]}" 2>/dev/null || true
		say "${names[idx]} (pid ${pids[idx]}) did not stop in 10 s: killed"
	else
		say "${names[idx]} (pid ${pids[idx]}) stopped"
	fi
done
rm -f "$D"/run/*.pid
exit 0
