#!/usr/bin/env bash
# Runs every Fuzz target of the module for a bounded time each
# (FUZZTIME, default 5s). A failing target fails the script.
set -euo pipefail
fuzztime=${FUZZTIME:-5s}
count=0
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for t in $targets; do
    echo "fuzz $pkg $t ($fuzztime)"
    go test -run=NONE -fuzz="^${t}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" >/tmp/fuzz-$t.log 2>&1 || { cat /tmp/fuzz-$t.log; exit 1; }
    count=$((count + 1))
  done
done
echo "fuzz: $count targets ran for $fuzztime each"
