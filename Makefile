# Tranche. The README's two commands are `make run` and `make test`.
GO ?= go

.PHONY: run test test-short build vet fmt bench

run: ## start Tranche on DATABASE_URL or a private PostgreSQL in ./data; an empty database gets the demo scenario
	$(GO) run ./cmd/tranche serve --demo

test: ## every test, against real PostgreSQL and headless Chromium
	$(GO) test -race -count=1 -timeout 30m ./...

build:
	$(GO) build -o bin/tranche ./cmd/tranche

vet:
	gofmt -l . | tee /dev/stderr | (! read)
	$(GO) vet ./...

bench: ## benchmarks; figures go to docs/benchmarks.md
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: load
load: ## long forms of the load test (60 s, 32 provider clients) and the crash test (5 rounds); figures go to docs/benchmarks.md
	$(GO) run ./cmd/loadtest --duration 60s
	$(GO) run ./cmd/crashtest --rounds 5
