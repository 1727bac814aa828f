# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
SWIFT ?= swift
EXAMPLES ?=

.PHONY: setup build run examples test test-tsan bench clean

# Debian packages the build needs; installed when missing (as root, or through sudo).
DEBIAN_PACKAGES := libmicrohttpd-dev zlib1g-dev
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

# Performance targets of SPEC §4 (release build, never part of `make test`).
bench: setup
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/streamkit-bench $(BENCH)

clean:
	rm -rf .build .build-* Benchmarks/.build
