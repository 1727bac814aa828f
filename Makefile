# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
SWIFT ?= swift
EXAMPLES ?=

.PHONY: setup build run examples test test-tsan bench clean

# Checks the toolchain. (The daemon's Debian packages are added here when the daemon lands.)
setup:
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6 toolchain not found on PATH (https://swift.org/install)"; exit 1; }
	@$(SWIFT) --version 2>/dev/null | head -1

build: setup
	$(SWIFT) build

# Runs the seed guide's examples (all, or EXAMPLES="channel-basics windowing").
run: examples
examples: setup
	$(SWIFT) build --product streamkit-examples
	@$$($(SWIFT) build --show-bin-path)/streamkit-examples $(EXAMPLES)

test: setup
	$(SWIFT) test

# The concurrency tests under the thread sanitizer (slower; separate build folder).
test-tsan: setup
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# Performance targets of SPEC §4 (release build, never part of `make test`).
bench: setup
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/streamkit-bench $(BENCH)

clean:
	rm -rf .build .build-* Benchmarks/.build
