#!/usr/bin/env bash
# Reads `go test -cover` output on stdin, prints each package's coverage and
# fails when a package is below its floor.
set -euo pipefail
declare -A floor=(
  [github.com/integrations/smtp/adapters/mime]=90
  [github.com/integrations/smtp/domain]=85
)
status=0
seen=""
while IFS= read -r line; do
  echo "$line"
  if [[ $line =~ ^ok[[:space:]]+([^[:space:]]+).*coverage:\ ([0-9.]+)%\ of\ statements ]]; then
    pkg=${BASH_REMATCH[1]}; pct=${BASH_REMATCH[2]}
    seen="$seen $pkg"
    if [[ -n ${floor[$pkg]:-} ]] && awk -v p="$pct" -v f="${floor[$pkg]}" 'BEGIN{exit !(p < f)}'; then
      echo "coverage: $pkg at $pct% is below its floor of ${floor[$pkg]}%" >&2
      status=1
    fi
  fi
done
for pkg in "${!floor[@]}"; do
  [[ $seen == *" $pkg"* ]] || { echo "coverage: no figure for $pkg" >&2; status=1; }
done
exit $status
