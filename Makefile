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

# Builds streamd and serves config/streamd.yaml on 127.0.0.1:8080 (Ctrl-C drains and stops).
CONFIG ?= config/streamd.yaml
run: setup
	$(SWIFT) build --product streamd
	@echo ""
	@echo "streamd on 127.0.0.1:8080 with $(CONFIG). Try, in another terminal:"
	@echo "  curl -s localhost:8080/v1/pipelines"
	@echo "  curl -s -X POST localhost:8080/v1/pipelines/web-events/events -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"timestamp\": 1634567890, \"user_id\": \"user1\", \"event_type\": \"click\", \"data\": {\"page\": \"home\"}}'"
	@echo "  curl -s 'localhost:8080/v1/pipelines/web-events/output?limit=5'"
	@echo "  printf '{\"timestamp\": %s, \"source\": \"server1\", \"value\": 90}\\n' \$$(date +%s.%N) | \\"
	@echo "       curl -s -X POST localhost:8080/v1/pipelines/metrics/events -H 'Content-Type: application/x-ndjson' --data-binary @-"
	@echo "  curl -s localhost:8080/v1/pipelines/metrics/windows; curl -s localhost:8080/v1/alerts"
	@echo "  curl -s localhost:8080/v1/metrics"
	@echo ""
	@$$($(SWIFT) build --show-bin-path)/streamd run --config $(CONFIG)

# Runs the seed guide's StreamKit examples (all, or EXAMPLES="channel-basics windowing").
examples: setup
	$(SWIFT) build --product streamkit-examples
	@$$($(SWIFT) build --show-bin-path)/streamkit-examples $(EXAMPLES)

test: setup
	$(SWIFT) test

# The concurrency tests under the thread sanitizer (separate build folder). Suites run one at a
# time: under the sanitizer everything is ~10x slower, and the end-to-end suites' blocking HTTP
# calls plus CPU-heavy suites would starve the timing-sensitive ones of the cooperative pool.
test-tsan: setup
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --no-parallel

# Performance targets of SPEC §4 (release build, never part of `make test`): P1–P4 in Swift,
# then P5, P6 and P6W over HTTP (Benchmarks/http-bench.sh). BENCH="P1 P5" runs a subset.
bench: setup bench-setup
	@# SwiftPM keeps a path dependency's file list in its build plan: drop the plan so files added
	@# to StreamKit since the last `make bench` are seen (re-planning takes a second).
	rm -f Benchmarks/.build/release.yaml
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/streamkit-bench $(BENCH)
	SWIFT=$(SWIFT) Benchmarks/http-bench.sh $(BENCH)

# setup's mechanism with the benchmark-only packages.
bench-setup:
	@$(MAKE) --no-print-directory setup DEBIAN_PACKAGES="$(BENCH_PACKAGES)"

clean:
	rm -rf .build .build-* Benchmarks/.build
