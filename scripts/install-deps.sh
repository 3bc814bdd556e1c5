#!/usr/bin/env bash
# Installs what the tests need besides the SMTP servers: python3 (for the
# MIME round trips through Python's email package) and mockgen.
set -euo pipefail
if ! command -v python3 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3 >/dev/null
fi
export PATH="$PATH:$(go env GOPATH)/bin"
command -v mockgen >/dev/null || go install github.com/golang/mock/mockgen@v1.6.0
echo "deps: python3 $(python3 -c 'import sys; print(sys.version.split()[0])'), mockgen ready"
