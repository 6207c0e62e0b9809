# Interop tests of the sbom gate (tests/sbom_interop.rs):
# - cargo-cyclonedx makes an SBOM that tollgate must accept (~2 min to build once);
# - python jsonschema + referencing validate tollgate's SBOM against the official
#   CycloneDX 1.5 JSON schema in ../shared/data/cyclonedx-schema.
# Sourced by .ci/run, which provides apt_install and cargo_install; both skip what is there.
cargo_install cargo-cyclonedx cargo-cyclonedx
cargo cyclonedx --version

schema_venv="$PWD/.venv-schema"
if ! "$schema_venv/bin/python" -c 'import jsonschema, referencing' >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || apt_install python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
  echo "== python venv $schema_venv with jsonschema, referencing"
  python3 -m venv "$schema_venv"
  "$schema_venv/bin/pip" install --quiet --disable-pip-version-check \
    'jsonschema==4.26.0' 'referencing==0.37.0'
fi
# The interop tests find the validator here and fail (never skip) without it.
export TOLLGATE_SCHEMA_PYTHON="$schema_venv/bin/python"
"$TOLLGATE_SCHEMA_PYTHON" -c 'import importlib.metadata as m; print("jsonschema", m.version("jsonschema"))'
