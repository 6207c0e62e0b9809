#!/usr/bin/env bash
# Download a released tollgate binary, verify it, and only then install it.
#
#   scripts/install-release.sh --version 0.1.0 --pubkey .github/tollgate-release.pub \
#       --dest DIR [--base-url URL] [--arch x86_64|aarch64]
#
# Fetches, from BASE_URL/vVERSION/ (default: the GitHub releases of tollgate):
#   SHA256SUMS, SHA256SUMS.minisig and tollgate-VERSION-ARCH-unknown-linux-musl,
# then checks, in this order, and stops at the first failure with the reason:
#   1. SHA256SUMS.minisig is a current (prehashed) minisign signature by the key in PUBKEY:
#      the key id matches, the Ed25519 signature over BLAKE2b-512(SHA256SUMS) verifies, and
#      the global signature over the signature and its trusted comment verifies;
#   2. SHA256SUMS lists the binary's name exactly once, and the binary's SHA-256 is the listed
#      one (the name carries the version, so an older release's signed sums cannot vouch for
#      it);
#   3. the installed binary's `--version` is `tollgate VERSION`.
# Only then is DEST/tollgate made executable. Downloads stay mode 0600 in a private temporary
# directory that is removed on exit, so a refused binary is never left executable.
#
# Needs only what a stock ubuntu runner has: bash, curl, coreutils and openssl (3.0 or newer,
# for Ed25519 and BLAKE2b-512). Stock minisign accepts the same signatures
# (`minisign -Vm SHA256SUMS -p PUBKEY`); it is not needed here because it is not on runners.
set -euo pipefail
umask 077

default_base_url="https://github.com/tollgate-dev/tollgate/releases/download"

fail() {
    if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
        echo "::error title=tollgate install::$1"
    fi
    echo "tollgate install: refused: $1" >&2
    exit 1
}

usage() {
    echo "usage: $0 --version VERSION --pubkey FILE --dest DIR [--base-url URL] [--arch ARCH]" >&2
    exit 2
}

version="" pubkey="" dest="" base_url="$default_base_url" arch=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        --version) version="${2:-}" ;;
        --pubkey) pubkey="${2:-}" ;;
        --dest) dest="${2:-}" ;;
        --base-url) base_url="${2:-}" ;;
        --arch) arch="${2:-}" ;;
        *) usage ;;
    esac
    [ "$#" -ge 2 ] || usage
    shift 2
done
if [ -z "$version" ] || [ -z "$pubkey" ] || [ -z "$dest" ] || [ -z "$base_url" ]; then
    usage
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
    fail "version '$version' is not a release version (MAJOR.MINOR.PATCH)"
if [ -z "$arch" ]; then
    arch="$(uname -m)"
fi
case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail "no tollgate release binary for the architecture '$arch' (x86_64 and aarch64 Linux only): use install: cargo" ;;
esac
[ "$(uname -s)" = "Linux" ] || fail "tollgate release binaries are for Linux; on $(uname -s) use install: cargo"
for tool in curl openssl sha256sum base64; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed; it is needed to download and verify the release"
done
[ -f "$pubkey" ] || fail "the release public key $pubkey does not exist"

asset="tollgate-$version-$arch-unknown-linux-musl"
url="${base_url%/}/v$version"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT

fetch() { # NAME MAX_BYTES
    curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 \
        --max-time 300 --max-filesize "$2" --output "$work/$1" -- "$url/$1" ||
        fail "cannot download $url/$1 (no such release or binary, or the host is unreachable)"
}

fetch SHA256SUMS 1048576
fetch SHA256SUMS.minisig 4096

# --- 1. the minisign signature of SHA256SUMS -------------------------------------------------

# The key id as minisign prints it: the 8 bytes as a little-endian number, in hex.
key_id() { od -An -tx1 -v "$1" | tr -d ' \n' | sed 's/../& /g' | awk '{for (i = NF; i > 0; i--) printf "%s", toupper($i)}'; }

# The public key: a comment line, then base64 of "Ed" || key id (8) || Ed25519 key (32).
pub_line="$(grep -v '^untrusted comment:' -- "$pubkey" | sed -n 1p | tr -d '\r')"
printf '%s' "$pub_line" | base64 -d >"$work/pub.bin" 2>/dev/null ||
    fail "$pubkey is not a minisign public key (bad base64)"
if [ "$(stat -c %s "$work/pub.bin")" -ne 42 ] || [ "$(head -c 2 "$work/pub.bin")" != "Ed" ]; then
    fail "$pubkey is not a minisign Ed25519 public key"
fi
head -c 10 "$work/pub.bin" | tail -c 8 >"$work/pub.id"
# An Ed25519 SubjectPublicKeyInfo (RFC 8410) around the raw key, for openssl.
{
    printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'
    tail -c 32 "$work/pub.bin"
} >"$work/pub.der"

sig="$work/SHA256SUMS.minisig"
[ "$(wc -l <"$sig")" -le 4 ] || fail "SHA256SUMS.minisig is not a minisign signature (more than four lines)"
[[ "$(sed -n 1p "$sig")" == "untrusted comment:"* ]] ||
    fail "SHA256SUMS.minisig is not a minisign signature (no untrusted comment line)"
sed -n 2p "$sig" | tr -d '\r\n' | base64 -d >"$work/sig.bin" 2>/dev/null ||
    fail "SHA256SUMS.minisig is not a minisign signature (bad base64)"
[ "$(stat -c %s "$work/sig.bin")" -eq 74 ] ||
    fail "SHA256SUMS.minisig is not a minisign signature (wrong length)"
case "$(head -c 2 "$work/sig.bin")" in
    ED) ;;
    Ed) fail "SHA256SUMS.minisig is a legacy (not prehashed) minisign signature; tollgate releases are signed with current minisign" ;;
    *) fail "SHA256SUMS.minisig uses an unknown signature algorithm" ;;
esac
head -c 10 "$work/sig.bin" | tail -c 8 >"$work/sig.id"
cmp -s "$work/sig.id" "$work/pub.id" ||
    fail "SHA256SUMS is signed by another key (key id $(key_id "$work/sig.id")), not by the tollgate release key $(key_id "$work/pub.id") in $pubkey"
tail -c 64 "$work/sig.bin" >"$work/sig.ed25519"

verify() { # MESSAGE_FILE SIGNATURE_FILE
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$work/pub.der" -rawin \
        -in "$1" -sigfile "$2" >/dev/null 2>&1
}

openssl dgst -blake2b512 -binary "$work/SHA256SUMS" >"$work/SHA256SUMS.b2" ||
    fail "openssl cannot compute BLAKE2b-512 (openssl 3.0 or newer is needed)"
verify "$work/SHA256SUMS.b2" "$work/sig.ed25519" ||
    fail "the signature of SHA256SUMS does not verify with the tollgate release key $(key_id "$work/pub.id"): SHA256SUMS was changed after it was signed, or the signature is damaged"

trusted_line="$(sed -n 3p "$sig" | tr -d '\r')"
[[ "$trusted_line" == "trusted comment: "* ]] ||
    fail "SHA256SUMS.minisig is not a minisign signature (no trusted comment line)"
trusted="${trusted_line#trusted comment: }"
sed -n 4p "$sig" | tr -d '\r\n' | base64 -d >"$work/global.ed25519" 2>/dev/null ||
    fail "SHA256SUMS.minisig is not a minisign signature (bad base64 in the global signature)"
[ "$(stat -c %s "$work/global.ed25519")" -eq 64 ] ||
    fail "SHA256SUMS.minisig is not a minisign signature (wrong global signature length)"
{
    cat "$work/sig.ed25519"
    printf '%s' "$trusted"
} >"$work/global.msg"
verify "$work/global.msg" "$work/global.ed25519" ||
    fail "the trusted comment of SHA256SUMS.minisig does not verify (it was changed after signing)"
echo "SHA256SUMS: signed by the tollgate release key $(key_id "$work/pub.id") (trusted comment: $trusted)"

# --- 2. the binary's digest -------------------------------------------------------------------

# GNU lines ("DIGEST  NAME", or "DIGEST *NAME" in binary mode), the name compared as a string.
listed="$(awk -v name="$asset" 'NF == 2 && $1 ~ /^[0-9a-f]+$/ && length($1) == 64 &&
    ($2 == name || $2 == "*" name) { print $1 }' "$work/SHA256SUMS")"
[ -n "$listed" ] || fail "the signed SHA256SUMS does not list $asset"
[ "$(printf '%s\n' "$listed" | wc -l)" -eq 1 ] || fail "the signed SHA256SUMS lists $asset more than once"
expected="$listed"
# Downloaded only once the signed sums vouch for its name.
fetch "$asset" 1073741824
actual="$(sha256sum -- "$work/$asset" | cut -d' ' -f1)"
[ "$actual" = "$expected" ] ||
    fail "$asset has SHA-256 $actual but the signed SHA256SUMS says $expected: the download was tampered with or truncated"
echo "$asset: SHA-256 $actual, as signed"

# --- 3. install, then check what it says it is ------------------------------------------------

(umask 022 && mkdir -p -- "$dest")
# Still inside the private (0700) work directory until it is renamed into place.
chmod 0755 "$work/$asset"
mv -f -- "$work/$asset" "$dest/tollgate"
said="$("$dest/tollgate" --version 2>&1 | sed -n 1p)" || said=""
if [ "$said" != "tollgate $version" ]; then
    rm -f -- "$dest/tollgate"
    fail "$asset says '$said', expected 'tollgate $version'"
fi
echo "installed $dest/tollgate ($said)"
