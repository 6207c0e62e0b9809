# shellcheck shell=bash
# monerod (Debian's `monero` package) for the smoke gate's interop test
# (tests/smoke_interop.rs), which runs a real regtest node. Sourced by .ci/run (apt_install);
# runnable on its own too: `bash .ci/setup.d/50-monero.sh`.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

if ! command -v monerod >/dev/null 2>&1; then
  apt_install monero
fi
monerod --version
