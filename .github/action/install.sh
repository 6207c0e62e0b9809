#!/usr/bin/env bash
# Put tollgate on PATH for the composite action (action.yml).
#   TOLLGATE_INSTALL=release  (default) download the released binary of the version this
#                             action pins (the action's own Cargo.toml version) for the
#                             runner's architecture from TOLLGATE_DOWNLOAD_URL, verify
#                             SHA256SUMS, its minisign signature by the tollgate release key
#                             committed beside the action (.github/tollgate-release.pub) and
#                             the binary's digest, and only then install it
#                             (scripts/install-release.sh; curl, coreutils and openssl only)
#   TOLLGATE_INSTALL=cargo    build and install it from the action's own checkout
#                             (GITHUB_ACTION_PATH) with `cargo install --locked`
#   TOLLGATE_INSTALL=path     use the tollgate already on PATH (a cached or preinstalled one)
set -euo pipefail

fail() {
    echo "::error title=tollgate action::$1"
    exit 2
}

action="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"

case "${TOLLGATE_INSTALL:-release}" in
    release)
        # The [package] version of the action's Cargo.toml: the action's ref pins the binary.
        version="$(awk '/^\[/ { in_package = ($0 == "[package]") }
            in_package && /^version *= *"/ { sub(/^version *= *"/, ""); sub(/".*/, ""); print; exit }' \
            "$action/Cargo.toml")"
        [ -n "$version" ] || fail "cannot read the version from $action/Cargo.toml"
        root="${RUNNER_TEMP:?RUNNER_TEMP is not set}/tollgate-bin"
        bash "$action/scripts/install-release.sh" \
            --version "$version" \
            --base-url "${TOLLGATE_DOWNLOAD_URL:-https://github.com/tollgate-dev/tollgate/releases/download}" \
            --pubkey "$action/.github/tollgate-release.pub" \
            --dest "$root/bin"
        echo "$root/bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
        ;;
    cargo)
        command -v cargo >/dev/null 2>&1 ||
            fail "install: cargo needs a Rust toolchain on the runner (actions/checkout then rustup), or use install: release or path"
        root="${RUNNER_TEMP:?RUNNER_TEMP is not set}/tollgate-bin"
        cargo install --locked --quiet --path "$action" --root "$root"
        echo "$root/bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
        "$root/bin/tollgate" --version
        ;;
    path)
        command -v tollgate >/dev/null 2>&1 ||
            fail "install: path, but there is no tollgate on PATH; install it first or use install: release"
        tollgate --version
        ;;
    *)
        fail "unknown install mode '${TOLLGATE_INSTALL}': use release, cargo or path"
        ;;
esac
