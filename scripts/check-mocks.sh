#!/usr/bin/env bash
# Regenerates the mocks and fails when that changes the tree.
set -euo pipefail
export PATH="$PATH:$(go env GOPATH)/bin"
command -v mockgen >/dev/null || go install github.com/golang/mock/mockgen@v1.6.0
go generate ./...
if ! git diff --quiet -- mocks || [ -n "$(git status --porcelain -- mocks)" ]; then
  echo "mocks/ is stale: run 'go generate ./...' and commit the result" >&2
  git status --short -- mocks >&2
  exit 1
fi
echo "mocks: up to date"
