# Caliopen — build, run, test, measure. See README.md.
#   make run     build everything and start the app on http://127.0.0.1:8080 with the demo sandbox
#   make serve   the relay alone, for self-hosting (no sandbox)
#   make test    install what is missing, then run every test
#   make bench   print BENCH lines (BENCH=<prefix> to select)

SHELL := /bin/bash
GO ?= go
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0-dev)
BUILD := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
LDFLAGS := -s -w -X caliopen/shared/version.Version=$(VERSION) -X caliopen/shared/version.Build=$(BUILD)
GOFLAGS_BUILD := -trimpath -ldflags="$(LDFLAGS)"
BIN := $(CURDIR)/.bin
WASM_EXEC := $(BIN)/go_js_wasm_exec
RELAY := $(BIN)/relay
# A relay whose app can make up a mailbox (dev.seedSynthetic): for benchmarks and tests only.
RELAY_SYNTHETIC := $(BIN)/relay-synthetic
SANDBOX := $(BIN)/sandbox
# Packages that build for the browser (everything under wasm/ and shared/).
WASM_PKGS := ./wasm/... ./shared/...
LISTEN ?= 127.0.0.1:8080
BENCH ?=

.PHONY: serve sandbox first-token all deps deps-go deps-web deps-system core web relay run test test-fmt test-vet test-go test-wasm test-ts test-e2e bench clean

all: relay

## Setup ---------------------------------------------------------------------------------
deps: deps-system deps-go deps-web

deps-system:
	@bash .ci/deps.sh

deps-go:
	@$(GO) mod download
	@mkdir -p $(BIN)
	@test -x $(WASM_EXEC) || $(GO) build -o $(WASM_EXEC) github.com/agnivade/wasmbrowsertest

deps-web:
	@cd web && { test -d node_modules/.bin && npm ls --silent >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; }

## Build ---------------------------------------------------------------------------------
core: deps-go
	@mkdir -p .build
	GOOS=js GOARCH=wasm $(GO) build $(GOFLAGS_BUILD) -o .build/core.wasm ./wasm/cmd/core

web: core deps-web
	$(GO) run ./wasm/api/tsgen
	cd web && CALIOPEN_VERSION=$(VERSION)+$(BUILD) node build.mjs

relay: web
	$(GO) build $(GOFLAGS_BUILD) -o $(RELAY) ./relay/cmd/relay

# The same app with a core that can store a synthetic mailbox (-tags synthetic), embedded by
# a relay of its own; the product (make relay) never has it. Gzip only: brotli takes minutes.
core-synthetic: deps-go
	@mkdir -p .build
	GOOS=js GOARCH=wasm $(GO) build $(GOFLAGS_BUILD) -tags synthetic -o .build/core-synthetic.wasm ./wasm/cmd/core

web-synthetic: core-synthetic deps-web
	cd web && CALIOPEN_VERSION=$(VERSION)+$(BUILD)-synthetic node build.mjs --wasm ../.build/core-synthetic.wasm --out ../relay/webapp/synthetic --no-brotli

relay-synthetic: web-synthetic
	$(GO) build $(GOFLAGS_BUILD) -tags synthetic -o $(RELAY_SYNTHETIC) ./relay/cmd/relay

DATA ?= caliopen-data

sandbox:
	$(GO) build $(GOFLAGS_BUILD) -o $(SANDBOX) ./relay/cmd/sandbox

first-token:
	@if [ ! -s $(DATA)/tokens.json ]; then \
	  echo "First run: issuing a relay access token for this computer (enter it in the app's Relay step)."; \
	  token=$$($(RELAY) -data $(DATA) token add local | tail -n 1); \
	  echo "  token: $$token"; \
	  echo "  or open http://$(LISTEN)/#relay-token=$$token (the token stays in the browser: a URL fragment is never sent)"; \
	else \
	  echo "Relay tokens were issued before (the relay keeps only their hashes). A browser that used one keeps it;"; \
	  echo "  for a new one: $(RELAY) -data $(DATA) token add <name>  (list: token list, revoke: token revoke <name>)"; \
	fi

# RESET=1 starts the sandbox's story again (its mailbox, keys and timeline).
run: deps-go deps-web relay sandbox first-token
	$(SANDBOX) -relay $(RELAY) -listen $(LISTEN) -data $(DATA) $(if $(RESET),-reset)

serve: deps-go deps-web relay first-token
	$(RELAY) -listen $(LISTEN) -data $(DATA)

## Test ----------------------------------------------------------------------------------
test: deps test-fmt test-vet test-go test-wasm test-ts test-e2e
	@echo "make test: all tests passed"

test-fmt:
	@out=$$(gofmt -l wasm relay shared); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run ./wasm/api/tsgen -check

test-vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

test-go:
	$(GO) test -timeout 600s ./...

test-wasm: deps-go
	GOOS=js GOARCH=wasm $(GO) test -timeout 600s -exec $(WASM_EXEC) $(WASM_PKGS)

test-ts: deps-web
	cd web && npm run --silent typecheck

test-e2e: relay relay-synthetic sandbox
	cd web && CALIOPEN_RELAY_BIN=$(RELAY) CALIOPEN_RELAY_SYNTHETIC_BIN=$(RELAY_SYNTHETIC) CALIOPEN_SANDBOX_BIN=$(SANDBOX) node --test --test-concurrency=1 e2e/

## Measure -------------------------------------------------------------------------------
bench: relay relay-synthetic
	@BENCH='$(BENCH)' CALIOPEN_RELAY_BIN=$(RELAY) CALIOPEN_RELAY_SYNTHETIC_BIN=$(RELAY_SYNTHETIC) bash .ci/bench

clean:
	rm -rf .build .bin web/node_modules
	find relay/webapp/dist relay/webapp/synthetic -mindepth 1 ! -name PLACEHOLDER -delete
