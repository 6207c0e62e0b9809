#!/usr/bin/env bash
# Build time of a fresh clone (README "Performance"): clones REV (default HEAD) of this
# repository into a scratch directory with an empty target dir, then times, one after
# another, what a newcomer runs:
#   run      the README's first command, `cargo run -q -- evaluate --policy gates/demo.toml ...`
#   test     `cargo test --no-run` on top of that (what CI builds before running tests)
#   install  `cargo install --path .` (release profile, from an empty target dir)
# Each step prints wall time, CPU time (user + sys, from /usr/bin/time) and the load average
# before and after: on a shared machine compare CPU times, and wall times only between runs
# made under the same load. `cargo build --timings` reports (per-crate times) are copied to
# OUT (default ./build-time-out). The scratch clone is deleted at the end.
#
#   bash bench/build-time.sh [--rev REV] [--steps run,test,install] [--out DIR]
# Needs /usr/bin/time (Debian: apt-get install time) and the crates in CARGO_HOME (it runs
# offline so that download time is not counted: run `cargo fetch` first).
set -euo pipefail

rev=HEAD
steps=run,test,install
out=$PWD/build-time-out
while [ $# -gt 0 ]; do
  case $1 in
    --rev) rev=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--rev REV] [--steps run,test,install] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# --out is relative to where the script was started, not to the scratch clone it cds into.
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-build-time.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
git clone -q "$repo" "$scratch/clone"
git -C "$scratch/clone" checkout -q "$rev"
cd "$scratch/clone"
export CARGO_NET_OFFLINE=true
echo "tollgate $(git rev-parse --short HEAD), $(nproc) cores, $(cargo --version)"

measure() { # measure NAME COMMAND...
  local name=$1
  shift
  local before
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  if ! /usr/bin/time -f '%e %U %S %M' -o "$scratch/time" "$@" >"$scratch/log" 2>&1; then
    tail -20 "$scratch/log" >&2
    echo "$name: failed" >&2
    exit 1
  fi
  read -r wall user sys rss <"$scratch/time"
  printf '%-8s wall %7.1f s  cpu %7.1f s (user %.1f + sys %.1f)  peak rss %d MiB  load %s -> %s  target %s\n' \
    "$name" "$wall" "$(awk "BEGIN { print $user + $sys }")" "$user" "$sys" $((rss / 1024)) \
    "$before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(du -sh target | cut -f1)"
  if [ -d target/cargo-timings ]; then
    mkdir -p "$out/$name"
    cp target/cargo-timings/cargo-timing-*.html "$out/$name/"
    rm -rf target/cargo-timings
  fi
}

case ,$steps, in *,run,*)
  measure run cargo run -q --timings -- evaluate --policy gates/demo.toml \
    --release testdata/demo-release --out "$scratch/demo-out" ;;
esac
case ,$steps, in *,test,*)
  measure test cargo test --no-run --timings ;;
esac
case ,$steps, in *,install,*)
  rm -rf target
  measure install cargo install --path . --root "$scratch/root" --timings ;;
esac
echo "timings reports: $out"
