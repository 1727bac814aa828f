# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
SWIFT ?= swift
EXAMPLES ?=

.PHONY: help setup build run examples test test-setup tsan test-tsan bench bench-setup release install uninstall clean

# Debian packages the build needs; installed when missing (as root, or through sudo).
DEBIAN_PACKAGES := libmicrohttpd-dev zlib1g-dev
# What only `make bench` needs (HTTP benchmarks P5/P6: load generator, metrics polling; cc is
# already there for the Swift toolchain); installed the same way, by `bench-setup`.
BENCH_PACKAGES := wrk curl jq
# What only `make test` adds: systemd-analyze, to verify the unit `make install` installs, and
# promtool (Debian ships it only in `prometheus`), which an end-to-end test runs on `/metrics`.
# Installed without recommended packages (prometheus would pull in node-exporter); the package's
# own service is not started where no init system runs (invoke-rc.d then blocks it).
TEST_PACKAGES := systemd prometheus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Extra `apt-get install` options for setup's mechanism.
APT_OPTIONS ?=

# Checks the toolchain and installs the missing Debian packages (a removed package whose
# configuration files remain counts as missing), never asking: `env` passes DEBIAN_FRONTEND
# through sudo, which would otherwise reset it.
setup: ## check the Swift toolchain, install missing Debian build packages
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6 toolchain not found on PATH (https://swift.org/install)"; exit 1; }
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f '$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_OPTIONS) $$missing >/dev/null; \
	fi

build: setup ## debug build of everything
	$(SWIFT) build

# Builds streamd and serves config/streamd.yaml on 127.0.0.1:8080 (Ctrl-C drains and stops).
CONFIG ?= config/streamd.yaml
run: setup ## build streamd and serve config/streamd.yaml (CONFIG=FILE) on 127.0.0.1:8080
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
examples: setup ## run the seed guide's StreamKit examples (EXAMPLES="windowing ...")
	$(SWIFT) build --product streamkit-examples
	@$$($(SWIFT) build --show-bin-path)/streamkit-examples $(EXAMPLES)

# The end-to-end suites run on their own: they wait on real processes and sockets, which holds
# threads of Swift's cooperative pool and would starve the timing-sensitive unit tests.
test: setup test-setup ## the whole test suite, then the `make install` check
	$(SWIFT) test --skip EndToEndTests
	$(SWIFT) test --skip-build --filter EndToEndTests
	@# `make install` into temporary trees (a release build, about a minute: it also catches code
	@# that only the optimiser rejects) and `systemd-analyze verify` on the installed unit.
	deploy/install-check.sh

# The whole suite under the thread sanitizer (separate build folder), as `swift test` runs it:
# tests drive time with injected clocks and wait for what happens, never for real-time
# deadlines, so the sanitizer's slowdown cannot fail them. Run it before resolving any issue
# that touches concurrency. (`test-tsan` is the former name.)
tsan: setup test-setup ## the whole test suite under the thread sanitizer
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

test-tsan: tsan ## the same as tsan (its former name)

# Performance targets of SPEC §4 (release build, never part of `make test`): P1–P4 in Swift,
# then P5, P6 and P6W over HTTP (Benchmarks/http-bench.sh). BENCH="P1 P5" runs a subset.
bench: setup bench-setup ## performance benchmarks, release mode (BENCH="P1 P5")
	@# SwiftPM keeps a path dependency's file list in its build plan: drop the plan so files added
	@# to StreamKit since the last `make bench` are seen (re-planning takes a second).
	rm -f Benchmarks/.build/release.yaml
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/streamkit-bench $(BENCH)
	SWIFT=$(SWIFT) Benchmarks/http-bench.sh $(BENCH)

# setup's mechanism with the test-only packages.
test-setup: ## install the Debian packages only the tests need
	@$(MAKE) --no-print-directory setup DEBIAN_PACKAGES="$(TEST_PACKAGES)" APT_OPTIONS=--no-install-recommends

# setup's mechanism with the benchmark-only packages.
bench-setup: ## install the Debian packages only the benchmarks need
	@$(MAKE) --no-print-directory setup DEBIAN_PACKAGES="$(BENCH_PACKAGES)"

# `make install` (README, "Deployment"): the release binary to $(PREFIX)/bin, the systemd unit
# (its ExecStart pointing there) and the default configuration; DESTDIR stages the whole tree
# elsewhere (packages, deploy/install-check.sh). The unit's and the configuration's places are
# fixed by systemd and by the unit. NO_BUILD=1 installs the release binary already built.
PREFIX ?= /usr/local
DESTDIR ?=
UNIT_DIR := /etc/systemd/system
CONFIG_DIR := /etc/streamd
RELEASE_BIN := .build/release/streamd

release: setup ## release build of streamd
	$(SWIFT) build -c release --product streamd

# The configuration is 0644, not 0640: the unit's DynamicUser= is neither its owner nor in its
# group (secrets go to /etc/streamd/streamd.env, 0600, read by systemd). An existing
# configuration is never overwritten: the new default goes next to it as streamd.yaml.default.
install: $(if $(NO_BUILD),,release) ## install streamd, its systemd units and configuration (PREFIX, DESTDIR, NO_BUILD=1)
	@test -x $(RELEASE_BIN) || { echo "error: no $(RELEASE_BIN): run 'make install' without NO_BUILD=1"; exit 1; }
	install -D -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/streamd
	install -d -m 0755 $(DESTDIR)$(UNIT_DIR) $(DESTDIR)$(CONFIG_DIR)
	@# The unit names the default PREFIX's binary; rewritten for another PREFIX (no-op otherwise).
	sed 's|^ExecStart=/usr/local/bin/streamd |ExecStart=$(PREFIX)/bin/streamd |' deploy/streamd.service > $(DESTDIR)$(UNIT_DIR)/streamd.service
	chmod 0644 $(DESTDIR)$(UNIT_DIR)/streamd.service
	install -m 0644 deploy/streamd.socket $(DESTDIR)$(UNIT_DIR)/streamd.socket
	@if [ -e $(DESTDIR)$(CONFIG_DIR)/streamd.yaml ]; then \
		echo "install -m 0644 deploy/streamd.yaml $(DESTDIR)$(CONFIG_DIR)/streamd.yaml.default"; \
		install -m 0644 deploy/streamd.yaml $(DESTDIR)$(CONFIG_DIR)/streamd.yaml.default; \
		echo "kept the existing $(DESTDIR)$(CONFIG_DIR)/streamd.yaml; the new default is streamd.yaml.default next to it"; \
	else \
		echo "install -m 0644 deploy/streamd.yaml $(DESTDIR)$(CONFIG_DIR)/streamd.yaml"; \
		install -m 0644 deploy/streamd.yaml $(DESTDIR)$(CONFIG_DIR)/streamd.yaml; \
	fi
	@echo "next: systemctl daemon-reload && systemctl enable --now streamd"

# Removes the binary, the unit and the spare default; keeps the configuration and the state
# (/var/lib/private/streamd). Run `systemctl disable --now streamd` first.
uninstall: ## remove what `make install` installed, keeping configuration and state
	rm -f $(DESTDIR)$(PREFIX)/bin/streamd $(DESTDIR)$(UNIT_DIR)/streamd.service $(DESTDIR)$(UNIT_DIR)/streamd.socket $(DESTDIR)$(CONFIG_DIR)/streamd.yaml.default
	@echo "kept $(DESTDIR)$(CONFIG_DIR)/streamd.yaml and the state; next: systemctl daemon-reload"

clean: ## remove the build folders
	rm -rf .build .build-* Benchmarks/.build

# The targets with their `## ` descriptions, read from this file so the list cannot go stale
# (awk's printf, not echo, turns the \n into line breaks).
help: ## this list
	@echo "make TARGET, where TARGET is one of:"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
