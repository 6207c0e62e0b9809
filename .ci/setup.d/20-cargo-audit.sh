# The audit gate's `run = true` test runs the real cargo-audit against the advisory-db
# snapshot (../shared/data/advisory-db). About 7 minutes to build on 2 cores; skipped when
# cargo-audit is already installed. The committed report fixtures need no install.
cargo_install cargo-audit cargo-audit
cargo audit --version
