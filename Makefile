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
	git diff --exit-code -- '*_templ.go' internal/postgres/dbsqlc

.PHONY: lint
lint: ## gofmt, go vet and golangci-lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0 run ./...
