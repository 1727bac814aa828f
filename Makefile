# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
SWIFT ?= swift
EXAMPLES ?=

.PHONY: setup build run examples test test-tsan bench bench-setup clean

# Debian packages the build needs; installed when missing (as root, or through sudo).
DEBIAN_PACKAGES := libmicrohttpd-dev zlib1g-dev
# What only `make bench` needs (HTTP benchmarks P5/P6: load generator, metrics polling; cc is
# already there for the Swift toolchain); installed the same way, by `bench-setup`.
BENCH_PACKAGES := wrk curl jq
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Checks the toolchain and installs the missing Debian packages.
setup:
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6 toolchain not found on PATH (https://swift.org/install)"; exit 1; }
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

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

# Performance targets of SPEC §4 (release build, never part of `make test`): P1–P3 in Swift,
# then P5/P6 over HTTP (Benchmarks/http-bench.sh). BENCH="P1 P5" runs a subset.
bench: setup bench-setup
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/streamkit-bench $(BENCH)
	SWIFT=$(SWIFT) Benchmarks/http-bench.sh $(BENCH)

# setup's mechanism with the benchmark-only packages.
bench-setup:
	@$(MAKE) --no-print-directory setup DEBIAN_PACKAGES="$(BENCH_PACKAGES)"

clean:
	rm -rf .build .build-* Benchmarks/.build
