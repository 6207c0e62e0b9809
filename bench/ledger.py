#!/usr/bin/env python3
"""Ledger scale benchmark, both formats in one run: a 100,000-entry ledger of each format
built through the library (each entry a distinct signed verdict and signed provenance plus
the demo release's evidence; bench/ledger_fill.rs: format 1 by `tollgate::ledger::append`,
format 2 by `ledger::v2::batch::append_batch`), then timed:

- `tollgate audit verify --pubkey PUB` (everything: records/chain, every blob re-hashed,
  every signature, format 2's tree recomputed)
- `tollgate audit verify` (the same without signatures: what the signatures cost)
- format 2: `tollgate audit verify --pubkey --since CHECKPOINT` with the checkpoint of 100
  records back (consistency proof, the last 100 records)
- `tollgate audit log --since 1h` (reads every entry, prints the last hour's)
- `find STORE -type f | wc -l` (just walking the store), files per entry
- single appends at 100,000 entries through the real, synced local store (p50, p90)
- with --prove-count N (the issue's figure: 1,000,000): `tollgate audit prove` of the last
  verdict (through the verdict index) and of the middle record (`--index`) in a format-2 log
  of N entries filled with `ledger_fill --light` (unsigned verdicts, one shared provenance:
  one blob per entry; prove reads no blob)

Format 1 is the named reference. Wall time is the median of --runs timed runs after one
untimed warm-up (page cache warm); peak RSS comes from GNU time (/usr/bin/time, Debian
package `time`); for the shell pipelines it is the largest process in the pipeline. Targets
(format 2, issue 16) on the 2-core reference machine: verify <= 3 s, verify --since 100 back
<= 0.1 s, append p50 <= 10 ms at 100k entries, prove <= 50 ms at 1,000,000, verify peak RSS
<= 100 MiB. With --keep, each run appends --appends more entries to the kept ledgers, while
files per entry still divides by --count: start from a fresh --dir for figures to publish.

Python 3 standard library only. Usage:
    python3 bench/ledger.py [--count N] [--runs N] [--formats v1,v2] [--appends K] [--prove-count N] [--no-build]
                            [--dir DIR --keep] [--strict]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 3.0
TARGET_SINCE_SECONDS = 0.1
TARGET_APPEND_MS = 10.0
TARGET_PROVE_SECONDS = 0.05
TARGET_MIB = 100.0  # peak RSS of a full verify
SINCE_BACK = 100
GNU_TIME = "/usr/bin/time"  # Debian package `time`

POLICY = """\
environment = "regtest"
verdict_ttl = "7d"

[trust]
artifact_keys = ["keys/demo-release.pub"]

[gates.signatures]
artifact_signatures = "required"
"""


def run_measured(argv: list[str], cwd: Path, shell: bool = False) -> tuple[float, float]:
    """Run once under GNU time; (wall seconds, peak RSS MiB). GNU time forks from a small
    process: ru_maxrss of a child forked from Python would include Python's own pages."""
    if shell:
        argv = ["/bin/sh", "-c", argv[0]]
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.run(
            [GNU_TIME, "-o", rss.name, "-f", "%M", *map(str, argv)],
            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"{' '.join(map(str, argv))} failed with exit {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
        kib = int(rss.read().strip().splitlines()[-1])
    return elapsed, kib / 1024.0


def measure(name: str, argv: list[str], cwd: Path, runs: int, shell: bool = False) -> dict:
    run_measured(argv, cwd, shell)  # warm-up
    samples = [run_measured(argv, cwd, shell) for _ in range(runs)]
    return {
        "name": name,
        "median": statistics.median(s[0] for s in samples),
        "min": min(s[0] for s in samples),
        "rss": max(s[1] for s in samples),
    }


def fill(fill_bin: Path, work: Path, store: Path, fmt: str, count: int, appends: int = 0,
         extra: tuple = ()) -> list[float]:
    """Append `count` entries (format `fmt` for a new store) and time `appends` single synced
    appends after them; the appends' milliseconds."""
    proc = subprocess.run(
        [fill_bin, "--store", store, "--count", str(count), "--out", "out", "--policy", "policy.toml",
         "--release", "release", "--repo", ".", "--key", "vk/tollgate.key", "--format", fmt,
         "--appends", str(appends), *extra],
        cwd=work, check=True, stdout=subprocess.PIPE, text=True,
    )
    return [float(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("append_ms ")]


def prepare(tollgate: Path, work: Path) -> None:
    """The release, keys, policy and one real evaluate output the fill copies."""
    for sub in ("release", "keys", "vk", "out", "scratch"):
        shutil.rmtree(work / sub, ignore_errors=True)
    shutil.copytree(REPO / "testdata/demo-release", work / "release")
    (work / "keys").mkdir()
    shutil.copy(REPO / "testdata/keys/demo-release.pub", work / "keys")
    (work / "policy.toml").write_text(POLICY)
    subprocess.run([tollgate, "keygen", "--out", "vk", "--unencrypted"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [tollgate, "-q", "evaluate", "--policy", "policy.toml", "--release", "release", "--repo", ".",
         "--out", "out", "--key", "vk/tollgate.key", "--store", "scratch"],
        cwd=work, check=True, stdout=subprocess.DEVNULL,
    )


def bench_format(fmt: str, tollgate: Path, fill_bin: Path, work: Path, args) -> tuple[list[dict], dict]:
    """Fill (or reuse) the `fmt` ledger and time it; (results, facts)."""
    store = work / f"ledger-{fmt}"
    marker = store / ("checkpoint" if fmt == "v2" else "head.json")
    pinned = work / f"pinned-{fmt}.checkpoint"
    back = SINCE_BACK if fmt == "v2" else 0
    if not (args.keep and marker.exists()):
        shutil.rmtree(store, ignore_errors=True)
        started = time.perf_counter()
        fill(fill_bin, work, store, fmt, args.count - back)
        if back:
            shutil.copy(store / "checkpoint", pinned)
            fill(fill_bin, work, store, fmt, back)
        print(f"{fmt}: filled {args.count} entries in {time.perf_counter() - started:.1f} s")
    files = sum(len(f) for _, _, f in os.walk(store))
    size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    facts = {"files": files, "per_entry": files / args.count, "mib": size / 2**20}
    print(f"{fmt}: {files} files ({files / args.count:.2f} per entry), {size / 2**20:.1f} MiB, in {store}")
    rel = store.name
    results = [
        measure(f"{fmt}: tollgate audit verify --pubkey", [tollgate, "audit", "verify", "--pubkey", "vk/tollgate.pub", "--store", rel], work, args.runs),
        measure(f"{fmt}: tollgate audit verify (no signatures)", [tollgate, "audit", "verify", "--store", rel], work, args.runs),
    ]
    if back:
        results.append(measure(
            f"{fmt}: tollgate audit verify --pubkey --since (a checkpoint {back} records back)",
            [tollgate, "audit", "verify", "--pubkey", "vk/tollgate.pub", "--since", pinned, "--store", rel],
            work, args.runs,
        ))
    results += [
        measure(f"{fmt}: tollgate audit log --since 1h", [tollgate, "audit", "log", "--since", "1h", "--store", rel], work, args.runs),
        measure(f"{fmt}: reference: find -type f | wc -l", [f"find {rel} -type f | wc -l"], work, args.runs, shell=True),
    ]
    # Last: they add entries. Through the real, synced local store, as `evaluate` appends.
    if args.appends:
        times = fill(fill_bin, work, store, fmt, 0, args.appends)
        facts["append_p50_ms"] = statistics.median(times)
        facts["append_p90_ms"] = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
        print(f"{fmt}: {len(times)} single appends at {args.count}: p50 {facts['append_p50_ms']:.2f} ms, p90 {facts['append_p90_ms']:.2f} ms")
    return results, facts


def bench_prove(tollgate: Path, fill_bin: Path, work: Path, args) -> list[dict]:
    """Fill (or reuse) the light format-2 log of --prove-count entries; time `audit prove`."""
    count = args.prove_count
    store = work / "ledger-prove"
    last = work / "prove-last-verdict.json"
    if not (args.keep and (store / "checkpoint").exists() and last.exists()):
        shutil.rmtree(store, ignore_errors=True)
        started = time.perf_counter()
        fill(fill_bin, work, store, "v2", count, extra=("--light", "--last-verdict", last))
        print(f"prove: filled {count} light entries in {time.perf_counter() - started:.1f} s")
    rel = store.name
    return [
        measure(f"v2 at {count}: tollgate audit prove VERDICT (the last record, via the verdict index)",
                [tollgate, "audit", "prove", last, "--store", rel], work, args.runs),
        measure(f"v2 at {count}: tollgate audit prove --index {count // 2}",
                [tollgate, "audit", "prove", "--index", str(count // 2), "--store", rel], work, args.runs),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="v1,v2", help="comma-separated: v1 (the reference), v2")
    parser.add_argument("--appends", type=int, default=51, help="single synced appends timed after the fill")
    parser.add_argument("--prove-count", type=int, default=0,
                        help="also time audit prove on a light format-2 log of this many entries (issue 16: 1000000)")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--bin-dir", type=Path, default=REPO / "target/release",
                        help="where tollgate and examples/ledger_fill are (with --no-build)")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the filled ledgers in --dir")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(
            ["cargo", "build", "--release", "--locked", "--bin", "tollgate", "--example", "ledger_fill"],
            cwd=REPO,
            check=True,
        )
    bin_dir = args.bin_dir.resolve()
    tollgate = bin_dir / "tollgate"
    fill_bin = bin_dir / "examples/ledger_fill"
    work = args.dir or Path(tempfile.mkdtemp(prefix="tollgate-ledger-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if not (args.keep and (work / "out/verdict.json").exists()):
            prepare(tollgate, work)
        results, facts = [], {}
        for fmt in args.formats.split(","):
            r, f = bench_format(fmt, tollgate, fill_bin, work, args)
            results += r
            facts[fmt] = f
        if args.prove_count:
            results += bench_prove(tollgate, fill_bin, work, args)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n{args.count} entries, {os.cpu_count()} CPUs, median of {args.runs} warm runs, load average after: {load}\n")
        print("| command | median | min | peak RSS |")
        print("|---|---|---|---|")
        for r in results:
            print(f"| {r['name']} | {r['median']:.3f} s | {r['min']:.3f} s | {r['rss']:.1f} MiB |")
        print("\n| format | files | files per entry | MiB | append p50 | append p90 |")
        print("|---|---|---|---|---|---|")
        for fmt, f in facts.items():
            p50 = f"{f['append_p50_ms']:.2f} ms" if "append_p50_ms" in f else "-"
            p90 = f"{f['append_p90_ms']:.2f} ms" if "append_p90_ms" in f else "-"
            print(f"| {fmt} | {f['files']} | {f['per_entry']:.2f} | {f['mib']:.1f} | {p50} | {p90} |")
        missed = []
        by_name = {r["name"]: r for r in results}
        if "v2" in facts:
            verify = by_name["v2: tollgate audit verify --pubkey"]
            if verify["median"] > TARGET_SECONDS:
                missed.append(f"v2 verify {verify['median']:.2f} s > {TARGET_SECONDS} s")
            if verify["rss"] > TARGET_MIB:
                missed.append(f"v2 verify {verify['rss']:.1f} MiB > {TARGET_MIB} MiB")
            since = [r for n, r in by_name.items() if n.startswith("v2: tollgate audit verify --pubkey --since")]
            if since and since[0]["median"] > TARGET_SINCE_SECONDS:
                missed.append(f"v2 verify --since {since[0]['median']:.3f} s > {TARGET_SINCE_SECONDS} s")
            for r in results:
                if " audit prove " in r["name"] and r["median"] > TARGET_PROVE_SECONDS:
                    missed.append(f"{r['name']}: {r['median'] * 1000:.1f} ms > {TARGET_PROVE_SECONDS * 1000:.0f} ms")
            p50 = facts["v2"].get("append_p50_ms")
            if p50 is not None and p50 > TARGET_APPEND_MS:
                missed.append(f"v2 append p50 {p50:.2f} ms > {TARGET_APPEND_MS} ms")
        print("\ntargets (v2): " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
        return 1 if (missed and args.strict) else 0
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
