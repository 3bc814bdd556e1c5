#!/usr/bin/env bash
# The client service's performance figures (pool, coalescing, raw path),
# each row side by side with its peers in ONE invocation: the contenders of
# a row take turns (A B C, A B C, A B C) so that other load hits them
# alike, and the ratios are of medians from the same invocation.
#
#   scripts/bench/pool.sh [-r RUNS] [-R ROWS] [-c CPUS] [-q] [-k]
#   (RUNS 3; ROWS a list such as a,b,e, default a,b,c,d,e,f,g)
#
# Rows (targets in brackets):
#   a  1 KB messages, one goroutine calling Send, pool of 1, against
#      smtp-sink; smtp-source -s 1 -d and net/smtp on one connection   [>= 1.5x smtp-source]
#   b  64 goroutines calling Send through a pool of 5; smtp-source -s 5
#      -d and net/smtp over 5 connections                              [>= 1.5x]
#   c  one SendBatch of 6,000 1 KB messages over 5 pooled connections;
#      smtp-source -s 5 -d, net/smtp over 5 connections                [>= 1.8x]
#   Rows a-c also run, for information: smtpctl with GOMAXPROCS=1
#      (smtpctl-1proc); the protocol floor, a client that does nothing
#      but the SMTP exchanges with a pre-rendered message, one write and
#      one read a message and session (scripts/bench/gofloor in Go with
#      goroutines and blocking I/O as this module, floor-go, and with
#      GOMAXPROCS=1, floor-go-1proc; scripts/bench/floor in C with one
#      thread and epoll as smtp-source, floor-c, when cc is here). The
#      floors' ratios to smtp-source are the ceiling of rows a-c on the
#      machine: no client that validates, encodes and pools can beat them.
#      Row a adds floor-go-sync (gofloor -sync): one message at a time,
#      waiting for its final reply before the next one's commands, two
#      round trips a message: the ceiling of a synchronous Send.
#   d  Send of a message with a 1 MiB attachment (built before the
#      clock, encoded in it), against fastsink: CPU per message        [<= 1.5 ms]
#   e  a pre-built 1.4 MB message (smtpctl render of a 1 MiB
#      attachment) through the raw path, against fastsink: from the
#      file (--message-file: SendRawReader, or SendRaw where the client
#      has no SendRawReader) and from memory (--raw-bytes: SendRaw);
#      smtp-source -F with the same file, net/smtp 1.4 MB bodies       [>= smtp-source's msg/s, <= 1 ms CPU]
#   f  a pre-built message from a file through the raw path, against
#      fastsink: peak RSS of smtpctl bench --mode raw and of smtpctl
#      send --message-file, with the issue's 34 MB message (a 25 MiB
#      attachment): a pre-built message from a reader is bounded by the
#      server's SIZE, not by the client's 25 MiB content limit
#      (docs/DECISIONS.md)                                             [<= 16 MiB]
#   g  STARTTLS + AUTH PLAIN against Postfix's submission listener:
#      Send through the pool vs --no-pool (a session per message)     [>= 10x]
#      300 messages a run: at 100, the process's fixed start-up (about
#      60 ms with the one TLS handshake) was an eighth of the pooled run.
#
# Every process runs under /usr/bin/time (user+sys CPU, peak RSS; the
# sinks' CPU comes from /proc/PID/stat, in clock ticks) and its
# wall clock is taken around it (process start, message building, connect
# and QUIT included, for every tool alike). msg/s is count / median wall
# time; smtpctl bench also reports its own clock (from the client's
# creation to the last reply) and its CPU during that time (getrusage),
# shown as "self". -q divides the message counts by 5 (a quick check).
# -k keeps the work directory (logs, JSON, messages). -c CPUS pins the
# sinks and every tool to a taskset CPU list.
#
# Sinks: the script starts its own smtp-sink (rows a-c) and fastsink
# (scripts/bench/fastsink; rows d-f) on free loopback ports and stops them
# on exit. Row g reads POSTFIX_SUBMISSION_ADDR, SMTP_TEST_CA, SMTP_TEST_USER
# and SMTP_TEST_PASSWORD from $SMTP_TEST_DIR/env (default
# /tmp/smtp-itest/env; `make servers` writes it) and is skipped without it.
set -euo pipefail

RUNS=3 ROWS=a,b,c,d,e,f,g CPUS="" QUICK=0 KEEP=0
while getopts "r:R:c:qkh" opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	R) ROWS=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	q) QUICK=1 ;;
	k) KEEP=1 ;;
	*)
		sed -n '2,61s/^# \{0,1\}//p' "$0" >&2
		exit 64
		;;
	esac
done
[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1 && RUNS <= 20)) || { echo "pool.sh: RUNS must be 1..20" >&2; exit 64; }
[[ $ROWS =~ ^[a-g](,[a-g])*$ ]] || { echo "pool.sh: ROWS is a comma-separated list of a..g" >&2; exit 64; }
pin=()
if [[ -n $CPUS ]]; then
	[[ $CPUS =~ ^[0-9,-]+$ ]] || { echo "pool.sh: -c wants a CPU list such as 0 or 0,1" >&2; exit 64; }
	pin=(taskset -c "$CPUS")
fi
want() { [[ ,$ROWS, == *,$1,* ]]; }

# Message counts per run (divided by 5 with -q).
N_A=5000 N_B=10000 N_C=6000 N_D=200 N_E=300 N_F=3 N_G=300
if ((QUICK)); then
	N_A=1000 N_B=2000 N_C=1200 N_D=40 N_E=60 N_F=1 N_G=60
fi
LIMIT=600 # seconds, per tool run

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SINK=/usr/sbin/smtp-sink SOURCE=/usr/sbin/smtp-source TIME=/usr/bin/time
for bin in "$SINK" "$SOURCE"; do
	[[ -x $bin ]] || { echo "pool.sh: $bin not found: apt-get install postfix (or make servers)" >&2; exit 69; }
done
[[ -x $TIME ]] || { echo "pool.sh: $TIME not found: apt-get install time" >&2; exit 69; }

work="$(mktemp -d /tmp/smtp-pool-bench.XXXXXX)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if ((KEEP)); then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

listening() { # PORT: whether a socket listens on PORT (reads /proc)
	awk -v p="$(printf '%04X' "$1")" 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_listening() { # PORT LOG
	for _ in $(seq 100); do
		listening "$1" && return 0
		sleep 0.1
	done
	echo "pool.sh: nothing listens on port $1:" >&2
	cat "$2" >&2
	exit 69
}

# ------------------------------------------------------ build (not timed)
(cd "$root" && go build -o "$work/netsmtp" ./scripts/bench/netsmtp &&
	go build -o "$work/fastsink" ./scripts/bench/fastsink &&
	go build -o "$work/gofloor" ./scripts/bench/gofloor &&
	go build -o "$work/smtpctl" ./cmd/smtpctl)
floor_c="" # the C floor, when a C compiler is here
if command -v cc >/dev/null && cc -O2 -o "$work/floor" "$root/scripts/bench/floor/floor.c"; then
	floor_c="$work/floor"
else
	echo "pool.sh: no C compiler (apt-get install gcc): rows a-c run without the C floor" >&2
fi
commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(cd "$root" && git status --porcelain -- cmd scripts/bench application adapters bootstrap domain ports 2>/dev/null | head -c1)"

# ---------------------------------------------------------------- sinks
sink_addr="" fast_addr="" sink_pid="" fast_pid=""
if want a || want b || want c; then
	port="$(free_port)"
	user=()
	if ((EUID == 0)); then # smtp-sink refuses to keep root privileges
		if id postfix >/dev/null 2>&1; then user=(-u postfix); else user=(-u nobody); fi
	fi
	"${pin[@]}" "$SINK" "${user[@]}" -c "127.0.0.1:$port" 1000 >"$work/smtp-sink.log" 2>&1 </dev/null &
	pids+=($!) sink_pid=$!
	wait_listening "$port" "$work/smtp-sink.log"
	sink_addr="127.0.0.1:$port"
fi
if want d || want e || want f; then
	port="$(free_port)"
	"${pin[@]}" "$work/fastsink" -addr "127.0.0.1:$port" >"$work/fastsink.log" 2>&1 </dev/null &
	pids+=($!) fast_pid=$!
	wait_listening "$port" "$work/fastsink.log"
	fast_addr="127.0.0.1:$port"
fi
sub_addr="" tlsflags=()
if want g; then
	envfile="${SMTP_TEST_DIR:-/tmp/smtp-itest}/env"
	if [[ -f $envfile ]]; then
		val() { sed -n "s/^export $1=//p" "$envfile" | tail -n 1; }
		sub_addr="$(val POSTFIX_SUBMISSION_ADDR)"
		export POOL_BENCH_PASSWORD="$(val SMTP_TEST_PASSWORD)"
		tlsflags=(--tls starttls-required --ca-file "$(val SMTP_TEST_CA)" --server-name "$(val SMTP_TEST_SERVER_NAME)"
			--user "$(val SMTP_TEST_USER)" --password-env POOL_BENCH_PASSWORD --auth plain)
		if [[ -z $sub_addr ]] || ! listening "${sub_addr##*:}"; then
			echo "pool.sh: row g skipped: POSTFIX_SUBMISSION_ADDR ($sub_addr) does not listen; run make servers" >&2
			sub_addr=""
		fi
	else
		echo "pool.sh: row g skipped: no $envfile; run make servers (as root)" >&2
	fi
fi

# ------------------------------------------------------------- messages
msg14="" msg34=""
if want e || want f; then
	render=("$work/smtpctl" render --from bench@example.test --to sink@example.test --subject "pool.sh" --text "attached")
	if want e; then
		head -c $((1 << 20)) /dev/urandom >"$work/att-1MiB.bin"
		"${render[@]}" --attach "$work/att-1MiB.bin" >"$work/msg-1.4MB.eml"
		msg14="$work/msg-1.4MB.eml"
	fi
	if want f; then
		head -c $((25 << 20)) /dev/urandom >"$work/att-25MiB.bin"
		"${render[@]}" --attach "$work/att-25MiB.bin" >"$work/msg-34MB.eml"
		rm -f "$work/att-25MiB.bin"
		msg34="$work/msg-34MB.eml"
	fi
fi

# ----------------------------------------------------------- contenders
hostport() { echo "--host ${1%:*} --port ${1##*:}"; }
# contenders ROW: the names of the row's contenders, ours first
contenders() {
	case $1 in
	a) echo "smtpctl smtp-source net/smtp smtpctl-1proc floor-go floor-go-1proc${floor_c:+ floor-c} floor-go-sync" ;;
	b | c) echo "smtpctl smtp-source net/smtp smtpctl-1proc floor-go floor-go-1proc${floor_c:+ floor-c}" ;;
	e) echo "smtpctl smtpctl-memory smtp-source net/smtp" ;;
	d) echo "smtpctl" ;;
	f) echo "smtpctl-bench-raw smtpctl-send" ;;
	g) echo "smtpctl-pool smtpctl-no-pool" ;;
	esac
}
# count ROW NAME: messages one run of NAME sends
count() {
	case $1 in
	a) echo "$N_A" ;; b) echo "$N_B" ;; c) echo "$N_C" ;; d) echo "$N_D" ;; e) echo "$N_E" ;; g) echo "$N_G" ;;
	f) if [[ $2 == smtpctl-send ]]; then echo 1; else echo "$N_F"; fi ;;
	esac
}
# sessions ROW: the connections of rows a-c
sessions() { if [[ $1 == a ]]; then echo 1; else echo 5; fi; }
# cmd_of ROW NAME: the command line
cmd_of() {
	local row=$1 name=$2 n
	n=$(count "$row" "$name")
	local from="-f bench@example.test -t sink@example.test"
	local bench="$work/smtpctl bench --json --count $n"
	case $row/$name in
	a/smtpctl) echo "$bench $(hostport "$sink_addr") --mode send --concurrency 1 --connections 1 --size 1024" ;;
	a/smtp-source) echo "$SOURCE -d -s 1 -m $n -l 1024 $from $sink_addr" ;;
	a/net/smtp) echo "$work/netsmtp -addr $sink_addr -count $n -size 1024 -c 1" ;;
	[abc]/smtpctl-1proc) echo "env GOMAXPROCS=1 $(cmd_of "$row" smtpctl)" ;;
	[abc]/floor-go) echo "$work/gofloor -addr $sink_addr -count $n -size 1024 -c $(sessions "$row")" ;;
	[abc]/floor-go-1proc) echo "env GOMAXPROCS=1 $(cmd_of "$row" floor-go)" ;;
	a/floor-go-sync) echo "$(cmd_of a floor-go) -sync" ;;
	[abc]/floor-c) echo "$floor_c 127.0.0.1 ${sink_addr##*:} $n $(sessions "$row") 1024" ;;
	b/smtpctl) echo "$bench $(hostport "$sink_addr") --mode send --concurrency 64 --connections 5 --size 1024" ;;
	b/smtp-source) echo "$SOURCE -d -s 5 -m $n -l 1024 $from $sink_addr" ;;
	b/net/smtp) echo "$work/netsmtp -addr $sink_addr -count $n -size 1024 -c 5" ;;
	c/smtpctl) echo "$bench $(hostport "$sink_addr") --mode batch --concurrency 1 --connections 5 --size 1024" ;;
	c/smtp-source) echo "$SOURCE -d -s 5 -m $n -l 1024 $from $sink_addr" ;;
	c/net/smtp) echo "$work/netsmtp -addr $sink_addr -count $n -size 1024 -c 5" ;;
	d/smtpctl) echo "$bench $(hostport "$fast_addr") --mode send --concurrency 1 --connections 1 --size 1024 --attach-size 1048576" ;;
	e/smtpctl) echo "$bench $(hostport "$fast_addr") --mode raw --concurrency 1 --connections 1 --message-file $msg14" ;;
	e/smtpctl-memory) echo "$bench $(hostport "$fast_addr") --mode raw --concurrency 1 --connections 1 --message-file $msg14 --raw-bytes" ;;
	e/smtp-source) echo "$SOURCE -d -s 1 -m $n -F $msg14 $from $fast_addr" ;;
	e/net/smtp) echo "$work/netsmtp -addr $fast_addr -count $n -size $(stat -c %s "$msg14") -c 1" ;;
	f/smtpctl-bench-raw) echo "$bench $(hostport "$fast_addr") --mode raw --concurrency 1 --connections 1 --message-file $msg34" ;;
	f/smtpctl-send) echo "$work/smtpctl send $(hostport "$fast_addr") --tls none --from bench@example.test --to sink@example.test --message-file $msg34" ;;
	g/smtpctl-pool) echo "$bench $(hostport "$sub_addr") ${tlsflags[*]} --to sink@bench.invalid --mode send --concurrency 1 --connections 1 --size 1024" ;;
	g/smtpctl-no-pool) echo "$bench $(hostport "$sub_addr") ${tlsflags[*]} --to sink@bench.invalid --mode send --concurrency 1 --connections 1 --size 1024 --no-pool" ;;
	esac
}

# results: one line a tool run:
# row name run count wall_ns user_s sys_s maxrss_kib self_s self_cpu_ms_per_msg self_rss_kib sink_cpu_ticks
results="$work/results.tsv"
: >"$results"
jsonfield() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null || true; }

# sink_ticks ROW: user+system clock ticks of the row's sink so far ("-" for
# Postfix, which is many processes)
sink_ticks() {
	local pid=""
	case $1 in a | b | c) pid=$sink_pid ;; d | e | f) pid=$fast_pid ;; esac
	if [[ -n $pid && -r /proc/$pid/stat ]]; then
		sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
	else
		echo -
	fi
}
TICK_MS=$(awk -v t="$(getconf CLK_TCK)" 'BEGIN { print 1000 / t }')

run_one() { # ROW NAME RUN
	local row=$1 name=$2 r=$3 n t0 t1 ns u s m self="-" selfcpu="-" selfrss="-" argv k0 k1 sink="-"
	n=$(count "$row" "$name")
	read -ra argv <<<"$(cmd_of "$row" "$name")"
	k0=$(sink_ticks "$row")
	t0=$(date +%s%N)
	if ! timeout "$LIMIT" "${pin[@]}" "$TIME" -f '%U %S %M' -o "$work/time" "${argv[@]}" >"$work/out" 2>"$work/err"; then
		echo "pool.sh: row $row, $name failed (run $r): $(cat "$work/out" "$work/err" | tr '\n' ' ' | cut -c1-600)" >&2
		echo "$row $name $r $n FAIL - - - - - - -" >>"$results"
		return 0
	fi
	t1=$(date +%s%N)
	k1=$(sink_ticks "$row")
	ns=$((t1 - t0))
	[[ $k0 != - && $k1 != - ]] && sink=$((k1 - k0))
	read -r u s m < <(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -n 1)
	if [[ $name == smtpctl* && $name != smtpctl-send ]]; then
		cp "$work/out" "$work/json-$row-$name-$r.json"
		self=$(jsonfield "$work/out" seconds)
		selfcpu=$(jsonfield "$work/out" cpu_ms_per_message)
		selfrss=$(jsonfield "$work/out" max_rss_kib)
		local ok src
		ok=$(jsonfield "$work/out" succeeded)
		src=$(jsonfield "$work/out" raw_source)
		[[ -n $src ]] && echo "$src" >"$work/rawsource-$row-$name"
		if [[ $ok != "$n" ]]; then
			echo "pool.sh: row $row, $name: $ok of $n messages succeeded (run $r)" >&2
			echo "$row $name $r $n FAIL - - - - - - -" >>"$results"
			return 0
		fi
	fi
	echo "$row $name $r $n $ns $u $s $m $self $selfcpu $selfrss $sink" >>"$results"
	printf '  run %d %-18s %8.3f s wall %9.0f msg/s  cpu %6.3f ms/msg  rss %7d KiB  sink cpu %s ms/msg%s\n' "$r" "$name" \
		"$(bc -l <<<"$ns / 1000000000")" "$(bc -l <<<"$n / ($ns / 1000000000)")" \
		"$(bc -l <<<"($u + $s) * 1000 / $n")" "$m" \
		"$([[ $sink != - ]] && printf '%.3f' "$(bc -l <<<"$sink * $TICK_MS / $n")" || echo -)" \
		"$([[ $self != - ]] && printf '   self: %.3f s, %.0f msg/s, cpu %.3f ms/msg' "$self" "$(bc -l <<<"$n / $self")" "$selfcpu")"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# med ROW NAME FIELD: the median of a results column over the successful runs
med() {
	awk -v r="$1" -v n="$2" -v f="$3" '$1 == r && $2 == n && $5 != "FAIL" && $f != "-" { print $f }' "$results" | median
}
cpu_of() { # ROW NAME: median process CPU ms per message
	awk -v r="$1" -v n="$2" '$1 == r && $2 == n && $5 != "FAIL" { print ($6 + $7) * 1000 / $4 }' "$results" | median
}
sink_of() { # ROW NAME: median sink CPU ms per message
	awk -v r="$1" -v n="$2" -v t="$TICK_MS" '$1 == r && $2 == n && $5 != "FAIL" && $12 != "-" { print $12 * t / $4 }' "$results" | median
}
fails() { awk -v r="$1" -v n="$2" '$1 == r && $2 == n && $5 == "FAIL"' "$results" | wc -l; }

echo "commit $commit${dirty:+ (with uncommitted changes)}; $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(free -g | awk '/Mem:/ { print $2 }') GiB"
echo "$(go version | cut -d' ' -f3); smtp-sink $sink_addr, fastsink $fast_addr${sub_addr:+, Postfix submission $sub_addr}${CPUS:+; all pinned to CPU $CPUS}"
echo "runs per contender: $RUNS, interleaved; load average at start: $(load)"

declare -A load_before load_after
for row in a b c d e f g; do
	want "$row" || continue
	[[ $row == g && -z $sub_addr ]] && continue
	echo
	echo "== row $row"
	for name in $(contenders "$row"); do echo "  $name: $(cmd_of "$row" "$name")"; done
	load_before[$row]=$(load)
	for ((r = 1; r <= RUNS; r++)); do
		for name in $(contenders "$row"); do run_one "$row" "$name" "$r"; done
	done
	load_after[$row]=$(load)
done

# ---------------------------------------------------------------- report
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "") print "-"; else printf f, v }'; }
rate() { awk -v n="$1" -v ns="$2" 'BEGIN { if (ns == "nan" || ns == "") print "nan"; else print n / (ns / 1e9) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b == 0) print "nan"; else print a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "nan" || v == "") print "no figure"; else if (t == "-") print "(for information)"; else if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "met"; else print "MISSED" }'; }

echo
echo "== results (medians of $RUNS runs; msg/s = messages / median wall clock of the process)"
printf '| row | contender | msgs/run | wall s | msg/s | CPU ms/msg (process) | sink CPU ms/msg | peak RSS KiB | self msg/s | self CPU ms/msg | failed runs | load before → after |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
declare -A rate_of self_rate_of
for row in a b c d e f g; do
	want "$row" || continue
	[[ $row == g && -z $sub_addr ]] && continue
	for name in $(contenders "$row"); do
		n=$(count "$row" "$name")
		wall=$(med "$row" "$name" 5)
		rate_of[$row/$name]=$(rate "$n" "$wall")
		self=$(med "$row" "$name" 9)
		selfrate=$(rate "$n" "$(awk -v s="$self" 'BEGIN { print (s == "nan") ? "nan" : s * 1e9 }')")
		self_rate_of[$row/$name]=$selfrate
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s → %s |\n' "$row" "$name" "$n" \
			"$(fmt "$(awk -v w="$wall" 'BEGIN { print (w == "nan") ? "nan" : w / 1e9 }')" '%.3f')" \
			"$(fmt "${rate_of[$row/$name]}" '%.0f')" "$(fmt "$(cpu_of "$row" "$name")" '%.3f')" "$(fmt "$(sink_of "$row" "$name")" '%.3f')" \
			"$(fmt "$(med "$row" "$name" 8)" '%.0f')" "$(fmt "$selfrate" '%.0f')" \
			"$(fmt "$(med "$row" "$name" 10)" '%.3f')" "$(fails "$row" "$name")" \
			"${load_before[$row]%% *}" "${load_after[$row]%% *}"
	done
done

echo
echo "== targets"
printf '| row | measure | figure | target | verdict |\n|---|---|---|---|---|\n'
target_ratio() { # ROW OURS PEER TARGET LABEL
	local v
	v=$(ratio "${rate_of[$1/$2]:-nan}" "${rate_of[$1/$3]:-nan}")
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$5" "$(fmt "$v" '%.2fx')" "$([[ $4 == - ]] && echo - || echo ">= $4")" "$(verdict "$v" "$4" ">=")"
}
target_max() { # ROW VALUE TARGET LABEL [FORMAT]
	printf '| %s | %s | %s | <= %s | %s |\n' "$1" "$4" "$(fmt "$2" "${5:-%.3f}")" "$3" "$(verdict "$2" "$3" "<=")"
}
for row in a b c; do
	want "$row" || continue
	t=1.5
	[[ $row == c ]] && t=1.8
	target_ratio "$row" smtpctl smtp-source "$t" "smtpctl / smtp-source msg/s"
	target_ratio "$row" smtpctl net/smtp "-" "smtpctl / net/smtp msg/s (no target)"
	target_ratio "$row" smtpctl-1proc smtp-source "-" "smtpctl with GOMAXPROCS=1 / smtp-source msg/s (no target)"
	target_ratio "$row" floor-go smtp-source "-" "Go protocol floor / smtp-source msg/s: the ceiling of a Go client (no target)"
	target_ratio "$row" floor-go-1proc smtp-source "-" "Go protocol floor with GOMAXPROCS=1 / smtp-source msg/s (no target)"
	[[ -n $floor_c ]] && target_ratio "$row" floor-c smtp-source "-" "C protocol floor / smtp-source msg/s (no target)"
	target_ratio "$row" smtpctl floor-go "-" "smtpctl / Go protocol floor msg/s (no target)"
	if [[ $row == a ]]; then
		target_ratio a floor-go-sync smtp-source "-" "Go floor of a synchronous send (two round trips a message) / smtp-source msg/s (no target)"
		target_ratio a smtpctl floor-go-sync "-" "smtpctl / Go floor of a synchronous send msg/s (no target)"
	fi
done
if want d; then
	target_max d "$(med d smtpctl 10)" 1.5 "CPU ms/msg during the run (getrusage)"
	target_max d "$(cpu_of d smtpctl)" 1.5 "CPU ms/msg of the whole process (/usr/bin/time)"
fi
if want e; then
	for name in smtpctl smtpctl-memory; do
		src=$(cat "$work/rawsource-e-$name" 2>/dev/null || echo '?')
		target_ratio e "$name" smtp-source 1 "$name / smtp-source msg/s ($src)"
		target_max e "$(med e "$name" 10)" 1 "$name CPU ms/msg during the run, getrusage ($src)"
		target_max e "$(cpu_of e "$name")" 1 "$name CPU ms/msg of the whole process, /usr/bin/time ($src)"
	done
fi
if want f; then
	target_max f "$(med f smtpctl-bench-raw 8)" 16384 "peak RSS KiB, bench raw, $(stat -c %s "$msg34") octets ($(cat "$work/rawsource-f-smtpctl-bench-raw" 2>/dev/null || echo '?'))" '%.0f'
	target_max f "$(med f smtpctl-send 8)" 16384 "peak RSS KiB, smtpctl send --message-file, $(stat -c %s "$msg34") octets" '%.0f'
fi
if want g && [[ -n $sub_addr ]]; then
	target_ratio g smtpctl-pool smtpctl-no-pool 10 "pool / no pool msg/s ($(fmt "${rate_of[g/smtpctl-pool]}" '%.0f') vs $(fmt "${rate_of[g/smtpctl-no-pool]}" '%.1f'))"
	v=$(ratio "${self_rate_of[g/smtpctl-pool]:-nan}" "${self_rate_of[g/smtpctl-no-pool]:-nan}")
	printf '| g | pool / no pool msg/s on smtpctl bench'"'"'s own clock, start-up left out (%s vs %s) | %s | - | (for information) |\n' \
		"$(fmt "${self_rate_of[g/smtpctl-pool]}" '%.0f')" "$(fmt "${self_rate_of[g/smtpctl-no-pool]}" '%.1f')" "$(fmt "$v" '%.2fx')"
fi
echo
echo "load average at the end: $(load)"
