# Kaoping: `make demo` runs the system locally, `make test` runs every test. Both set up what is missing first.

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
BIN := .build/debug
## The Python checks run in the project's own virtual environment (never the system's Python): `make test-tools`.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
export VENV

.PHONY: all deps test-tools build style test chaos fuzz fuzz-keep bench demo fresh clean

all: build

## deps: install the system packages Kaoping needs (libzmq, jemalloc, python3 via apt) when they are missing.
deps:
	@scripts/ensure-deps.sh

## test-tools: deps, and the Python test tools pinned in Tests/requirements.txt, in $(VENV)/.
test-tools:
	@scripts/ensure-deps.sh --test-tools

## build: compile every target (debug).
build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

## style: the house format a machine can check (Swift lines of at most 120 characters, 4-space indents).
style: test-tools
	$(PYTHON) scripts/check-style.py

## The Swift suites take about a minute; a hung test stops the run after TEST_TIMEOUT seconds (scripts/bounded.sh).
TEST_TIMEOUT ?= 900
## test: the house format; unit, rule, multi-process and command-line tests; the differential check against the
## reference scorer; the protocol check with a Python client written from docs/protocol.md; the web console in
## Debian's chromium (Playwright; screenshots in .build/web-screenshots/).
test: style build
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/bounded.sh $(TEST_TIMEOUT) $(SWIFT) test --skip-build --disable-xctest $(SWIFT_BUILD_FLAGS)
	$(PYTHON) Tests/reference/differential.py --kaoping $(BIN)/kaoping --campaigns 60
	$(PYTHON) Tests/protocol/run.py --bin $(BIN)
	scripts/bounded.sh 600 $(PYTHON) Tests/web/run.py --bin $(BIN)
	$(BIN)/kaoping-fuzz Tests/fuzz/corpus Tests/fuzz/crashes

## chaos: agents deliver a full campaign while the aggregator (and some agents) are killed at random, CYCLES times.
CYCLES ?= 25
chaos: test-tools build
	$(PYTHON) Tests/chaos/chaos.py --bin $(BIN) --cycles $(CYCLES)

## fuzz: libFuzzer (with AddressSanitizer, release build) over each parser of outside input for SECONDS seconds each
## (FUZZ_TARGETS: envelope control score-line score-file inbox keys), two at a time. What a run finds new is kept in
## .build-fuzz/corpus/TARGET (`make fuzz-keep` merges it into Tests/fuzz/corpus/TARGET); a crash is written to
## Tests/fuzz/crashes/: commit it, and `make test` replays it from then on. The figures: docs/reliability.md.
SECONDS ?= 60
FUZZ_TARGETS ?= envelope control score-line score-file inbox keys
FUZZ := .build-fuzz/release/kaoping-fuzz
fuzz: deps
	$(SWIFT) build -c release --product kaoping-fuzz --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address \
		-Xswiftc -DFUZZING
	@for target in $(FUZZ_TARGETS); do mkdir -p .build-fuzz/corpus/$$target; done
	@echo $(FUZZ_TARGETS) | tr ' ' '\n' | xargs -P 2 -I{} sh -c 'KAOPING_FUZZ_TARGET={} $(FUZZ) \
		.build-fuzz/corpus/{} Tests/fuzz/corpus/{} -max_total_time=$(SECONDS) -max_len=4096 -timeout=10 \
		-artifact_prefix=Tests/fuzz/crashes/{}- -print_final_stats=1 > .build-fuzz/{}.log 2>&1; \
		echo "fuzz {}: $$(grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|cov:" .build-fuzz/{}.log \
		| tail -3 | tr -s " " | tr "\n" " ")"'

## fuzz-keep: merge what the last `make fuzz` found into the committed corpus, minimized (libFuzzer -merge=1).
fuzz-keep:
	@for target in $(FUZZ_TARGETS); do KAOPING_FUZZ_TARGET=$$target $(FUZZ) -merge=1 Tests/fuzz/corpus/$$target \
		.build-fuzz/corpus/$$target > /dev/null 2>&1 && echo "fuzz-keep $$target: $$(ls Tests/fuzz/corpus/$$target | wc -l) inputs"; done

## bench: ingest throughput and latency at city scale (DISTRICTS districts) against this machine's own ceilings,
## release build; prints a table and writes bench/results.json. See docs/benchmarks.md.
DISTRICTS ?= 6000
RUNS ?= 3
bench: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)
	.build/release/kaoping-bench --bin .build/release --districts $(DISTRICTS) --runs $(RUNS) --out bench/results.json

## demo: the aggregator and 30 agents on this machine, the live ranking, then the final table.
demo: build
	@deploy/demo/run-demo.sh $(BIN)

## fresh: forget the incremental build of Kaoping's own modules (debug and release), keeping the packages built.
## After a change to the stored properties of a public struct, SwiftPM has been seen to leave a dependent module
## built against the old layout: tests then crash in an "outlined copy" of that struct. A clean build never does.
fresh:
	for dir in .build/debug .build/release; do \
		[ -d $$dir ] && (cd $$dir && rm -rf Kaoping*.build kaoping*.build ZeroMQ*.build CZeroMQ*.build \
			Modules/Kaoping* Modules/ZeroMQ* Modules/CZeroMQ* Modules/kaoping*) || true; \
	done

clean:
	rm -rf .build $(VENV)
