# Switchboard developer entry points. `make help` lists them.
SHELL := /bin/bash
GO ?= go

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: run
run: build ## start Switchboard on http://127.0.0.1:8080 with its own PostgreSQL and demo data
	@# exec: signals sent to make's job reach Switchboard itself, which then
	@# shuts down in order and stops its PostgreSQL.
	exec bin/switchboard serve --demo

.PHONY: build
build: ## build bin/switchboard
	$(GO) build -o bin/switchboard ./cmd/switchboard

.PHONY: test
test: ## run every test against a real PostgreSQL (and Chromium where installed)
	$(GO) test -count=1 -timeout 45m ./...

# Dendrite, the Matrix homeserver the Matrix connector's tests start, is
# built from its own module (not this go.mod) and cached between runs.
DENDRITE_VERSION := v0.13.8
DENDRITE_DIR ?= $(or $(SWITCHBOARD_DENDRITE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/switchboard/dendrite-$(DENDRITE_VERSION))

.PHONY: dendrite
dendrite: ## build (once) the Matrix homeserver the Matrix tests run against
	@if [ -x "$(DENDRITE_DIR)/dendrite" ] && [ -x "$(DENDRITE_DIR)/generate-config" ] && [ -x "$(DENDRITE_DIR)/generate-keys" ]; then \
		echo "dendrite $(DENDRITE_VERSION): cached in $(DENDRITE_DIR)"; \
	else \
		cd "$$(mktemp -d)" && GOBIN="$(DENDRITE_DIR)" GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=1 $(GO) install \
			github.com/matrix-org/dendrite/cmd/dendrite@$(DENDRITE_VERSION) \
			github.com/matrix-org/dendrite/cmd/generate-config@$(DENDRITE_VERSION) \
			github.com/matrix-org/dendrite/cmd/generate-keys@$(DENDRITE_VERSION); \
	fi

.PHONY: e2e
e2e: ## run only the browser end-to-end tests
	$(GO) test -count=1 -run 'E2E' ./...

.PHONY: bench
bench: ## run the benchmarks; each prints its ratio against a baseline from the same run
	$(GO) run ./internal/bench

.PHONY: generate
generate: ## regenerate templ and sqlc code
	$(GO) tool templ generate
	cd internal/postgres && $(GO) tool sqlc generate -f sqlc.yaml

.PHONY: check-generated
check-generated: generate ## fail when committed generated code is stale
	git diff --exit-code -- '*_templ.go' internal/postgres/internal/dbsqlc

.PHONY: lint
lint: ## gofmt, go vet and golangci-lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0 run ./...
