# shellcheck shell=bash
# cargo-fuzz, for the fuzz step of .ci/run (every target of fuzz/ built and run briefly).
# cargo-fuzz needs a nightly toolchain; the machine image has one. Its absence is an error,
# not a reason to skip: a fuzz target that stops building must fail CI.
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "error: no nightly Rust toolchain; the fuzz step needs one: rustup toolchain install nightly --profile minimal" >&2
  exit 1
fi
cargo_install cargo-fuzz cargo-fuzz
cargo +nightly fuzz --version
