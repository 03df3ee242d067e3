# Tochka: `make run` for the demo, `make test` for every test.
# Both install the system packages they need first (scripts/setup.sh says what).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(shell go env GOPATH 2>/dev/null || echo $(HOME)/go)/bin:$(PATH)
export CGO_ENABLED := 1
GO ?= go

.PHONY: run demo-cli test build lint bench setup setup-run setup-test

setup:
	@scripts/setup.sh

setup-run:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

# The kiosk's demo in a window; without a display, driven under Xvfb.
run: setup-run
	@scripts/kiosk-demo.sh

# A walk through tochkactl with both bundled programs.
demo-cli: setup
	@scripts/demo.sh

build: setup
	$(GO) build -o bin/tochkactl ./cmd/tochkactl
	$(GO) build -o bin/tochkad ./cmd/tochkad
	$(GO) build -o bin/tochka-kiosk ./cmd/tochka-kiosk

test: setup-test
	$(GO) build ./...
	$(GO) test -count=1 ./...
	@echo "every benchmark once, so that none goes stale (figures: compare medians of several runs):"
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./...

lint: setup
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@if $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0 -version >/dev/null 2>&1; then \
		$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...; \
	else echo "lint: staticcheck could not be fetched from the module proxy; skipped it"; fi

bench: setup-test
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
