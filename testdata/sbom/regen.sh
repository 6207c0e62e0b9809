#!/usr/bin/env bash
# testdata/sbom/regen.sh — SBOMs made by cargo-cyclonedx, for the sbom gate's interop tests.
#
# Usage:   testdata/sbom/regen.sh        (from any directory)
# Install: cargo install cargo-cyclonedx --locked   (or run .ci/run, which installs it)
#
# What it writes (and nothing else):
#   testdata/sbom/cargo-cyclonedx/chain-node.cdx.json   `cargo cyclonedx -f json --spec-version 1.5`
#   testdata/sbom/cargo-cyclonedx/chain-node.cdx.xml    `cargo cyclonedx -f xml --spec-version 1.5`
# both for the binary of testdata/real-deps/clean (cargo-cyclonedx writes one SBOM per
# workspace member; the binary's is the one a release ships). They are made in a scratch
# copy of the workspace, so bom-refs name a temporary path; serial numbers and timestamps
# change on every run.

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cargo cyclonedx --version
cp -r "$here/../real-deps/clean" "$scratch/clean"
(
  cd "$scratch/clean"
  cargo cyclonedx -q -f json --spec-version 1.5
  cargo cyclonedx -q -f xml --spec-version 1.5
)
mkdir -p "$here/cargo-cyclonedx"
cp "$scratch/clean/chain-node/chain-node.cdx.json" "$scratch/clean/chain-node/chain-node.cdx.xml" \
  "$here/cargo-cyclonedx/"
echo "regen: cargo-cyclonedx SBOMs written to $here/cargo-cyclonedx"
