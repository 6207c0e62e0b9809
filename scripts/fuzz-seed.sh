#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from the fixtures made by real
# tools under testdata/ and gates/, plus the small hand-made or tollgate-made seeds committed
# under fuzz/seeds/<target>/. Idempotent: files already in a corpus are kept, seeds are
# (re)copied under stable names. Usage: scripts/fuzz-seed.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=fuzz/corpus
seed() { # seed TARGET FILE...
  local target=$1
  shift
  mkdir -p "$corpus/$target"
  local file
  for file in "$@"; do
    [ -f "$file" ] || continue
    cp "$file" "$corpus/$target/seed-$(echo "$file" | tr '/ ' '__')"
  done
}

seed sums testdata/demo-release/SHA256SUMS testdata/interop/*/SHA256SUMS
seed public_key testdata/keys/*.pub testdata/interop/keys/*.pub
seed policy gates/*.toml gates/plugins/*.toml
seed smoke_spec gates/smoke/*.toml
seed cyclonedx_json testdata/sbom/*/*.json
seed cyclonedx_xml testdata/sbom/*/*.xml
seed audit_cargo_audit testdata/audit/reports/*/cargo-audit.json
seed audit_cargo_deny testdata/audit/reports/*/cargo-deny*.json
seed audit_osv_scanner testdata/audit/reports/*/osv-scanner.json
seed canonical_json testdata/audit/reports/*/*.json testdata/sbom/*/*.json

# minisig: the `.minisig`, a NUL byte, then the file it signs (the interop ones verify with
# the key the target trusts, so the "valid" path is reached).
mkdir -p "$corpus/minisig"
for sig in testdata/interop/*/*.minisig testdata/demo-release/*.minisig; do
  name="seed-$(echo "$sig" | tr '/ ' '__')"
  { cat "$sig"; printf '\0'; cat "${sig%.minisig}"; } >"$corpus/minisig/$name"
done

# Committed seeds: plugin replies, drill logs, ledger entries and heads, bundles.
for dir in fuzz/seeds/*/; do
  target=$(basename "$dir")
  seed "$target" "$dir"*
done

for dir in "$corpus"/*/; do
  printf '%-20s %4d seeds\n' "$(basename "$dir")" "$(find "$dir" -type f | wc -l)"
done
