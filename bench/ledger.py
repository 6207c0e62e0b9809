#!/usr/bin/env python3
"""Ledger scale benchmark: a 100,000-entry ledger built through the library (each entry a
distinct signed verdict and signed provenance plus the demo release's evidence, appended by
`tollgate::ledger::append`; bench/ledger_fill.rs), then timed:

- `tollgate audit verify --pubkey PUB` (chain, every blob re-hashed, every signature)
- `tollgate audit verify` (the same without signatures: what the signatures cost)
- `tollgate audit log --since 1h` (reads every entry, prints the last hour's)

against references measured in the same run on the same files:

- `find STORE -type f | wc -l` (just walking the store), and
- `sha256sum` over every stored file (`find -print0 | xargs -0 sha256sum`), which is the
  hashing part of verify done by a stock tool, without parsing or signatures.

Wall time is the median of --runs timed runs after one untimed warm-up (page cache warm);
peak RSS comes from GNU time (/usr/bin/time, Debian package `time`); for the shell
pipelines it is the largest process in the pipeline. Targets on the 2-core reference machine: verify
<= 3 s and <= 100 MiB at 100k entries.

Python 3 standard library only. Usage:
    python3 bench/ledger.py [--count N] [--runs N] [--no-build] [--dir DIR --keep] [--strict]
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
TARGET_MIB = 100.0
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--bin-dir", type=Path, default=REPO / "target/release",
                        help="where tollgate and examples/ledger_fill are (with --no-build)")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the filled ledger in --dir")
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
    fill = bin_dir / "examples/ledger_fill"
    work = args.dir or Path(tempfile.mkdtemp(prefix="tollgate-ledger-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "ledger"
    try:
        if not (args.keep and (store / "head.json").exists()):
            if store.exists():
                shutil.rmtree(store)
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
            started = time.perf_counter()
            subprocess.run(
                [fill, "--store", store, "--count", str(args.count), "--out", "out", "--policy", "policy.toml",
                 "--release", "release", "--repo", ".", "--key", "vk/tollgate.key"],
                cwd=work, check=True,
            )
            print(f"filled {args.count} entries in {time.perf_counter() - started:.1f} s")
        files = sum(len(f) for _, _, f in os.walk(store))
        size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
        print(f"store: {files} files, {size / 2**20:.1f} MiB, in {store}")
        results = [
            measure("tollgate audit verify --pubkey", [tollgate, "audit", "verify", "--pubkey", "vk/tollgate.pub", "--store", "ledger"], work, args.runs),
            measure("tollgate audit verify (no signatures)", [tollgate, "audit", "verify", "--store", "ledger"], work, args.runs),
            measure("tollgate audit log --since 1h", [tollgate, "audit", "log", "--since", "1h", "--store", "ledger"], work, args.runs),
            measure("reference: find ledger -type f | wc -l", ["find ledger -type f | wc -l"], work, args.runs, shell=True),
            measure("reference: sha256sum of every stored file", ["find ledger -type f -print0 | xargs -0 sha256sum"], work, args.runs, shell=True),
        ]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n{args.count} entries, {os.cpu_count()} CPUs, median of {args.runs} warm runs, load average after: {load}\n")
        print("| command | median | min | peak RSS |")
        print("|---|---|---|---|")
        for r in results:
            print(f"| {r['name']} | {r['median']:.2f} s | {r['min']:.2f} s | {r['rss']:.1f} MiB |")
        verify = results[0]
        missed = []
        if verify["median"] > TARGET_SECONDS:
            missed.append(f"verify {verify['median']:.2f} s > {TARGET_SECONDS} s")
        if verify["rss"] > TARGET_MIB:
            missed.append(f"verify {verify['rss']:.1f} MiB > {TARGET_MIB} MiB")
        print("\ntargets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
        return 1 if (missed and args.strict) else 0
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
