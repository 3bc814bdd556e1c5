#!/usr/bin/env bash
# One-connection throughput, side by side: Postfix's smtp-source, Go's
# net/smtp (scripts/bench/netsmtp) and ours (smtpctl bench), each sending
# COUNT messages with SIZE-byte bodies to smtp-sink over ONE connection,
# RUNS times in turn; the table shows the median wall-clock time of each.
#
#   scripts/bench/run.sh [-n COUNT] [-s SIZE] [-r RUNS] [-o] [-c CPUS]
#   (defaults 2000, 1024, 3)
#
# The sink: SMTP_SINK_ADDR from $SMTP_TEST_DIR/env (default
# /tmp/smtp-itest/env, written by scripts/servers/start.sh) when it is
# listening; otherwise, or with -o, the script starts its own smtp-sink on
# a free loopback port and stops it on exit. -c CPUS (a taskset list such
# as 0) pins the sink and every tool to CPUS and implies -o: on a small VM,
# whether client and sink share a CPU changes loopback round trips several
# fold, so pinning makes runs comparable. Every tool runs under `timeout`.
set -euo pipefail

COUNT=2000 SIZE=1024 RUNS=3 OWN=0 CPUS=""
while getopts "n:s:r:oc:h" opt; do
	case $opt in
	n) COUNT=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	o) OWN=1 ;;
	c) CPUS=$OPTARG OWN=1 ;;
	*)
		sed -n '2,17s/^# \{0,1\}//p' "$0" >&2
		exit 64
		;;
	esac
done
for v in COUNT SIZE RUNS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a number" >&2; exit 64; }
done
((COUNT >= 1 && COUNT <= 1000000 && RUNS >= 1 && RUNS <= 20)) || { echo "run.sh: COUNT 1..1000000, RUNS 1..20" >&2; exit 64; }
LIMIT=300 # seconds, per tool run
pin=()
if [[ -n $CPUS ]]; then
	[[ $CPUS =~ ^[0-9,-]+$ ]] || { echo "run.sh: -c wants a CPU list such as 0 or 0,1" >&2; exit 64; }
	pin=(taskset -c "$CPUS")
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SINK=/usr/sbin/smtp-sink SOURCE=/usr/sbin/smtp-source
for bin in "$SINK" "$SOURCE"; do
	[[ -x $bin ]] || { echo "run.sh: $bin not found: apt-get install postfix (or run scripts/servers/install.sh)" >&2; exit 69; }
done

work="$(mktemp -d /tmp/smtp-bench.XXXXXX)"
sink_pid=""
cleanup() {
	if [[ -n $sink_pid ]]; then
		kill "$sink_pid" 2>/dev/null || true
		wait "$sink_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# listening PORT: whether a socket listens on PORT (reads /proc, no probe
# connection).
listening() {
	awk -v p="$(printf '%04X' "$1")" 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# ------------------------------------------------------------------ the sink
addr=""
envfile="${SMTP_TEST_DIR:-/tmp/smtp-itest}/env"
if ((!OWN)) && [[ -f $envfile ]]; then
	addr="$(sed -n 's/^export SMTP_SINK_ADDR=//p' "$envfile" | tail -n 1)"
	if [[ -n $addr ]] && ! listening "${addr##*:}"; then
		echo "run.sh: $envfile names $addr but nothing listens there; starting a sink" >&2
		addr=""
	fi
fi
if [[ -z $addr ]]; then
	port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
	user=()
	if ((EUID == 0)); then # smtp-sink refuses to keep root privileges
		if id postfix >/dev/null 2>&1; then user=(-u postfix); else user=(-u nobody); fi
	fi
	"${pin[@]}" "$SINK" "${user[@]}" -c "127.0.0.1:$port" 1000 >"$work/sink.log" 2>&1 </dev/null &
	sink_pid=$!
	for _ in $(seq 50); do
		listening "$port" && break
		sleep 0.1
	done
	listening "$port" || { echo "run.sh: smtp-sink did not start:" >&2; cat "$work/sink.log" >&2; exit 69; }
	addr="127.0.0.1:$port"
	echo "sink: own smtp-sink on $addr (pid $sink_pid)"
else
	echo "sink: $addr from $envfile"
fi
host="${addr%:*}" port="${addr##*:}"

# ------------------------------------------------------ build (not timed)
(cd "$root" && go build -o "$work/netsmtp" ./scripts/bench/netsmtp && go build -o "$work/smtpctl" ./cmd/smtpctl)

tools=(smtp-source net/smtp smtpctl)
cmd_of() {
	case $1 in
	smtp-source) echo "$SOURCE -d -s 1 -m $COUNT -l $SIZE -f from@example.test -t to@example.test $addr" ;;
	net/smtp) echo "$work/netsmtp -addr $addr -count $COUNT -size $SIZE" ;;
	smtpctl) echo "$work/smtpctl bench --host $host --port $port --tls none --count $COUNT --size $SIZE" ;;
	esac
}

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)${CPUS:+; sink and tools pinned to CPU $CPUS}"
echo "each tool: $COUNT messages, $SIZE-byte bodies, one connection; $RUNS runs, median wall-clock time"
for t in "${tools[@]}"; do echo "  $t: $(cmd_of "$t")"; done
echo

declare -A times
for ((r = 1; r <= RUNS; r++)); do
	for t in "${tools[@]}"; do
		read -ra argv <<<"$(cmd_of "$t")"
		t0=$(date +%s%N)
		if ! timeout "$LIMIT" "${pin[@]}" "${argv[@]}" >"$work/out" 2>&1; then
			echo "run.sh: $t failed (run $r):" >&2
			cat "$work/out" >&2
			exit 1
		fi
		t1=$(date +%s%N)
		ns=$((t1 - t0))
		times[$t]+="$ns "
		printf 'run %d  %-12s %8.3f s   %s\n' "$r" "$t" "$(bc -l <<<"$ns / 1000000000")" "$(tr '\n' ' ' <"$work/out")"
	done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %9s %9s %10s %12s\n' tool messages seconds "msg/s" "ours/tool"
ours=$(median "${times[smtpctl]}")
for t in "${tools[@]}"; do
	m=$(median "${times[$t]}")
	awk -v t="$t" -v n="$COUNT" -v m="$m" -v o="$ours" \
		'BEGIN { printf "%-12s %9d %9.3f %10.0f %11.2fx\n", t, n, m / 1e9, n / (m / 1e9), m / o }'
done
