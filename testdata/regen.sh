#!/usr/bin/env bash
# testdata/regen.sh — rebuild the demo release and the interop fixtures with stock tools.
#
# Usage:   testdata/regen.sh            (from any directory; needs bash, GNU tar, gzip,
#                                        dpkg-deb, sha256sum and minisign)
# Install: apt-get install -y minisign  (or run .ci/run, which installs what the tests use)
#
# What it writes (and nothing else; every path below is deleted and rebuilt):
#   testdata/keys/demo-release.pub        public key of the demo release signer
#   testdata/demo-release/                a chain-node 1.4.2 release: a tarball, a .deb and
#                                         RELEASE-NOTES.md, SHA256SUMS (GNU form, sha256sum),
#                                         SHA256SUMS.minisig and NAME.minisig per artifact
#                                         (minisign -S, prehashed)
#   testdata/demo-release/chain-node-1.4.2.cdx.json
#                                         the SBOM of testdata/demo-repo/ (the release's
#                                         source workspace), `cargo cyclonedx -f json
#                                         --spec-version 1.5`
#   testdata/demo-release/chain-node-1.4.2.audit.json
#                                         `cargo audit --db ../shared/data/advisory-db
#                                         --no-fetch --json` of testdata/demo-repo/
#   testdata/keys/demo-verdict.DEMO-ONLY.key, .pub
#                                         the demo policy's verdict key: its SECRET key is
#                                         committed on purpose (gates/demo.toml signs with
#                                         it) and no other policy may trust it
#   testdata/keys/demo-operator.pub       the operator key that signed the demo drill log
#   testdata/demo-ops/drills.jsonl        a restore drill, signed by the demo operator key
#                                         (`tollgate drill record`, so cargo builds tollgate)
#   testdata/interop/keys/signer.pub      the key that signed every interop fixture
#   testdata/interop/keys/other.pub       an unrelated key (trust it to get sig.untrusted-key)
#   testdata/interop/prehashed/           GNU sums; sums and artifacts signed with minisign -S
#   testdata/interop/legacy/              same, signed with minisign -S -l (legacy "Ed")
#   testdata/interop/bsd/                 BSD sums from sha256sum --tag (one name has spaces
#                                         and parentheses)
#   testdata/interop/binary-mode/         GNU sums mixing a text entry and a `*` entry from
#                                         sha256sum -b
# Each fixture directory is a complete release: every file except *.minisig is listed in
# its SHA256SUMS, so `tollgate evaluate --release DIR` can run on it as is.
#
# Secret keys are generated fresh on every run (minisign -G -W) in a temporary directory
# that is removed on exit: they are never written into the repository. Artifacts are
# byte-for-byte reproducible (fixed mtimes, sorted tar members, numeric root owner,
# gzip -n, SOURCE_DATE_EPOCH for dpkg-deb); public keys and signatures change every run,
# so commit them together. The gates/ policies keep working across runs because they name
# the key file (testdata/keys/demo-release.pub), not the key.
#
# testdata/.gitattributes (`* -text`) keeps git from rewriting line endings in these files.
#
# Idempotent: running it twice leaves the same artifacts and sums, new keys and signatures.
# It finishes by checking its own output with `sha256sum -c` and `minisign -V`.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in minisign sha256sum tar gzip dpkg-deb cargo-cyclonedx cargo-audit; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "regen.sh: $tool is not installed (apt-get install -y minisign dpkg coreutils tar gzip, or run .ci/run)" >&2
        exit 2
    fi
done

# 2025-03-14T00:00:00Z: the (fictional) chain-node 1.4.2 release date; every mtime.
export SOURCE_DATE_EPOCH=1741910400
export TZ=UTC LC_ALL=C
umask 022

version=1.4.2
work="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-regen.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

# new_key NAME COMMENT: a passwordless key pair in $work (NAME.key, NAME.pub).
new_key() {
    minisign -G -W -f -p "$work/$1.pub" -s "$work/$1.key" >/dev/null
    chmod 600 "$work/$1.key"
}

# sign KEY FILE [legacy]: FILE.minisig by KEY, with a trusted comment naming the file.
sign() {
    local key="$1" file="$2" mode="${3:-}" flags=()
    [[ "$mode" == legacy ]] && flags=(-l)
    minisign -S "${flags[@]}" -s "$work/$key.key" -m "$file" \
        -c "signature from the $key demo key" \
        -t "file:$(basename "$file") ${mode:-prehashed}" >/dev/null
}

# set_mtimes DIR: every path under DIR gets the release timestamp.
set_mtimes() {
    find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# reproducible_tgz OUT DIR NAME: DIR/NAME as a deterministic .tar.gz at OUT.
reproducible_tgz() {
    set_mtimes "$2/$3"
    tar --create --format=gnu --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
        --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' \
        -C "$2" "$3" | gzip -9 -n >"$1"
}

# ---------------------------------------------------------------------------------------
# The software: a tiny fake chain-node tree
# ---------------------------------------------------------------------------------------

tree="$work/tree"
node="$tree/chain-node-$version"
mkdir -p "$node/bin" "$node/share/chain-node"

cat >"$node/bin/chain-node" <<EOF
#!/bin/sh
# chain-node $version — a stand-in for a blockchain full node (demo fixture, not a real node).
set -eu
case "\${1:-}" in
    --version) echo "chain-node $version (demo)"; exit 0 ;;
    --help|-h) echo "usage: chain-node [--regtest|--testnet|--mainnet] [--datadir DIR]"; exit 0 ;;
esac
echo "chain-node $version: this demo build does not sync; see README.md" >&2
exit 1
EOF
chmod 755 "$node/bin/chain-node"

cat >"$node/README.md" <<EOF
# chain-node $version

A full node for the demo chain. This archive is a fixture for tollgate's tests: the
\`bin/chain-node\` script only answers \`--version\` and \`--help\`.

    tar -xzf chain-node-$version-x86_64-linux.tar.gz
    ./chain-node-$version/bin/chain-node --version
EOF

cat >"$node/share/chain-node/chain-node.conf.example" <<'EOF'
# Example configuration; copy to ~/.chain-node/chain-node.conf
network = "regtest"
rpc_bind = "127.0.0.1:18443"
prune = false
EOF

reproducible_tgz "$work/chain-node-$version-x86_64-linux.tar.gz" "$tree" "chain-node-$version"

# The same software as a Debian package.
deb="$work/deb"
mkdir -p "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/doc/chain-node"
cp "$node/bin/chain-node" "$deb/usr/bin/chain-node"
cp "$node/README.md" "$deb/usr/share/doc/chain-node/README.md"
cat >"$deb/DEBIAN/control" <<EOF
Package: chain-node
Version: $version
Architecture: amd64
Maintainer: Demo Chain Release Team <release@example.org>
Section: net
Priority: optional
Description: demo blockchain full node (tollgate test fixture)
 A stand-in package used by tollgate's interop tests; it installs a shell script.
EOF
chmod 755 "$deb/usr/bin/chain-node"
chmod 644 "$deb/DEBIAN/control" "$deb/usr/share/doc/chain-node/README.md"
set_mtimes "$deb"
dpkg-deb --root-owner-group -Zgzip -z9 --build "$deb" "$work/chain-node_${version}_amd64.deb" >/dev/null

# ---------------------------------------------------------------------------------------
# The demo release
# ---------------------------------------------------------------------------------------

new_key demo-release
mkdir -p keys
cp "$work/demo-release.pub" keys/demo-release.pub

rm -rf demo-release
mkdir demo-release
cp "$work/chain-node-$version-x86_64-linux.tar.gz" "$work/chain-node_${version}_amd64.deb" demo-release/
cat >demo-release/RELEASE-NOTES.md <<EOF
# chain-node $version — 2025-03-14

## Fixed
- Peers that announce a fork tip older than the assumed-valid block are no longer banned.
- \`getblocktemplate\` returns the correct coinbase value after a reorg.

## Verify this release
    minisign -Vm SHA256SUMS -p demo-release.pub
    sha256sum -c SHA256SUMS
EOF
# The release's evidence, made from its source workspace by the tools people use.
advisory_db="$here/../../shared/data/advisory-db"
cp -r demo-repo "$work/demo-repo"
(
    cd "$work/demo-repo"
    cargo cyclonedx -q -f json --spec-version 1.5 --override-filename chain-node-sbom
    # cargo-audit exits 1 when it finds a vulnerability; the demo workspace has none.
    cargo audit --db "$advisory_db" --no-fetch --json >"$work/audit.json"
)
cp "$work/demo-repo/chain-node/chain-node-sbom.json" "demo-release/chain-node-$version.cdx.json"
cp "$work/audit.json" "demo-release/chain-node-$version.audit.json"
(
    cd demo-release
    sha256sum -- *.deb *.tar.gz *.json RELEASE-NOTES.md >SHA256SUMS
    for file in *.deb *.tar.gz *.json RELEASE-NOTES.md SHA256SUMS; do
        sign demo-release "$file"
    done
)
set_mtimes demo-release

# The demo verdict key (committed: demo only) and a drill log signed by a demo operator.
rm -f keys/demo-verdict.DEMO-ONLY.key keys/demo-verdict.DEMO-ONLY.pub
minisign -G -W -f -p keys/demo-verdict.DEMO-ONLY.pub -s keys/demo-verdict.DEMO-ONLY.key \
    -c "DEMO ONLY: tollgate's demo verdict key, committed on purpose; trust it nowhere" >/dev/null
new_key demo-operator
cp "$work/demo-operator.pub" keys/demo-operator.pub
rm -rf demo-ops
mkdir demo-ops
(
    cd "$here/.."
    cargo run -q --bin tollgate -- drill record --log testdata/demo-ops/drills.jsonl \
        --kind restore --result pass --rto 42m --at 2026-12-01T09:00:00Z \
        --operator release-manager --height 812345 \
        --notes "restored the nightly snapshot onto a fresh host" \
        --key "$work/demo-operator.key" -q
)

# ---------------------------------------------------------------------------------------
# Interop fixtures
# ---------------------------------------------------------------------------------------

new_key signer
new_key other
rm -rf interop
mkdir -p interop/keys
cp "$work/signer.pub" interop/keys/signer.pub
cp "$work/other.pub" interop/keys/other.pub

# fixture DIR: a directory holding the two interop artifacts.
fixture() {
    mkdir -p "interop/$1"
    printf 'chain-node %s interop fixture\n' "$version" >"interop/$1/hello.txt"
    # Every byte value once: no line ending or encoding survives a text-mode mangling.
    local i
    # shellcheck disable=SC2059 # the format string is the octal escape of one byte, on purpose
    for i in $(seq 0 255); do printf "\\$(printf '%03o' "$i")"; done >"interop/$1/payload.bin"
}

sign_all() { # sign_all DIR [legacy]: sign SHA256SUMS and every artifact in DIR.
    local dir="$1" mode="${2:-}" file
    while IFS= read -r -d '' file; do
        sign signer "$file" "$mode"
    done < <(find "$dir" -type f ! -name '*.minisig' -print0 | sort -z)
}

fixture prehashed
(cd interop/prehashed && sha256sum hello.txt payload.bin >SHA256SUMS)
sign_all interop/prehashed

fixture legacy
(cd interop/legacy && sha256sum hello.txt payload.bin >SHA256SUMS)
sign_all interop/legacy legacy

fixture bsd
printf '# draft notes\n' >"interop/bsd/notes (draft).txt"
(cd interop/bsd && sha256sum --tag hello.txt payload.bin "notes (draft).txt" >SHA256SUMS)
sign_all interop/bsd

fixture binary-mode
(cd interop/binary-mode && { sha256sum hello.txt && sha256sum -b payload.bin; } >SHA256SUMS)
sign_all interop/binary-mode

find interop -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ---------------------------------------------------------------------------------------
# Check the output with the same stock tools
# ---------------------------------------------------------------------------------------

check_dir() { # check_dir DIR PUBKEY
    (cd "$1" && sha256sum --quiet --strict -c SHA256SUMS)
    local sig
    for sig in "$1"/*.minisig; do
        minisign -V -q -p "$2" -x "$sig" -m "${sig%.minisig}"
    done
}
check_dir demo-release keys/demo-release.pub
for dir in prehashed legacy bsd binary-mode; do
    check_dir "interop/$dir" interop/keys/signer.pub
done
if minisign -V -q -p interop/keys/other.pub -m interop/prehashed/SHA256SUMS 2>/dev/null; then
    echo "regen.sh: other.pub unexpectedly verifies the signer's signature" >&2
    exit 1
fi

echo "regen.sh: rebuilt $here/demo-release and $here/interop; keys in $here/keys/demo-release.pub"
