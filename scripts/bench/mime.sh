#!/usr/bin/env bash
# Encoder and body-writer micro-benchmarks, and the peak memory of rendering
# a message with a 25 MB attachment.
#
#   scripts/bench/mime.sh [-c COUNT]     (benchmark repetitions, default 5)
#
# 1. go test -bench=Encode ./adapters/mime (1 KB text, 1 MB in memory, 25 MB
#    from a file) and -bench=BodyWriter ./adapters/tcp (ours vs
#    net/textproto's DotWriter), -benchmem, COUNT times each; summarised by
#    benchstat when it is installed (go install golang.org/x/perf/cmd/benchstat@latest).
# 2. /usr/bin/time -v smtpctl render --attach <25 MB file> >/dev/null: the
#    "Maximum resident set size", next to the same render without the
#    attachment as a baseline.
# Raw outputs are kept in $BENCH_OUT (default a new /tmp/smtp-mime.XXXXXX).
set -euo pipefail

COUNT=5
while getopts "c:h" opt; do
	case $opt in
	c) COUNT=$OPTARG ;;
	*)
		sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
		exit 64
		;;
	esac
done
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 1 && COUNT <= 50)) || { echo "mime.sh: COUNT must be 1..50" >&2; exit 64; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${BENCH_OUT:-$(mktemp -d /tmp/smtp-mime.XXXXXX)}"
mkdir -p "$out"
cd "$root"

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version)"
echo "raw output in $out"

# ------------------------------------------------------------ benchmarks
go test -run=NONE -bench=Encode -benchmem -count="$COUNT" -timeout=30m ./adapters/mime | tee "$out/mime.txt"
go test -run=NONE -bench=BodyWriter -benchmem -count="$COUNT" -timeout=30m ./adapters/tcp | tee "$out/bodywriter.txt"

benchstat="$(command -v benchstat || true)"
if [[ -z $benchstat ]]; then
	gobin="$(go env GOBIN)"
	[[ -n $gobin ]] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
	[[ -x $gobin/benchstat ]] && benchstat="$gobin/benchstat"
fi
if [[ -n $benchstat ]]; then
	echo
	echo "== benchstat: encoder"
	"$benchstat" "$out/mime.txt"
	echo
	echo "== benchstat: body writer (ours vs net/textproto)"
	"$benchstat" "$out/bodywriter.txt"
else
	echo "(benchstat not installed: raw figures above)"
fi

# --------------------------------------------------- peak RSS of a render
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "mime.sh: $TIME not found: apt-get install time" >&2; exit 69; }
go build -o "$out/smtpctl" ./cmd/smtpctl
big="$out/attachment-25MB.bin"
head -c $((25 << 20)) /dev/urandom >"$big"
render=("$out/smtpctl" render --from a@example.test --to b@example.test --subject "25 MB" --text "attached")
rss() { # label, then the command: prints its peak RSS in KiB
	local label=$1
	shift
	"$TIME" -v "$@" >/dev/null 2>"$out/time-$label.txt" || { cat "$out/time-$label.txt" >&2; exit 1; }
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$out/time-$label.txt"
}
base=$(rss base "${render[@]}")
with=$(rss 25mb "${render[@]}" --attach "$big")
wall=$(sed -n 's/^.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time-25mb.txt")
echo
echo "== smtpctl render peak RSS (Maximum resident set size)"
printf '%-34s %8s KiB\n' "without attachment" "$base" "with a 25 MB file attachment" "$with"
printf '%-34s %8s KiB   (render took %s wall clock)\n' "difference" "$((with - base))" "$wall"
rm -f "$big"
