#!/usr/bin/env bash
# Put tollgate on PATH for the composite action (action.yml).
#   TOLLGATE_INSTALL=cargo  build and install it from the action's own checkout
#                           (GITHUB_ACTION_PATH) with `cargo install --locked`
#   TOLLGATE_INSTALL=path   use the tollgate already on PATH (a cached or preinstalled one)
set -euo pipefail

fail() {
    echo "::error title=tollgate action::$1"
    exit 2
}

case "${TOLLGATE_INSTALL:-cargo}" in
    cargo)
        command -v cargo >/dev/null 2>&1 ||
            fail "install: cargo needs a Rust toolchain on the runner (actions/checkout then rustup), or use install: path"
        root="${RUNNER_TEMP:?RUNNER_TEMP is not set}/tollgate-bin"
        cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}" --root "$root"
        echo "$root/bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
        "$root/bin/tollgate" --version
        ;;
    path)
        command -v tollgate >/dev/null 2>&1 ||
            fail "install: path, but there is no tollgate on PATH; install it first or use install: cargo"
        tollgate --version
        ;;
    *)
        fail "unknown install mode '${TOLLGATE_INSTALL}': use cargo or path"
        ;;
esac
