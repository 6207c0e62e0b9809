# shellcheck shell=bash
# A real S3-compatible server for tests/ledger_s3.rs (the S3 ledger backend): s3s-fs, a
# file-backed S3 server on loopback. It refuses a second `If-None-Match: *` PutObject of a
# key, which the store's create-if-absent writes need (Garage 2.5 ignores the header on PUT),
# though not atomically: the racing-create tests stay ignored (docs/ledger-s3.md). About 2.5
# minutes to build on an idle 2-core machine; skipped when installed. The tests fail (never
# skip) without it unless TOLLGATE_SKIP_S3=1, which CI does not set.
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
