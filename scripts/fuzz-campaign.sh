#!/usr/bin/env bash
# A fuzzing campaign: seeds the corpora, builds every cargo-fuzz target once, runs each in
# turn for a time or a number of executions, and prints a markdown table (target,
# executions, seconds, exec/s, crashes) from libFuzzer's final stats, ready to paste into
# SECURITY.md. Exits 1 if any target crashed (the inputs are under fuzz/artifacts/TARGET/),
# 2 on a usage or build error.
#
#   scripts/fuzz-campaign.sh                   every target, 60 s each
#   scripts/fuzz-campaign.sh --time 1800       every target, 30 min each (the long campaign)
#   scripts/fuzz-campaign.sh --runs 10000000   every target, 10 million executions each
#   scripts/fuzz-campaign.sh --time 5 sums policy     only these targets
#
# Options: --time SECONDS | --runs N (per target), --sanitizer none|address (default none:
# tollgate forbids unsafe code, and without ASan the targets run several times faster; use
# address to check the dependencies' unsafe code), --jobs N (parallel libFuzzer workers per
# target; default 1: the machine is shared), --log-dir DIR (default fuzz/logs).
# Needs a nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time=60)
limit_text="60 s per target"
sanitizer=none
jobs=1
log_dir=fuzz/logs
targets=()
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --time)
    [ $# -ge 2 ] || usage
    limit=(-max_total_time="$2")
    limit_text="$2 s per target"
    shift 2
    ;;
  --runs)
    [ $# -ge 2 ] || usage
    limit=(-runs="$2")
    limit_text="$2 executions per target"
    shift 2
    ;;
  --sanitizer)
    [ $# -ge 2 ] || usage
    sanitizer=$2
    shift 2
    ;;
  --jobs)
    [ $# -ge 2 ] || usage
    jobs=$2
    shift 2
    ;;
  --log-dir)
    [ $# -ge 2 ] || usage
    log_dir=$2
    shift 2
    ;;
  -h | --help) usage ;;
  -*)
    echo "fuzz-campaign: unknown option $1" >&2
    usage
    ;;
  *)
    targets+=("$1")
    shift
    ;;
  esac
done

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz-campaign: no nightly toolchain (cargo-fuzz needs one): rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz-campaign: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi
build_targets=("${targets[@]}")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
  build_targets=("") # one build of every target
fi

bash scripts/fuzz-seed.sh >/dev/null
echo "== cargo +nightly fuzz build -s $sanitizer (${#targets[@]} targets)" >&2
build_start=$SECONDS
for target in "${build_targets[@]}"; do
  if ! cargo +nightly fuzz build -s "$sanitizer" ${target:+"$target"} >&2; then
    echo "fuzz-campaign: the fuzz targets do not build" >&2
    exit 2
  fi
done
echo "== built in $((SECONDS - build_start)) s" >&2

mkdir -p "$log_dir"
rows=()
total_crashes=0
for target in "${targets[@]}"; do
  artifacts=fuzz/artifacts/$target
  mkdir -p "$artifacts"
  before=$(find "$artifacts" -type f | wc -l)
  log=$log_dir/$target.log
  echo "== fuzz $target ($limit_text)" >&2
  start=$(date +%s.%N)
  status=0
  # -timeout: one input running this long is a hang, reported like a crash.
  cargo +nightly fuzz run -s "$sanitizer" --jobs "$jobs" "$target" -- \
    "${limit[@]}" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
    >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  # libFuzzer's own count and time ("Done N runs in S second(s)"); the wall time (with
  # cargo's start-up) when it stopped early on a crash. With --jobs N, workers are summed.
  executions=$(awk '/^stat::number_of_executed_units:/ { n += $NF } END { print n + 0 }' "$log")
  seconds=$(awk '/^Done [0-9]+ runs in [0-9]+ second/ { s = ($5 > s ? $5 : s) } END { print s + 0 }' "$log")
  if [ "$seconds" -eq 0 ]; then
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  fi
  crashes=$(($(find "$artifacts" -type f | wc -l) - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # A failure that left no input behind (a build error, a killed run): count it, loudly.
    echo "fuzz-campaign: $target exited with $status and left no crash input; see $log" >&2
    crashes=1
  fi
  total_crashes=$((total_crashes + crashes))
  rate=$(awk -v n="$executions" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? n / s : n) }')
  rows+=("| $target | $executions | $seconds | $rate | $crashes |")
  echo "   $executions executions in $seconds s, $crashes crash(es); log: $log" >&2
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "Fuzzing campaign of $(date -u +%Y-%m-%d) ($limit_text, sanitizer $sanitizer, $jobs job(s) per target),"
echo "on $(nproc) cores (${cpu:-unknown CPU}), $(rustc +nightly --version)."
echo
echo "| target | executions | seconds | exec/s | crashes |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if [ "$total_crashes" -gt 0 ]; then
  echo
  echo "$total_crashes crash(es): the inputs are under fuzz/artifacts/; reproduce one with" \
    "cargo +nightly fuzz run -s $sanitizer TARGET fuzz/artifacts/TARGET/FILE" >&2
  exit 1
fi
