#!/bin/sh
# Checks `make install` (README, "Deployment") into temporary DESTDIRs: the three files with
# their modes, the unit's ExecStart on the installed binary (also for another PREFIX), the
# installed binary accepting the installed configuration, an existing configuration kept on
# reinstall, `make uninstall`, and `systemd-analyze verify` on the installed unit when
# systemd-analyze is there.
#
#   deploy/install-check.sh                                # builds the release binary first (minutes)
#   STREAMD_INSTALL_SKIP_BUILD=1 deploy/install-check.sh   # installs .build/release/streamd as it is
#   STREAMD_INSTALL_BINARY=PATH deploy/install-check.sh    # installs that binary (`make test` passes
#                                                          # its debug build: the layout is the point)
set -eu
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
PREFIX=/usr/local
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# mode FILE EXPECTED: the file exists with exactly this mode.
mode() {
	if [ ! -f "$1" ]; then fail "$1 missing"
	elif [ "$(stat -c %a "$1")" = "$2" ]; then ok "$1 mode $2"
	else fail "$1 has mode $(stat -c %a "$1"), expected $2"; fi
}
# install DESTDIR [make arguments]: make install, quietly unless it fails.
install_into() {
	into=$1; shift
	if ! $MAKE --no-print-directory install DESTDIR="$into" "$@" >"$work/make.log" 2>&1; then
		cat "$work/make.log"; echo "FAIL: make install DESTDIR=$into $*"; exit 1
	fi
}
# ExecStart's program in a unit file.
exec_start() { sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$1"; }

# 1. The default install (PREFIX=/usr/local). The first one builds unless told not to.
dest=$work/root
source_binary=${STREAMD_INSTALL_BINARY:-.build/release/streamd}
if [ -n "${STREAMD_INSTALL_BINARY:-}" ]; then
	install_into "$dest" NO_BUILD=1 RELEASE_BIN="$source_binary"
elif [ "${STREAMD_INSTALL_SKIP_BUILD:-}" = 1 ]; then
	install_into "$dest" NO_BUILD=1 RELEASE_BIN="$source_binary"
else
	install_into "$dest"
fi
unit=$dest/etc/systemd/system/streamd.service
config=$dest/etc/streamd/streamd.yaml
binary=$dest$PREFIX/bin/streamd
mode "$binary" 755
mode "$unit" 644
socket_unit=$dest/etc/systemd/system/streamd.socket
mode "$socket_unit" 644
mode "$config" 644
program=$(exec_start "$unit")
if [ "$program" = "$PREFIX/bin/streamd" ] && cmp -s "$dest$program" "$source_binary"; then
	ok "ExecStart=$program is the installed binary"
else
	fail "ExecStart=$program, expected $PREFIX/bin/streamd (the installed binary)"
fi
grep -q -- "--config /etc/streamd/streamd.yaml" "$unit" && ok "ExecStart reads /etc/streamd/streamd.yaml" \
	|| fail "ExecStart does not read /etc/streamd/streamd.yaml"
if out=$("$binary" check --config "$config" 2>&1); then ok "installed binary: $out"; else fail "streamd check: $out"; fi

# 2. systemd-analyze verify on the installed unit. verify also checks that ExecStart's program
# exists, so it reads a copy whose ExecStart is the same binary under DESTDIR.
if command -v systemd-analyze >/dev/null; then
	mkdir "$work/verify"
	sed "s|^ExecStart=$PREFIX/bin/streamd |ExecStart=$binary |" "$unit" >"$work/verify/streamd.service"
	cp "$socket_unit" "$work/verify/streamd.socket"
	if out=$(systemd-analyze verify --man=no "$work/verify/streamd.service" "$work/verify/streamd.socket" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify (systemd $(systemd-analyze --version | sed -n 's/^systemd \([0-9]*\).*/\1/p'))"
	else
		fail "systemd-analyze verify: $out"
	fi
else
	echo "SKIP: systemd-analyze verify (systemd-analyze not installed: apt-get install systemd)"
fi

# 3. Reinstall over an edited configuration: kept, the default lands next to it.
echo "# edited" >>"$config"
install_into "$dest" NO_BUILD=1 RELEASE_BIN="$source_binary"
if tail -n 1 "$config" | grep -q '^# edited$'; then ok "reinstall keeps the existing configuration"; else fail "reinstall overwrote $config"; fi
mode "$config.default" 644
cmp -s "$config.default" deploy/streamd.yaml && ok "streamd.yaml.default is the new default" \
	|| fail "$config.default differs from deploy/streamd.yaml"

# 4. Another PREFIX: the binary goes there and ExecStart follows.
other=$work/other
install_into "$other" NO_BUILD=1 RELEASE_BIN="$source_binary" PREFIX=/opt/streamd
program=$(exec_start "$other/etc/systemd/system/streamd.service")
if [ "$program" = /opt/streamd/bin/streamd ] && [ -x "$other$program" ]; then ok "PREFIX=/opt/streamd: ExecStart=$program"
else fail "PREFIX=/opt/streamd: ExecStart=$program"; fi

# 5. Uninstall: binary, unit and spare default gone, configuration kept.
$MAKE --no-print-directory uninstall DESTDIR="$dest" >"$work/make.log" 2>&1 || { cat "$work/make.log"; fail "make uninstall"; }
if [ ! -e "$binary" ] && [ ! -e "$unit" ] && [ ! -e "$socket_unit" ] && [ ! -e "$config.default" ] && [ -f "$config" ]; then
	ok "uninstall removes the binary, the units and streamd.yaml.default, keeps streamd.yaml"
else
	fail "uninstall left: $(cd "$dest" && find . -type f | tr '\n' ' ')"
fi

if [ "$failures" -ne 0 ]; then echo "install-check: $failures failure(s)"; exit 1; fi
echo "install-check: all passed"
