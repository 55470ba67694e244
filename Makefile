# Kaoping: `make demo` runs the system locally, `make test` runs every test. Both set up what is missing first.

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
PYTHON ?= python3
BIN := .build/debug

.PHONY: all deps build test demo clean

all: build

## deps: install the system libraries Kaoping needs (libzmq via apt) when they are missing.
deps:
	@scripts/ensure-deps.sh

## build: compile every target (debug).
build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

## test: unit, rule, multi-process and command-line tests; the differential check against the reference scorer;
## the protocol check with a Python client written from docs/protocol.md.
test: build
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build --disable-xctest $(SWIFT_BUILD_FLAGS)
	$(PYTHON) tests/reference/differential.py --kaoping $(BIN)/kaoping --campaigns 60
	$(PYTHON) tests/protocol/run.py --bin $(BIN)

## demo: score the shipped sample campaign and print the ranking.
demo: build
	@deploy/demo/run-demo.sh $(BIN)

clean:
	rm -rf .build
