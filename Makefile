# The test target is what CI runs (.ci/run): it installs and starts the real
# servers the integration tests need, then runs every check.
SHELL := /bin/bash
GO ?= go
FUZZTIME ?= 5s
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin

.PHONY: test deps check fmt vet mocks unit fuzz servers integration itest stop-servers bench demo build

# The servers start first: some unit tests (the Redis limiter's) run their own
# redis-server, which the server install provides.
test: deps servers check unit fuzz itest

deps:
	./scripts/install-deps.sh

check: fmt vet mocks

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi; echo "gofmt: clean"

vet:
	$(GO) vet ./...
	$(GO) vet -tags integration ./test/integration/...

mocks:
	./scripts/check-mocks.sh

# Unit tests (the import-direction check in test/arch included) with the
# race detector and per-package coverage floors.
unit:
	set -o pipefail; $(GO) test -race -count=1 -cover -coverprofile=coverage.out ./... | ./scripts/coverage.sh

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

servers:
	./scripts/servers/install.sh
	./scripts/servers/start.sh
	python3 scripts/servers/selftest.py

# Integration tests against real Postfix and Mailpit on loopback; nothing is
# skipped: a missing server fails the run.
integration: servers itest

itest:
	set -a; source $${SMTP_TEST_DIR:-/tmp/smtp-itest}/env; set +a; \
	$(GO) test -race -count=1 -tags integration -timeout 15m ./test/integration/...

stop-servers:
	./scripts/servers/stop.sh

bench:
	$(GO) test -run=NONE -bench=. -benchmem ./...

build:
	$(GO) build -o bin/smtpctl ./cmd/smtpctl

demo:
	$(GO) run ./cmd/smtpctl demo
