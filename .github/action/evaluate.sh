#!/usr/bin/env bash
# Run `tollgate evaluate` for the composite action (action.yml). Inputs arrive as
# TOLLGATE_* environment variables, never interpolated into this script's text.
# tollgate itself writes the annotations, the job summary and the step outputs
# (decision, verdict-path, provenance-path, verdict-sha256, environment, signed, entry-id).
# The store input becomes --store (any value the CLI takes: a directory or s3://bucket/prefix);
# empty keeps tollgate's default ledger, .tollgate/ledger under the repo input.
#
# Secrets: the signing key's contents (TOLLGATE_SIGNING_KEY) are masked, written to a
# 0600 file in a private temporary directory that is removed on exit, and removed from
# the environment before tollgate starts; the password (TOLLGATE_KEY_PASSWORD) is masked
# and read by tollgate from its environment. Neither is ever echoed, and xtrace stays off.
set -euo pipefail
set +x

fail() {
    echo "::error title=tollgate action::$1"
    exit 2
}

# Mask each line of a secret: the runner then hides it wherever it would appear in the log.
# A minisign key file's "untrusted comment:" line is public and is left alone.
mask() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "" | "untrusted comment:"*) ;;
            *) echo "::add-mask::$line" ;;
        esac
    done <<<"$1"
}

[ -n "${TOLLGATE_POLICY:-}" ] || fail "the policy input is required (e.g. gates/mainnet.toml)"

args=(evaluate
    --policy "$TOLLGATE_POLICY"
    --release "${TOLLGATE_RELEASE:-.}"
    --repo "${TOLLGATE_REPO:-.}"
    --out "${TOLLGATE_OUT:-tollgate-out}"
    --format "${TOLLGATE_FORMAT:-text}")
if [ -n "${TOLLGATE_ENVIRONMENT:-}" ]; then
    args+=(--environment "$TOLLGATE_ENVIRONMENT")
fi
if [ -n "${TOLLGATE_STORE:-}" ]; then
    args+=(--store "$TOLLGATE_STORE")
fi
# upload-sarif: the findings also go to <out>/tollgate.sarif, which the next step uploads.
case "${TOLLGATE_UPLOAD_SARIF:-false}" in
    true) args+=(--sarif "${TOLLGATE_OUT:-tollgate-out}/tollgate.sarif") ;;
    false | "") ;;
    *) fail "upload-sarif must be true or false, not '${TOLLGATE_UPLOAD_SARIF}'" ;;
esac

if [ -n "${TOLLGATE_KEY_PASSWORD:-}" ]; then
    mask "$TOLLGATE_KEY_PASSWORD"
    export TOLLGATE_KEY_PASSWORD
else
    unset TOLLGATE_KEY_PASSWORD
fi
if [ -n "${TOLLGATE_SIGNING_KEY:-}" ]; then
    mask "$TOLLGATE_SIGNING_KEY"
    keydir="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tollgate-key.XXXXXX")"
    trap 'rm -rf -- "$keydir"' EXIT
    (
        umask 077
        printf '%s\n' "$TOLLGATE_SIGNING_KEY" >"$keydir/tollgate.key"
    )
    args+=(--key "$keydir/tollgate.key")
fi
unset TOLLGATE_SIGNING_KEY

# No exec: the trap must run after tollgate to delete the key. Exit 1 (block) fails the step.
status=0
tollgate "${args[@]}" || status=$?
exit "$status"
