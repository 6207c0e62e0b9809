# shellcheck shell=bash
# Go and golang.org/x/mod for the tlog interop test (tests/cli/tlog_interop.rs): Go's
# checksum-database client code (golang.org/x/mod/sumdb/note and .../tlog) checks the
# C2SP tlog-tiles logs tollgate writes, through tests/interop/go/tlogcheck.go. Debian's
# golang-go and golang-golang-x-mod-dev (sources in /usr/share/gocode/src) build it offline,
# with GOPATH mode: no Go module proxy. The test fails (never skips) without them unless
# TOLLGATE_SKIP_GO=1, which CI does not set.
# Sourced by .ci/run (apt_install); runnable on its own: `bash .ci/setup.d/55-go-sumdb.sh`.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -f /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog/tlog.go ] || need+=(golang-golang-x-mod-dev)
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}"
fi
go version
