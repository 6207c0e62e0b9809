#!/usr/bin/env bash
# testdata/real-deps/regen.sh — rebuild the real_deps fixture workspaces with cargo itself.
#
# Usage:   testdata/real-deps/regen.sh      (from any directory; needs cargo, python3, and
#                                           crates.io once, for `cargo vendor`)
#
# Every fixture is a small workspace that `cargo metadata --locked` resolves offline: its
# crates are path crates, and the few crates.io packages come from a directory source made
# by `cargo vendor` and committed beside it. Each fixture shows one finding; `clean` shows
# none although it has everything that must NOT count (dev-dependencies on mock crates, a
# dev-only `test-utils` feature, a workspace member nothing in the release build uses):
#
#   clean/             chain-node (bin) -> net, build-dependency build-info; dev-deps on
#                      mock-rpc and net[test-utils,mock]; unused member mock-tools
#   denied-crate/      chain-node -> net -> mock-rpc                   deps.denied-crate
#   path-outside/      workspace/ depends on ../vendored-net          deps.path-outside-workspace
#   patch/             [patch.crates-io] cfg-if = { path = ... }       deps.patch
#   replace/           [replace] "cfg-if:1.0.4" = { path = ... }       deps.replace
#   denied-feature/    chain-node turns on net's `insecure-rpc`        deps.denied-feature
#   missing-lock/      no Cargo.lock                                   deps.lockfile-missing
#   stale-lock/        chain-node gained a dependency after locking    deps.lockfile-stale
#   missing-checksum/  cfg-if locked without a checksum                deps.missing-checksum
#
# Git dependencies need a real repository at an absolute path; the tests create one (and
# the workspace that uses it) in a temporary directory instead.
#
# missing-checksum imitates a registry mirror that serves no checksums: its vendored
# `.cargo-checksum.json` has `"package": null` and Cargo.lock has no `checksum` line, a
# combination cargo accepts with --locked.
#
# Idempotent: every fixture directory is deleted and rebuilt; the output is the same on every
# run with the same cargo.

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# A private CARGO_HOME proves the fixtures need nothing from the user's cache.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export CARGO_HOME="$scratch/cargo-home"

workspace() { # workspace DIR MEMBER...
  local dir=$1
  shift
  mkdir -p "$dir"
  {
    echo "[workspace]"
    printf 'members = ['
    local sep=""
    for m in "$@"; do printf '%s"%s"' "$sep" "$m"; sep=", "; done
    echo ']'
    echo 'resolver = "2"'
  } >"$dir/Cargo.toml"
}

crate() { # crate DIR NAME KIND(bin|lib) [EXTRA-MANIFEST-TOML]
  local dir=$1 name=$2 kind=$3 extra=${4:-}
  mkdir -p "$dir/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n%s' \
    "$name" "$extra" >"$dir/Cargo.toml"
  if [ "$kind" = bin ]; then
    echo 'fn main() {}' >"$dir/src/main.rs"
  else
    echo '//! Fixture crate.' >"$dir/src/lib.rs"
  fi
}

# net: a library with test-only and insecure features, and an optional mock backend.
net() { # net DIR [MOCK-RPC-PATH]
  crate "$1" net lib "
[dependencies]
mock-rpc = { path = \"${2:-../mock-rpc}\", optional = true }

[features]
default = []
mock = [\"dep:mock-rpc\"]
test-utils = []
insecure-rpc = []
"
}

lock() { (cd "$1" && cargo generate-lockfile --offline --quiet); }

vendor_cfg_if() { # vendor_cfg_if DIR: DIR/vendor/cfg-if-1.0.4 and DIR/.cargo/config.toml
  local dir=$1
  (cd "$dir" && cargo vendor --versioned-dirs --quiet vendor >/dev/null)
  mkdir -p "$dir/.cargo"
  printf '[source.crates-io]\nreplace-with = "vendored-sources"\n\n[source.vendored-sources]\ndirectory = "vendor"\n' \
    >"$dir/.cargo/config.toml"
}

rm -rf clean denied-crate path-outside patch replace denied-feature missing-lock stale-lock \
  missing-checksum

# clean
workspace clean chain-node net mock-rpc mock-tools build-info
crate clean/chain-node chain-node bin '
[dependencies]
net = { path = "../net" }

[build-dependencies]
build-info = { path = "../build-info" }

[dev-dependencies]
mock-rpc = { path = "../mock-rpc" }
net = { path = "../net", features = ["test-utils", "mock"] }
'
echo 'fn main() {}' >clean/chain-node/build.rs
net clean/net
crate clean/mock-rpc mock-rpc lib
crate clean/mock-tools mock-tools lib '
[dependencies]
mock-rpc = { path = "../mock-rpc" }
'
crate clean/build-info build-info lib
lock clean

# denied-crate
workspace denied-crate chain-node net mock-rpc
crate denied-crate/chain-node chain-node bin '
[dependencies]
net = { path = "../net" }
'
crate denied-crate/net net lib '
[dependencies]
mock-rpc = { path = "../mock-rpc" }
'
crate denied-crate/mock-rpc mock-rpc lib
lock denied-crate

# path-outside: the workspace root is path-outside/workspace; vendored-net lies beside it.
workspace path-outside/workspace chain-node
crate path-outside/workspace/chain-node chain-node bin '
[dependencies]
net = { path = "../../vendored-net" }
'
crate path-outside/vendored-net net lib
lock path-outside/workspace

# denied-feature
workspace denied-feature chain-node net mock-rpc
crate denied-feature/chain-node chain-node bin '
[dependencies]
net = { path = "../net", features = ["insecure-rpc"] }
'
net denied-feature/net
crate denied-feature/mock-rpc mock-rpc lib
lock denied-feature

# missing-lock
workspace missing-lock chain-node
crate missing-lock/chain-node chain-node bin

# stale-lock: locked, then the manifest gained a dependency.
workspace stale-lock chain-node net
crate stale-lock/chain-node chain-node bin
crate stale-lock/net net lib
lock stale-lock
printf '\n[dependencies]\nnet = { path = "../net" }\n' >>stale-lock/chain-node/Cargo.toml

# patch: crates.io's cfg-if is patched with a local copy; nothing needs crates.io.
workspace patch chain-node
crate patch/chain-node chain-node bin '
[dependencies]
cfg-if = "=1.0.4"
'
crate patch/forks/cfg-if cfg-if lib
sed -i 's/^version = "0.1.0"/version = "1.0.4"/' patch/forks/cfg-if/Cargo.toml
printf '\n[patch.crates-io]\ncfg-if = { path = "forks/cfg-if" }\n' >>patch/Cargo.toml
lock patch

# replace: crates.io's cfg-if (vendored) is replaced by a local copy.
workspace replace chain-node
crate replace/chain-node chain-node bin '
[dependencies]
cfg-if = "=1.0.4"
'
crate replace/forks/cfg-if cfg-if lib
sed -i 's/^version = "0.1.0"/version = "1.0.4"/' replace/forks/cfg-if/Cargo.toml
(cd replace && cargo generate-lockfile --quiet)
vendor_cfg_if replace
printf '\n[replace]\n"cfg-if:1.0.4" = { path = "forks/cfg-if" }\n' >>replace/Cargo.toml
lock replace

# missing-checksum: cfg-if from a vendored mirror that records no checksum.
workspace missing-checksum chain-node
crate missing-checksum/chain-node chain-node bin '
[dependencies]
cfg-if = "=1.0.4"
'
(cd missing-checksum && cargo generate-lockfile --quiet)
vendor_cfg_if missing-checksum
python3 - missing-checksum/vendor/cfg-if-1.0.4/.cargo-checksum.json <<'EOF'
import json, sys
path = sys.argv[1]
with open(path) as f:
    data = json.load(f)
data["package"] = None
with open(path, "w") as f:
    json.dump(data, f, separators=(",", ":"), sort_keys=True)
EOF
sed -i '/^checksum = /d' missing-checksum/Cargo.lock

# Check: every fixture but missing-lock and stale-lock resolves offline with --locked.
for dir in clean denied-crate path-outside/workspace patch replace denied-feature missing-checksum; do
  (cd "$dir" && cargo metadata --locked --offline --format-version 1 >/dev/null)
done
for dir in missing-lock stale-lock; do
  if (cd "$dir" && cargo metadata --locked --offline --format-version 1 >/dev/null 2>&1); then
    echo "regen: $dir unexpectedly resolves with --locked" >&2
    exit 1
  fi
done
echo "regen: real-deps fixtures rebuilt in $here"
