# shellcheck shell=bash
# A real S3-compatible server for tests/ledger_s3.rs (the S3 ledger backend): s3s-fs, a
# file-backed S3 server on loopback. It honours `If-None-Match: *` on PutObject, which the
# ledger's create-if-absent writes need; Garage (up to 2.5) ignores it on PUT, so it cannot
# stand in. About 2.5 minutes to build on 2 cores; skipped when installed. The tests fail
# (never skip) without it unless TOLLGATE_SKIP_S3=1, which CI does not set.
# Sourced by .ci/run (cargo_install); runnable alone from the repository root too.
if ! declare -F cargo_install >/dev/null; then
  cargo_install() {
    command -v "$1" >/dev/null 2>&1 && return 0
    local crate=$2
    shift 2
    cargo install --locked "$crate" "$@"
  }
fi
cargo_install s3s-fs s3s-fs@0.14.1 --features binary
command -v s3s-fs
