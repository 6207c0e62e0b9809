# shellcheck shell=bash
# Interop tests of the VSA and provenance envelopes (tests/cli/vsa.rs): third-party python
# code checks what tollgate signs -
# - securesystemslib verifies the DSSE signature with the key converted from minisign's;
# - in-toto-attestation (the in-toto project's bindings) validates the Statement and parses
#   the SLSA VSA v1 / Provenance v1 predicates.
# Both are pure-python or binary wheels (about 10 s). The tests find the venv through
# TOLLGATE_DSSE_PYTHON, else .venv-dsse/bin/python, and fail (never skip) without it.
# Sourced by .ci/run (apt_install); runnable on its own: `bash .ci/setup.d/45-dsse.sh`.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

dsse_venv="$PWD/.venv-dsse"
if ! "$dsse_venv/bin/python" -c 'import securesystemslib.dsse, in_toto_attestation.v1.statement' >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || apt_install python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
  echo "== python venv $dsse_venv with securesystemslib, in-toto-attestation"
  python3 -m venv "$dsse_venv"
  "$dsse_venv/bin/pip" install --quiet --disable-pip-version-check \
    'securesystemslib[crypto]==1.6.0' 'in-toto-attestation==0.9.3'
fi
export TOLLGATE_DSSE_PYTHON="$dsse_venv/bin/python"
"$TOLLGATE_DSSE_PYTHON" -c 'import importlib.metadata as m; print("securesystemslib", m.version("securesystemslib"), "in-toto-attestation", m.version("in-toto-attestation"))'
